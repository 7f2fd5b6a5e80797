package io.gridlet.flink.elastic;

import io.gridlet.flink.elastic.ElasticityController.Decision;
import io.gridlet.flink.elastic.ElasticityController.Settings;
import io.gridlet.flink.elastic.ElasticityController.Signals;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The controller's decisions on synthetic signals, second by second. */
class ElasticityControllerTest {
    private static final long S = 1000;
    /** 1..8 instances over 128 key groups; out after 10 s of overload, in after 2 min idle, 30 s cooldown. */
    private final ElasticityController controller = new ElasticityController(Settings.defaults(1, 8, 128));
    private int parallelism = 2;
    private final List<Decision> rescales = new ArrayList<>();

    /** Feeds one signal a second for {@code seconds} from {@code start}, applying rescales as they are decided. */
    private Decision feed(long start, long seconds, double busy, double backPressured, double cpu) {
        Decision last = null;
        for (long t = start; t < start + seconds; t++) {
            last = controller.observe(new Signals(t * S, parallelism, busy, backPressured, false, cpu));
            if (last.rescale()) {
                parallelism = last.parallelism();
                rescales.add(last);
                controller.rescaled(t * S);
            }
        }
        return last;
    }

    @Test
    void scalesOutOnlyAfterSustainedOverloadToWhatBusyTimeSays() {
        Decision d = feed(0, 9, 0.95, 0, 0.5);
        assertThat(rescales).isEmpty();
        assertThat(d.reason()).contains("busy 95% at parallelism 2").contains("overloaded for 8 s of 10 s");
        feed(9, 2, 0.95, 0, 0.5);
        // 2 instances 95% busy = 1.9 instances of work; at 60% target that needs 3.2 -> 4 (divides 128)
        assertThat(rescales).singleElement().satisfies(r -> {
            assertThat(r.parallelism()).isEqualTo(4);
            assertThat(r.reason()).contains("scale out to 4");
        });
    }

    @Test
    void aBriefSpikeDoesNothing() {
        feed(0, 5, 0.99, 0.9, 0.5);
        feed(5, 60, 0.5, 0, 0.5);
        feed(65, 5, 0.99, 0.9, 0.5);
        assertThat(rescales).isEmpty();
    }

    @Test
    void aBackPressuredSourceMeansMoreThanBusyTimeShows() {
        // 80% busy is below the scale-out threshold, but the source is held back: demand is unknown, add one
        feed(0, 11, 0.8, 0.7, 0.5);
        assertThat(rescales).singleElement().extracting(Decision::parallelism).isEqualTo(4); // 3 -> 4, divides 128
    }

    @Test
    void scalesInLazilyAndNeverBelowTheMinimum() {
        parallelism = 8;
        feed(0, 119, 0.05, 0, 0.1);
        assertThat(rescales).isEmpty();
        feed(119, 2, 0.05, 0, 0.1);
        assertThat(rescales).singleElement().extracting(Decision::parallelism).isEqualTo(1);
        Decision d = feed(121, 300, 0.01, 0, 0.1);
        assertThat(rescales).hasSize(1);
        assertThat(d.reason()).contains("already at the least (1)");
    }

    @Test
    void waitsOutTheCooldownAndTheHourlyBudget() {
        Settings quick = Settings.defaults(1, 64, 128)
                .withTiming(new ElasticityController.Timing(Duration.ofSeconds(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(30), 6));
        ElasticityController c = new ElasticityController(quick);
        int p = 1;
        int done = 0;
        String lastReason = "";
        for (long t = 0; t < 3600; t++) {
            Decision d = c.observe(new Signals(t * S, p, 0.95, 0, false, 0.2));
            lastReason = d.reason();
            if (d.rescale()) {
                assertThat(d.parallelism()).isGreaterThan(p);
                p = d.parallelism();
                c.rescaled(t * S);
                done++;
                if (p == 64) p = 1; // the load keeps coming back: pretend the job was reset
            }
        }
        assertThat(done).isEqualTo(6);
        assertThat(lastReason).contains("budget of 6 rescales an hour");
        Decision inCooldown = new ElasticityController(quick).observe(new Signals(0, 1, 0.95, 0, false, 0.2));
        assertThat(inCooldown.rescale()).isFalse(); // overloaded for 0 s of 1 s
    }

    @Test
    void cooldownHoldsARescaleRightAfterAnother() {
        feed(0, 11, 0.95, 0, 0.5);
        assertThat(parallelism).isEqualTo(4);
        Decision d = feed(11, 15, 0.99, 0.9, 0.5);
        assertThat(rescales).hasSize(1);
        assertThat(d.reason()).contains("after the cooldown");
    }

    @Test
    void aSaturatedMachineIsNotAReasonToAddInstances() {
        Decision d = feed(0, 20, 0.99, 0.9, 0.98);
        assertThat(rescales).isEmpty();
        assertThat(d.reason()).contains("CPU 98% used");
    }

    @Test
    void prefersParallelismsThatDivideTheKeyGroups() {
        ElasticityController c = new ElasticityController(Settings.defaults(1, 12, 128));
        assertThat(c.choose(3)).isEqualTo(4);
        assertThat(c.choose(5)).isEqualTo(8);
        assertThat(c.choose(9)).isEqualTo(9); // no divisor of 128 in 9..12: the need itself
        assertThat(c.choose(40)).isEqualTo(12);
        assertThat(c.choose(0)).isEqualTo(1);
    }

    @Test
    void aManualOverrideWins() {
        controller.override(3);
        Decision d = feed(0, 60, 0.99, 0.9, 0.2);
        assertThat(rescales).isEmpty();
        assertThat(d.reason()).contains("manual override to 3");
    }

    @Test
    void steadyLoadInsideTheBandHolds() {
        Decision d = feed(0, 600, 0.55, 0.1, 0.5);
        assertThat(rescales).isEmpty();
        assertThat(d.reason()).contains("within 25%..85%");
    }

    /**
     * Live input: a growing lag is overload though busy time is under the scale-out line (a job at 70 % busy
     * that falls behind its meters), sustained as long as busy overload must be; a lag that stops growing is not.
     */
    @Test
    void aGrowingInputLagIsOverloadWhenSustained() {
        ElasticityController c = new ElasticityController(Settings.defaults(1, 8, 128));
        Decision d = null;
        for (long t = 0; t < 9; t++) d = c.observe(new Signals(t * S, 2, 0.7, 0, true, 0.5));
        assertThat(d.rescale()).isFalse();
        assertThat(d.reason()).contains("input lag growing");
        d = c.observe(new Signals(9 * S, 2, 0.7, 0, false, 0.5)); // it stopped growing: the clock starts over
        assertThat(d.rescale()).isFalse();
        for (long t = 10; t < 21 && !d.rescale(); t++) d = c.observe(new Signals(t * S, 2, 0.7, 0, true, 0.5));
        assertThat(d.rescale()).as("after 10 s of a growing lag").isTrue();
        assertThat(d.parallelism()).isGreaterThan(2);
        assertThat(d.reason()).contains("input lag growing");
    }
}
