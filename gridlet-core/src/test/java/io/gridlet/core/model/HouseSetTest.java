package io.gridlet.core.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HouseSetTest {
    @Test
    void holdsHousesRangesAndResidueClasses() {
        HouseSet set = HouseSet.parse("7, 10-12, 3%5");
        assertThat(set.contains(7)).isTrue();
        assertThat(set.contains(10)).isTrue();
        assertThat(set.contains(12)).isTrue();
        assertThat(set.contains(13)).isTrue(); // 13 = 3 mod 5
        assertThat(set.contains(8)).isTrue(); // 8 = 3 mod 5
        assertThat(set.contains(9)).isFalse();
        assertThat(set.contains(14)).isFalse();
        assertThat(HouseSet.parse("*").contains(0xFFFF_FFFFL)).isTrue();
        assertThat(set).hasToString("7, 10-12, 3%5");
    }

    @Test
    void refusesWhatIsNotAHouseSetNamingTheTerm() {
        for (String bad : new String[] {"", "x", "5-3", "3%3", "-1", "1,,2", "4294967296", "2%0"}) {
            assertThatThrownBy(() -> HouseSet.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> HouseSet.parse("1,5-3")).hasMessageContaining("'5-3'");
    }
}
