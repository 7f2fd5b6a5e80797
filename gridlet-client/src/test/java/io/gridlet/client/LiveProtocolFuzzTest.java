package io.gridlet.client;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The results service's messages fuzzed with Jazzer (coverage-guided, for a few seconds in every build: JAZZER_FUZZ=1
 * is set for this module's tests): a {@link LiveProtocol.Subscription} is what a subscriber sends the service, a
 * {@link LiveProtocol.Result} what the service streams back. Jazzer fuzzes one test per JVM, so this one test takes
 * both; the first byte it consumes picks one, the next whether the input is raw bytes or laid out as the message is.
 *
 * <p>The contract: a malformed message is an IllegalArgumentException (the service answers INVALID_ARGUMENT) and
 * nothing else; what decodes is a valid message (a subscription's query is q1, q2 or empty) that survives
 * encode/decode.
 */
class LiveProtocolFuzzTest {
    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"\u0000\u0000", "\u0000\u0002q1", "\u0000\u0002q2", "q1", "q2", "q1-", "q2-",
            "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000", "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001"})
    void subscriptionsAndResultsFailOnlyWithIllegalArgument(FuzzedDataProvider data) {
        boolean subscription = data.consumeBoolean();
        boolean laidOut = data.consumeBoolean();
        byte[] message = !laidOut ? data.consumeRemainingAsBytes() : write(out -> {
            out.writeUTF(subscription ? data.pickValue(new String[] {"", "q1", "q2", data.consumeString(4)})
                    : data.consumeString(64));
            if (subscription) out.writeLong(data.consumeLong());
            else out.writeUTF(data.consumeString(256));
            if (data.consumeBoolean()) out.write(data.consumeRemainingAsBytes());
        });
        if (subscription) {
            LiveProtocol.Subscription s;
            try {
                s = LiveProtocol.Subscription.decode(message);
            } catch (IllegalArgumentException e) {
                return;
            } catch (Throwable t) {
                throw escaped("Subscription.decode", t);
            }
            check(s.query().isEmpty() || s.query().equals("q1") || s.query().equals("q2"), "query " + s.query());
            check(LiveProtocol.Subscription.decode(s.encode()).equals(s), "does not survive encode/decode: " + s);
            s.wants(s.query() + "-x", s.house()); // a subscription that decodes can be asked (never throws)
        } else {
            LiveProtocol.Result r;
            try {
                r = LiveProtocol.Result.decode(message);
            } catch (IllegalArgumentException e) {
                return;
            } catch (Throwable t) {
                throw escaped("Result.decode", t);
            }
            check(r.file() != null && r.line() != null, "a result without file or line: " + r);
            check(LiveProtocol.Result.decode(r.encode()).equals(r), "does not survive encode/decode: " + r);
        }
    }

    private interface Layout {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Layout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            layout.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String decoder, Throwable t) {
        return new AssertionError(decoder + " may throw an IllegalArgumentException only, got " + t, t);
    }
}
