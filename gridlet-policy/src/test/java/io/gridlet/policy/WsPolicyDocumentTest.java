package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Deployed WS-Policy documents, written for the test in the shapes real deployments use (WS-SecurityPolicy
 * bindings with nested policies, optional and ignorable assertions, references, empty alternatives), in both
 * namespaces. The expected normal forms are worked out by hand from WS-Policy 1.5 §4.3 in the comments; two
 * documents are intersected by the solver.
 */
class WsPolicyDocumentTest {
    private static final String WSP04 = "http://schemas.xmlsoap.org/ws/2004/09/policy";
    private static final String WSP15 = "http://www.w3.org/ns/ws-policy";
    private static final String SP = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";

    /** A transport binding as WSDLs publish it: HTTPS, one of two algorithm suites, an optional timestamp. */
    static String transport(String suites, String timestamp) {
        return """
                <wsp:Policy xmlns:wsp="%s" xmlns:sp="%s" Name="transport"
                    xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
                    wsu:Id="TransportPolicy">
                  <wsp:ExactlyOne>
                    <wsp:All>
                      <sp:TransportBinding>
                        <wsp:Policy>
                          <sp:TransportToken>
                            <wsp:Policy><sp:HttpsToken RequireClientCertificate="false"/></wsp:Policy>
                          </sp:TransportToken>
                          <sp:AlgorithmSuite>
                            <wsp:Policy><wsp:ExactlyOne>%s</wsp:ExactlyOne></wsp:Policy>
                          </sp:AlgorithmSuite>
                          <sp:Layout><wsp:Policy><sp:Lax/></wsp:Policy></sp:Layout>
                          %s
                        </wsp:Policy>
                      </sp:TransportBinding>
                      <sp:SignedSupportingTokens>
                        <wsp:Policy>
                          <sp:UsernameToken sp:IncludeToken="%s/IncludeToken/AlwaysToRecipient"/>
                        </wsp:Policy>
                      </sp:SignedSupportingTokens>
                    </wsp:All>
                  </wsp:ExactlyOne>
                </wsp:Policy>
                """.formatted(WSP04, SP, suites, timestamp, SP);
    }

    private static WsPolicyDocument.NormalForm normal(String xml) {
        return WsPolicyDocument.normalForm("doc.xml", xml, CompileBudget.untimed());
    }

    @Test
    void aSecurityPolicyBindingNormalisesAsWsPolicyDefines() {
        // AlgorithmSuite's nested policy has two alternatives (Basic256, Basic128): two AlgorithmSuite assertions.
        // IncludeTimestamp is optional: with it or without. TransportBinding's nested policy is the product:
        // 2 x 2 = 4 alternatives, so 4 TransportBinding assertions; each policy alternative has one of them and
        // the SignedSupportingTokens assertion: 4 alternatives in all.
        WsPolicyDocument.NormalForm form = normal(transport("<sp:Basic256/><sp:Basic128/>",
                "<sp:IncludeTimestamp wsp:Optional=\"true\"/>"));
        String tokens = "SignedSupportingTokens(UsernameToken)";
        String rest = "Layout(Lax), TransportToken(HttpsToken)";
        assertThat(form.describe()).containsExactlyInAnyOrder(
                "{" + tokens + ", TransportBinding(AlgorithmSuite(Basic256), IncludeTimestamp, " + rest + ")}",
                "{" + tokens + ", TransportBinding(AlgorithmSuite(Basic256), " + rest + ")}",
                "{" + tokens + ", TransportBinding(AlgorithmSuite(Basic128), IncludeTimestamp, " + rest + ")}",
                "{" + tokens + ", TransportBinding(AlgorithmSuite(Basic128), " + rest + ")}");
        // the attribute is content: a token that requires a client certificate is another assertion
        String strict = transport("<sp:Basic256/>", "").replace("RequireClientCertificate=\"false\"",
                "RequireClientCertificate=\"true\"");
        assertThat(binding(normal(strict))).isNotEqualTo(binding(normal(transport("<sp:Basic256/>", ""))));
        assertThat(binding(normal(strict)).describe()).isEqualTo(binding(normal(transport("<sp:Basic256/>", "")))
                .describe());
    }

    private static WsPolicyDocument.Assertion binding(WsPolicyDocument.NormalForm form) {
        return form.alternatives().get(0).stream().filter(a -> a.local().equals("TransportBinding")).findFirst()
                .orElseThrow();
    }

