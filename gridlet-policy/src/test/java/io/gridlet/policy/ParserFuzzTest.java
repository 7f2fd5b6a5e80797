package io.gridlet.policy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gridlet.policy.sat.Resolver;

/**
 * Both policy parsers fuzzed with Jazzer (coverage-guided, for a few seconds in every build: JAZZER_FUZZ=1 is set
 * for this module's tests). Any input must either parse or fail with a {@link PolicyException}, and a policy that
 * parses must compile (its SAT encoding) or fail so too: anything else thrown (a NullPointerException, a
 * StackOverflowError, an OutOfMemoryError ...) is a finding. A policy that parses must survive
 * write -> parse -> write unchanged.
 */
class ParserFuzzTest {
    @FuzzTest(maxDuration = "8s")
    @DictionaryEntries({"policy p { ", "feature ", "(x: 0..3)", "(m: {a, b})", "(b: bool)", "; ", " }", "all { ",
            "exactly-one { ", "one-or-more { ", "optional ", " requires ", " conflicts ", "if ", " then ", " else ",
            "not ", " and ", " or ", "let ", " in ", "cpu()", " >= ", " == ", " in [1, 2]", "prefer 2 ", "low ",
            "<wsp:Policy xmlns:wsp=\"http://www.w3.org/ns/ws-policy\" xmlns:gq=\"urn:gridlet:qos-policy\">",
            "</wsp:Policy>", "<gq:Vocabulary>", "<gq:Feature Name=\"a\">", "<gq:Param Name=\"x\" Min=\"0\" Max=\"3\"/>",
            "<gq:Use Feature=\"a\">", "</gq:Use>", "<wsp:All>", "<wsp:ExactlyOne>", " wsp:Optional=\"true\""})
    void parsersFailOnlyWithPolicyExceptionsAndRoundTrip(FuzzedDataProvider data) {
        boolean xml = data.consumeBoolean();
        String input = data.consumeRemainingAsString();
        Policy p;
        try {
            p = xml ? WsPolicyXml.read("fuzz", input) : PolicyParser.parse("fuzz", input);
        } catch (PolicyException e) {
            return;
        } catch (Throwable t) {
            throw onlyPolicyExceptions(t);
        }
        try {
            Resolver.compile(p, p);
        } catch (PolicyException e) {
            // over a bound of the encoding: refused as it should be
        } catch (Throwable t) {
            throw onlyPolicyExceptions(t);
        }
        String text = PolicyText.write(p);
        String again = PolicyText.write(PolicyParser.parse("written", text));
        if (!again.equals(text)) throw new AssertionError("write/parse is not a fixed point:\n" + text + "\n" + again);
    }

    private static AssertionError onlyPolicyExceptions(Throwable t) {
        return new AssertionError("only a PolicyException may escape, got " + t, t);
    }
}
