package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MeasurementReaderTest {
    private final Rejections rejections = new Rejections();

    private List<Measurement> read(String text) throws IOException {
        MeasurementReader reader = new MeasurementReader(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), rejections);
        List<Measurement> out = new ArrayList<>();
        for (Measurement m; (m = reader.next()) != null; ) out.add(m);
        return out;
    }

    @Test
    void readsAllFieldsOfAWellFormedLine() throws IOException {
        assertThat(read("18446744073709551615,4294967295,12.345,1,4294967295,7,40\n"))
                .containsExactly(new Measurement(-1L, 4294967295L, 12_345, Property.LOAD, 4294967295L, 7, 40));
        assertThat(rejections.total()).isZero();
    }

    @ParameterizedTest(name = "{0} -> {1} mW")
    @CsvSource({
            "50.0004, 50000", "50.0005, 50001", "1.99951, 2000", "0.0001, 0", "7, 7000", "7.5, 7500",
            "0.12, 120", "00012.000000, 12000", "2147483.647, 2147483647"})
    void roundsLoadsHalfUpToMilliwatts(String value, long milliwatts) throws IOException {
        List<Measurement> m = read("1,100," + value + ",1,1,1,1\n");
        assertThat(m).singleElement().extracting(Measurement::milliValue).isEqualTo(milliwatts);
    }

    @Test
    void countsValuesWithMoreThanThreeDecimalsAsRounded() throws IOException {
        MeasurementReader reader = new MeasurementReader(new ByteArrayInputStream(
                "1,1,1.2345,1,1,1,1\n2,1,1.234,1,1,1,1\n3,1,-1.00001,0,1,1,1\n".getBytes()), rejections);
        while (reader.next() != null) {
            // read all
        }
        assertThat(reader.roundedValues()).isEqualTo(2);
    }

    @Test
    void acceptsLeadingZerosInLongFields() throws IOException {
        assertThat(read("000000000000000000000042,0000000000000000001377986401,1,1,00000000000000000000007,0,0\n"))
                .containsExactly(new Measurement(42, 1377986401L, 1000, Property.LOAD, 7, 0, 0));
        assertThat(read("1,0000000000000000004294967296,1,1,1,1,1\n")).isEmpty();
        assertThat(rejections.count(RejectReason.BAD_NUMBER)).isEqualTo(1);
    }

    @Test
    void acceptsNegativeWorkButNotNegativeLoad() throws IOException {
        List<Measurement> m = read("1,1,-2.5,0,1,1,1\n2,1,-2.5,1,1,1,1\n");
        assertThat(m).singleElement().satisfies(x -> {
            assertThat(x.property()).isEqualTo(Property.WORK);
            assertThat(x.milliValue()).isEqualTo(-2500);
        });
        assertThat(rejections.count(RejectReason.NEGATIVE_LOAD)).isEqualTo(1);
        assertThat(rejections.examples().get(0).lineNumber()).isEqualTo(2);
    }

    @ParameterizedTest(name = "[{0}] is {1}")
    @CsvSource(delimiter = '|', value = {
            "1,2,3,1,1,1|field-count",
            "1,2,3,1,1,1,1,1|field-count",
            "|field-count",
            "1,2,12x.5,1,1,1,1|bad-number",
            "1,2,12.,1,1,1,1|bad-number",
            "1,2,.5,1,1,1,1|bad-number",
            "1,2,+5,1,1,1,1|bad-number",
            "1,2,1e3,1,1,1,1|bad-number",
            "1,2, 5,1,1,1,1|bad-number",
            "1,4294967296,5,1,1,1,1|bad-number",
            "18446744073709551616,2,5,1,1,1,1|bad-number",
            "-1,2,5,1,1,1,1|bad-number",
            "1,2,5,1,1,1,4294967296|bad-number",
            "1,2,5,1,1,,1|bad-number",
            "1,2,2147483.648,1,1,1,1|bad-number",
            "1,2,5,7,1,1,1|bad-property",
            "1,2,5,x,1,1,1|bad-property",
            "1,2,5,01,1,1,1|bad-property",
            "1,2,-0.001,1,1,1,1|negative-load"})
    void rejectsMalformedLinesByReason(String line, String reason) throws IOException {
        assertThat(read((line == null ? "" : line) + "\n1,3,5,1,1,1,1\n")).hasSize(1);
        assertThat(rejections.total()).isEqualTo(1);
        Rejection r = rejections.examples().get(0);
        assertThat(r.reason().label()).isEqualTo(reason);
        assertThat(r.lineNumber()).isEqualTo(1);
        assertThat(r.message()).isNotBlank();
    }

    @Test
    void reportsTheFirstFewRejectionsWithLineNumbersAndCountsTheRest() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 25; i++) text.append(i % 2 == 0 ? "bad\n" : i + ",1,1,1,1,1,1\n");
        read(text.toString());
        assertThat(rejections.count(RejectReason.FIELD_COUNT)).isEqualTo(12);
        assertThat(rejections.examples()).hasSize(Rejections.DEFAULT_EXAMPLES)
                .extracting(Rejection::lineNumber).startsWith(2L, 4L, 6L);
        assertThat(rejections.examples().get(0).toString()).contains("line 2", "field-count", "expected 7 fields");
    }

    @Test
    void handlesCrLfAndALastLineWithoutNewline() throws IOException {
        assertThat(read("1,1,1.5,1,1,1,1\r\n2,2,2.5,1,1,1,1")).extracting(Measurement::milliValue)
                .containsExactly(1500L, 2500L);
        assertThat(rejections.total()).isZero();
    }

    @Test
    void rejectsOverlongLinesWithoutHoldingThem() throws IOException {
        String huge = "1,1," + "9".repeat(MeasurementReader.MAX_LINE_BYTES * 3) + ",1,1,1,1\n";
        assertThat(read(huge + "2,2,2.5,1,1,1,1\n")).extracting(Measurement::id).containsExactly(2L);
        assertThat(rejections.count(RejectReason.LINE_TOO_LONG)).isEqualTo(1);
        assertThat(rejections.examples().get(0).lineNumber()).isEqualTo(1);
    }

    @Test
    void readsLinesThatStraddleBufferRefills() throws IOException {
        StringBuilder text = new StringBuilder();
        int n = 50_000;
        for (int i = 0; i < n; i++) text.append(i).append(',').append(1000 + i).append(",1.").append(i % 1000)
                .append(",1,").append(i % 7).append(",1,2\n");
        List<Measurement> all = read(text.toString());
        assertThat(all).hasSize(n);
        assertThat(all.get(n - 1).timestamp()).isEqualTo(1000 + n - 1);
        assertThat(rejections.total()).isZero();
    }
}