    @Test
    void optionalIgnorableReferencesAndEmptyAlternativesIn15() {
        String xml = """
                <wsp:Policy xmlns:wsp="%s" xmlns:mtom="http://www.w3.org/2007/08/soap12-mtom-policy"
                    xmlns:wsam="http://www.w3.org/2007/05/addressing/metadata" xmlns:x="urn:example" Name="svc">
                  <wsp:ExactlyOne>
                    <wsp:Policy xml:id="anonymous"><wsam:AnonymousResponses/></wsp:Policy>
                    <wsp:Policy xml:id="nonAnonymous"><wsam:NonAnonymousResponses/></wsp:Policy>
                  </wsp:ExactlyOne>
                  <wsam:Addressing><wsp:PolicyReference URI="#anonymous"/></wsam:Addressing>
                  <mtom:OptimizedMimeSerialization wsp:Optional="true"/>
                  <x:Logging wsp:Ignorable="true">level=debug</x:Logging>
                </wsp:Policy>
                """.formatted(WSP15);
        // ExactlyOne{AnonymousResponses, NonAnonymousResponses} x Addressing(AnonymousResponses, by reference)
        // x {OptimizedMimeSerialization, nothing} x Logging: 2 x 1 x 2 x 1 = 4 alternatives
        assertThat(normal(xml).describe()).containsExactlyInAnyOrder(
                "{Addressing(AnonymousResponses), AnonymousResponses, Logging, OptimizedMimeSerialization}",
                "{Addressing(AnonymousResponses), AnonymousResponses, Logging}",
                "{Addressing(AnonymousResponses), Logging, NonAnonymousResponses, OptimizedMimeSerialization}",
                "{Addressing(AnonymousResponses), Logging, NonAnonymousResponses}");
        // as a policy: the ignorable Logging takes no part (lax intersection): 4 alternatives over 4 features
        Policy p = WsPolicyXml.read("doc.xml", xml);
        assertThat(p.features()).hasSize(4);
        assertThat(p.features().keySet()).noneMatch(f -> f.startsWith("Logging."));
        // empty: <wsp:Policy/> admits one alternative with nothing; an empty ExactlyOne admits none
        assertThat(normal("<wsp:Policy xmlns:wsp=\"" + WSP15 + "\"/>").describe()).containsExactly("{}");
        assertThat(normal("<wsp:Policy xmlns:wsp=\"" + WSP15 + "\"><wsp:ExactlyOne/></wsp:Policy>").alternatives())
                .isEmpty();
        // the same assertion in both namespaces of WS-Policy is the same feature
        assertThat(WsPolicyXml.read("a", transport("<sp:Basic256/>", "")).features().keySet())
                .isEqualTo(WsPolicyXml.read("b", transport("<sp:Basic256/>", "").replace(WSP04, WSP15))
                        .features().keySet());
    }

    @Test
    void twoDocumentsAreIntersectedByTheSolver() {
        Policy server = WsPolicyXml.read("server.xml", transport("<sp:Basic256/><sp:Basic128/>",
                "<sp:IncludeTimestamp wsp:Optional=\"true\"/>"));
        // a client with Basic128 only and always a timestamp: WS-Policy's intersection is the one alternative
        // with TransportBinding(AlgorithmSuite(Basic128), IncludeTimestamp, ...) and the supporting tokens
        Policy client = WsPolicyXml.read("client.xml", transport("<sp:Basic128/>", "<sp:IncludeTimestamp/>"));
        Resolver.Agreed agreed = (Resolver.Agreed) Resolver.compile(client, server).resolve(Map.of());
        assertThat(agreed.configuration().features()).hasSize(2);
        assertThat(agreed.configuration().features().keySet())
                .allMatch(f -> f.startsWith("TransportBinding.") || f.startsWith("SignedSupportingTokens."));
        assertThat(client.features()).containsAllEntriesOf(Map.of()) // the client's single alternative is chosen
                .containsKeys(agreed.configuration().features().keySet().toArray(String[]::new));
        // a client with Basic192 only: no common alternative
        Policy other = WsPolicyXml.read("other.xml", transport("<sp:Basic192/>", ""));
        assertThat(Resolver.compile(other, server).resolve(Map.of())).isInstanceOf(Resolver.Conflict.class);
        // nor with a client that admits nothing
        Policy none = WsPolicyXml.read("none.xml", "<wsp:Policy xmlns:wsp=\"" + WSP15 + "\"><wsp:ExactlyOne/></wsp:Policy>");
        assertThat(Resolver.compile(none, server).resolve(Map.of())).isInstanceOf(Resolver.Conflict.class);
    }

    @Test
    void nestedPoliciesIdsAndContentAsWsPolicyDefines() {
        String ns = "<wsp:Policy xmlns:wsp=\"" + WSP15 + "\" xmlns:x=\"urn:x\" Name=\"n\">";
        // an assertion with an empty nested policy is not the same as one without (1.5 §4.5)
        assertThat(normal(ns + "<x:A/></wsp:Policy>").alternatives())
                .isNotEqualTo(normal(ns + "<x:A><wsp:Policy/></x:A></wsp:Policy>").alternatives());
        // content is compared piece by piece: an attribute value cannot pose as two attributes
        assertThat(normal(ns + "<x:A a=\"1;@{}b=2\"/></wsp:Policy>").alternatives())
                .isNotEqualTo(normal(ns + "<x:A a=\"1\" b=\"2\"/></wsp:Policy>").alternatives());
        // an id names the element, it is not content
        assertThat(normal(ns + "<x:A xml:id=\"i1\"/></wsp:Policy>").alternatives())
                .isEqualTo(normal(ns + "<x:A/></wsp:Policy>").alternatives());
        // a reference by a policy's Name (an IRI) within the document; wsp:Optional as xs:boolean
        String byName = ns + "<x:Holder wsp:Optional=\" 1 \"><wsp:Policy Name=\"http://example.org/p\"><x:B/>"
                + "</wsp:Policy></x:Holder><x:C><wsp:PolicyReference URI=\"http://example.org/p\"/></x:C></wsp:Policy>";
        assertThat(normal(byName).describe()).containsExactlyInAnyOrder("{C(B), Holder(B)}", "{C(B)}");
        assertThatThrownBy(() -> normal(ns + "<x:A wsp:Optional=\"yes\"/></wsp:Policy>"))
                .hasMessageContaining("must be true or false");
    }

    @Test
    void hostileDocumentsAreRefused() {
        String cycle = """
                <wsp:Policy xmlns:wsp="%s" xmlns:x="urn:x">
                  <wsp:Policy xml:id="a"><x:A><wsp:PolicyReference URI="#a"/></x:A></wsp:Policy>
                </wsp:Policy>""".formatted(WSP15);
        assertThatThrownBy(() -> normal(cycle)).hasMessageContaining("refers to itself");
        String outside = """
                <wsp:Policy xmlns:wsp="%s"><wsp:PolicyReference URI="http://127.0.0.1:1/p"/></wsp:Policy>"""
                .formatted(WSP15);
        assertThatThrownBy(() -> normal(outside)).hasMessageContaining("nothing is fetched");
        // references that double at every level: 2^40 expansions, refused by the budget at once
        StringBuilder bomb = new StringBuilder("<wsp:Policy xmlns:wsp=\"" + WSP15 + "\" xmlns:x=\"urn:x\">");
        bomb.append("<x:Root><wsp:PolicyReference URI=\"#p0\"/></x:Root>");
        for (int i = 0; i < 40; i++) {
            bomb.append("<x:Holder wsp:Optional=\"true\"><wsp:Policy xml:id=\"p").append(i).append("\"><x:A")
                    .append(i).append("><wsp:PolicyReference URI=\"#p").append(i + 1).append("\"/></x:A").append(i)
                    .append("><x:B").append(i).append("><wsp:PolicyReference URI=\"#p").append(i + 1)
                    .append("\"/></x:B").append(i).append("></wsp:Policy></x:Holder>");
        }
        bomb.append("<x:Holder wsp:Optional=\"true\"><wsp:Policy xml:id=\"p40\"/></x:Holder></wsp:Policy>");
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> assertThatThrownBy(() -> normal(bomb.toString()))
                .isInstanceOfSatisfying(PolicyException.class,
                        e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.LIMIT)));
        // a chain of 700 references, each inside the previous: refused at depth 64, not a stack overflow
        StringBuilder chain = new StringBuilder("<wsp:Policy xmlns:wsp=\"" + WSP15 + "\" xmlns:x=\"urn:x\">"
                + "<wsp:PolicyReference URI=\"#p0\"/><x:Z wsp:Ignorable=\"true\"><wsp:Policy>");
        for (int i = 0; i < 700; i++) {
            chain.append("<wsp:Policy Name=\"p").append(i).append("\"><x:A><wsp:PolicyReference URI=\"#p")
                    .append(i + 1).append("\"/></x:A></wsp:Policy>");
        }
        chain.append("<wsp:Policy Name=\"p700\"/></wsp:Policy></x:Z></wsp:Policy>");
        assertThatThrownBy(() -> normal(chain.toString())).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.getMessage()).contains("references nested deeper than 64"));
        // content that multiplies: a long namespace on many children, under an assertion of many alternatives
        String longNs = "urn:" + "n".repeat(800);
        StringBuilder amplified = new StringBuilder("<wsp:Policy xmlns:wsp=\"" + WSP15 + "\" xmlns:x=\"urn:x\" "
                + "xmlns:y=\"" + longNs + "\"><x:A>");
        amplified.append("<y:c/>".repeat(6000)).append("<wsp:Policy><wsp:ExactlyOne>");
        for (int i = 0; i < 100; i++) amplified.append("<x:L").append(i).append("/>");
        amplified.append("</wsp:ExactlyOne></wsp:Policy></x:A></wsp:Policy>");
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> WsPolicyXml.read("peer",
                amplified.toString(), CompileBudget.forPeer(200))).isInstanceOfSatisfying(PolicyException.class,
                e -> assertThat(e.kind()).isEqualTo(PolicyException.Kind.LIMIT)));
        assertThatThrownBy(() -> normal("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><wsp:Policy "
                + "xmlns:wsp=\"" + WSP15 + "\">&e;</wsp:Policy>")).isInstanceOf(PolicyException.class);
    }
}
