package io.gridlet.policy;

import org.xml.sax.Attributes;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;
import io.gridlet.policy.WsPolicyXml.OverLimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import javax.xml.XMLConstants;

/**
 * A WS-Policy document as deployed: WS-Policy 1.5 or the 2004/09 submission's namespace, {@code wsp:Policy},
 * {@code wsp:All}, {@code wsp:ExactlyOne} (nested freely, a nested {@code wsp:Policy} being an {@code wsp:All}),
 * {@code wsp:Optional} and {@code wsp:Ignorable} on assertions, {@code wsp:PolicyReference URI="#id"} to a policy of
 * the same document named by {@code wsu:Id}, {@code xml:id} or its {@code Name}, and domain assertions of any other
 * vocabulary ({@code sp:TransportBinding}, {@code sec:SecurityToken} ...): each an opaque feature named by its
 * qualified name and its canonical content (attributes sorted, text trimmed, child elements in order), GlueQoS's
 * "assertions are XML text, the text is opaque". An assertion may hold a nested policy (WS-Policy 1.5 §3.9).
 *
 * <p>The document is brought to WS-Policy's normal form (§4.3): {@code Optional="true"} is a choice of the
 * assertion or nothing; {@code All} is the cross product of its parts' alternatives, {@code ExactlyOne} their
 * union; an assertion whose nested policy has several alternatives is one assertion per nested alternative.
 * Each distinct assertion becomes a feature of the policy's vocabulary, and the policy says: exactly one
 * alternative is chosen, with all its assertions and none of the vocabulary's others (WS-Policy's meaning: an
 * alternative's assertions are the behaviours applied, the rest of the vocabulary is not applied). Two documents are
 * then intersected by the solver like any pair of policies: a feature only one side knows is never used, which is
 * WS-Policy's rule that compatible alternatives have the same assertions; nested policies must match exactly, and
 * content is compared canonically. Ignorable assertions take no part (WS-Policy's lax intersection, §4.5).
 *
 * <p>Read like a peer's policy: SAX with DTDs and external entities off, references within the document only
 * (never fetched), each element and each expanded reference charged to the {@link CompileBudget}, at most
 * {@link WsPolicyXml#MAX_ALTERNATIVES} alternatives.
 */
public final class WsPolicyDocument {
    public static final String WSP_15 = WsPolicyXml.WSP;
    public static final String WSP_2004 = "http://schemas.xmlsoap.org/ws/2004/09/policy";
    public static final String WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

    private WsPolicyDocument() {
    }

    /**
     * An assertion in normal form: its type, its canonical content (attributes and children other than a nested
     * policy), the one alternative of its nested policy it carries (empty if none), whether it is ignorable.
     * Identified by a digest of all that (nested assertions by their digests), so that comparing two, however deep
     * and however shared their nesting, costs the same.
     */
    public static final class Assertion {
        private final String namespace;
        private final String local;
        private final Set<Assertion> nested;
        private final boolean ignorable;
        private final String digest;

        /**
         * @param contentDigest a digest of the canonical content (made once per element, however many nested
         *                      alternatives it has)
         * @param hasNested     whether it holds a nested policy ({@code <A/>} and {@code <A><wsp:Policy/></A>}
         *                      differ, WS-Policy 1.5 §4.5)
         */
        Assertion(String namespace, String local, String contentDigest, boolean hasNested, Set<Assertion> nested,
                  boolean ignorable) {
            this.namespace = namespace;
            this.local = local;
            this.nested = Set.copyOf(nested);
            this.ignorable = ignorable;
            MessageDigest d = sha256();
            for (String part : new String[] {namespace, local, contentDigest, hasNested ? "nested" : "leaf"}) {
                d.update(part.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            this.nested.stream().map(a -> a.digest).sorted().forEach(n -> d.update(n.getBytes(StandardCharsets.UTF_8)));
            this.digest = HexFormat.of().formatHex(d.digest(), 0, 16);
        }

        public String namespace() {
            return namespace;
        }

        public String local() {
            return local;
        }

        public Set<Assertion> nested() {
            return nested;
        }

        public boolean ignorable() {
            return ignorable;
        }

        /** Readable: {@code TransportBinding(AlgorithmSuite(Basic256), TransportToken(HttpsToken))}, cut at 2,000. */
        public String describe() {
            return describe(2000);
        }

        /** At most about {@code budget} characters: each call writes one, so a shared deep nesting costs that. */
        private String describe(int budget) {
            if (budget <= 0) return "...";
            if (nested.isEmpty()) return local;
            List<String> parts = new ArrayList<>();
            int used = local.length() + 2;
            for (Assertion a : nested.stream().sorted(java.util.Comparator.comparing(x -> x.digest)).toList()) {
                if (used >= budget) {
                    parts.add("...");
                    break;
                }
                String part = a.describe(budget - used);
                parts.add(part);
                used += part.length() + 2;
            }
            return local + parts.stream().sorted().collect(Collectors.joining(", ", "(", ")"));
        }

        /**
         * The feature it is: its local name (as a name of the text language: other characters become '_') and 16
         * hex digits (64 bits) of its digest, the same in every document.
         */
        public String feature() {
            String name = (local.length() > 100 ? local.substring(0, 100) : local).replaceAll("[^A-Za-z0-9_]", "_");
            if (!Character.isLetter(name.charAt(0))) name = "_" + name;
            return name + "." + digest.substring(0, 16);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Assertion a && a.digest.equals(digest) && a.ignorable == ignorable;
        }

        @Override
        public int hashCode() {
            return digest.hashCode();
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The normal form: the alternatives, each a set of assertions; none means the document admits nothing. */
    public record NormalForm(String name, List<Set<Assertion>> alternatives) {
        /** Each alternative described, sorted within; in document order. */
        public List<String> describe() {
            return alternatives.stream().map(a -> a.stream().map(Assertion::describe).sorted()
                    .collect(Collectors.joining(", ", "{", "}"))).toList();
        }
    }

    /**
     * The document as a policy if it is a deployed WS-Policy document, or empty if it is one of
     * {@link WsPolicyXml}'s own (an element or attribute in its namespace).
     */
    public static java.util.Optional<Policy> readIfForeign(String source, String xml, CompileBudget budget) {
        Node root = parse(source, xml, budget);
        if (usesGq(root)) return java.util.Optional.empty();
        return java.util.Optional.of(policy(source, normalForm(source, root, budget)));
    }

    private static boolean usesGq(Node n) {
        if (WsPolicyXml.GQ.equals(n.ns)) return true;
        for (String k : n.attributes.keySet()) if (k.startsWith("{" + WsPolicyXml.GQ + "}")) return true;
        for (Node c : n.children) if (usesGq(c)) return true;
        return false;
    }

    /** The document's normal form. */
    public static NormalForm normalForm(String source, String xml, CompileBudget budget) {
        return normalForm(source, parse(source, xml, budget), budget);
    }

    private static NormalForm normalForm(String source, Node root, CompileBudget budget) {
        if (!isPolicy(root)) {
            throw new PolicyException(source, root.at, "expected wsp:Policy, found " + root.local);
        }
        Normaliser n = new Normaliser(source, root, budget);
        List<Set<Assertion>> alternatives = n.alternatives(root);
        String name = root.attributes.getOrDefault("{}Name", "policy");
        return new NormalForm(name.replaceAll("[^A-Za-z0-9_.-]", "_"), alternatives);
    }

    /** The document as a policy over its assertions (see the class comment). */
    public static Policy read(String source, String xml, CompileBudget budget) {
        return policy(source, normalForm(source, xml, budget));
    }

    private static Policy policy(String source, NormalForm form) {
        Map<String, Feature> vocabulary = new LinkedHashMap<>();
        Map<String, Assertion> byFeature = new HashMap<>();
        long assertions = 0;
        for (Set<Assertion> alternative : form.alternatives()) assertions += alternative.size();
        if (assertions > CompileBudget.MAX_NODES) {
            throw PolicyException.limit(source, Position.NONE, "policy too large: its normal form has " + assertions
                    + " assertions in all, more than " + CompileBudget.MAX_NODES);
        }
        List<Set<String>> alternatives = new ArrayList<>();
        Set<Set<String>> seen = new LinkedHashSet<>();
        for (Set<Assertion> alternative : form.alternatives()) {
            Set<String> features = new TreeSet<>();
            for (Assertion a : alternative) {
                if (a.ignorable()) continue; // lax intersection
                Assertion same = byFeature.putIfAbsent(a.feature(), a);
                if (same != null && !same.equals(a)) {
                    throw new PolicyException(source, Position.NONE, "two assertions share the feature name "
                            + a.feature() + " (a 64-bit digest collision): refused rather than merged");
                }
                features.add(a.feature());
                vocabulary.putIfAbsent(a.feature(), new Feature(a.feature(), Map.of()));
            }
            if (seen.add(features)) alternatives.add(features);
        }
        if (vocabulary.size() > CompileBudget.MAX_ITEMS) {
            throw PolicyException.limit(source, Position.NONE, "policy too large: more than " + CompileBudget.MAX_ITEMS
                    + " distinct assertions");
        }
        if ((long) alternatives.size() * (vocabulary.size() + 1) > CompileBudget.MAX_NODES) {
            throw PolicyException.limit(source, Position.NONE, "policy too large: " + alternatives.size()
                    + " alternatives over " + vocabulary.size() + " assertions is more than "
                    + CompileBudget.MAX_NODES + " formula nodes");
        }
        Position at = new Position(1, 1);
        List<Expr> choices = new ArrayList<>();
        for (Set<String> alternative : alternatives) {
            List<Expr> parts = new ArrayList<>();
            for (String f : vocabulary.keySet()) {
                Expr on = new Expr.On(f, at);
                parts.add(alternative.contains(f) ? on : new Expr.Not(on, at));
            }
            choices.add(new Expr.All(parts, at));
        }
        Expr e = choices.isEmpty() ? new Expr.Const(false, at) : new Expr.ExactlyOne(choices, at);
        String text = "one of the " + alternatives.size() + " alternatives of WS-Policy " + form.name() + " (over "
                + vocabulary.size() + " assertions)";
        return new Policy(form.name(), source, vocabulary, List.of(new Statement(e, at, text)), List.of());
    }

    // ---- the document as a tree ---------------------------------------------------------------------------

    /** An element: its name, attributes by {namespace}local, children, text, position. */
    private static final class Node {
        final String ns;
        final String local;
        final Map<String, String> attributes = new TreeMap<>();
        final List<Node> children = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        final Position at;

        Node(String ns, String local, Position at) {
            this.ns = ns;
            this.local = local;
            this.at = at;
        }

        boolean is(String local) {
            return isWsp(ns) && this.local.equals(local);
        }

        String wsp(String attribute) {
            String v = attributes.get("{" + WSP_15 + "}" + attribute);
            return v != null ? v : attributes.get("{" + WSP_2004 + "}" + attribute);
        }
    }

    private static boolean isWsp(String ns) {
        return WSP_15.equals(ns) || WSP_2004.equals(ns);
    }

    private static boolean isPolicy(Node n) {
        return n.is("Policy");
    }

    private static Node parse(String source, String xml, CompileBudget budget) {
        TreeBuilder h = new TreeBuilder(budget);
        WsPolicyXml.parse(source, xml, h);
        return h.root;
    }

    private static final class TreeBuilder extends DefaultHandler {
        private final CompileBudget budget;
        private final Deque<Node> open = new ArrayDeque<>();
        private Locator locator;
        private Node root;
        private int elements;

        TreeBuilder(CompileBudget budget) {
            this.budget = budget;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes a) throws SAXException {
            if (open.size() >= CompileBudget.MAX_DEPTH) {
                throw new OverLimit("policy too deep: nested deeper than " + CompileBudget.MAX_DEPTH + " levels",
                        locator);
            }
            if (++elements > CompileBudget.MAX_NODES) {
                throw new OverLimit("policy too large: more than " + CompileBudget.MAX_NODES + " elements", locator);
            }
            if (budget.expired()) throw new OverLimit("reading took more than " + budget.timeLimit(), locator);
            if (local.length() > CompileBudget.MAX_NAME) {
                throw new OverLimit("name too long: more than " + CompileBudget.MAX_NAME + " characters", locator);
            }
            Node n = new Node(uri == null ? "" : uri, local, new Position(locator.getLineNumber(),
                    locator.getColumnNumber()));
            for (int i = 0; i < a.getLength(); i++) {
                n.attributes.put("{" + a.getURI(i) + "}" + a.getLocalName(i), a.getValue(i));
            }
            if (open.isEmpty()) root = n;
            else open.peek().children.add(n);
            open.push(n);
        }

        @Override
        public void endElement(String uri, String local, String qName) {
            open.pop();
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (!open.isEmpty()) open.peek().text.append(ch, start, length);
        }
    }

    // ---- normal form --------------------------------------------------------------------------------------

    /** The most an assertion's canonical content may be, in characters. */
    static final int MAX_CONTENT = 64 << 10;

    private static final class Normaliser {
        private final String source;
        private final CompileBudget budget;
        private final Map<String, Node> byId = new HashMap<>();
        private final Set<Node> expanding = new LinkedHashSet<>();
        /** A referenced policy's alternatives, normalised once however often it is referenced. */
        private final Map<Node, List<Set<Assertion>>> referenced = new java.util.IdentityHashMap<>();
        private long work;

        Normaliser(String source, Node root, CompileBudget budget) {
            this.source = source;
            this.budget = budget;
            index(root);
        }

        private void index(Node n) {
            if (isPolicy(n)) {
                for (String id : new String[] {n.attributes.get("{" + WSU + "}Id"),
                        n.attributes.get("{" + XMLConstants.XML_NS_URI + "}id"), n.attributes.get("{}Name")}) {
                    if (id != null) byId.putIfAbsent(id, n);
                }
            }
            for (Node c : n.children) index(c);
        }

        /** Charges one step of normalising, refusing a document whose expansion would not end in time. */
        private void charge(Node n, long steps) {
            work += steps;
            budget.charge(source, n.at);
            if (work > 40L * CompileBudget.MAX_NODES) {
                throw PolicyException.limit(source, n.at, "normalising the policy takes too long (its references or "
                        + "alternatives multiply)");
            }
        }

        /** The alternatives of a policy operator or an assertion, each a set of assertions. */
        List<Set<Assertion>> alternatives(Node n) {
            charge(n, 1);
            if (isWsp(n.ns)) {
                switch (n.local) {
                    case "Policy", "All" -> {
                        List<Set<Assertion>> out = List.of(Set.of());
                        for (Node c : n.children) out = product(out, alternatives(c), c);
                        return out;
                    }
                    case "ExactlyOne" -> {
                        Set<Set<Assertion>> out = new LinkedHashSet<>();
                        for (Node c : n.children) {
                            out.addAll(alternatives(c));
                            if (out.size() > WsPolicyXml.MAX_ALTERNATIVES) throw tooMany(c);
                        }
                        return new ArrayList<>(out);
                    }
                    case "PolicyReference" -> {
                        return reference(n);
                    }
                    default -> throw new PolicyException(source, n.at, "unknown WS-Policy element wsp:" + n.local
                            + " (this reader knows Policy, All, ExactlyOne, PolicyReference)");
                }
            }
            return assertion(n);
        }

        private List<Set<Assertion>> reference(Node n) {
            String uri = n.attributes.get("{}URI");
            if (uri == null) throw new PolicyException(source, n.at, "wsp:PolicyReference needs a URI");
            Node target = uri.startsWith("#") ? byId.get(uri.substring(1)) : byId.get(uri);
            if (target == null) {
                throw new PolicyException(source, n.at, "no policy " + uri + " in the document: only references "
                        + "within the document (#id, or a policy's Name) are followed; nothing is fetched");
            }
            if (expanding.size() >= CompileBudget.MAX_DEPTH) {
                throw PolicyException.limit(source, n.at, "references nested deeper than " + CompileBudget.MAX_DEPTH);
            }
            List<Set<Assertion>> known = referenced.get(target);
            if (known != null) return known;
            if (!expanding.add(target)) {
                throw new PolicyException(source, n.at, "wsp:PolicyReference " + uri + " refers to itself");
            }
            try {
                List<Set<Assertion>> out = alternatives(target);
                referenced.put(target, out);
                return out;
            } finally {
                expanding.remove(target);
            }
        }

        /** An assertion: optional, perhaps with a nested policy (one assertion per nested alternative). */
        private List<Set<Assertion>> assertion(Node n) {
            Node nested = null;
            List<Node> opaque = new ArrayList<>();
            for (Node c : n.children) {
                if (isPolicy(c) || c.is("PolicyReference")) {
                    if (nested != null) {
                        throw new PolicyException(source, c.at, "assertion " + n.local + " has more than one nested "
                                + "policy");
                    }
                    nested = c;
                } else {
                    opaque.add(c);
                }
            }
            StringBuilder content = new StringBuilder();
            canonical(n, opaque, content);
            charge(n, content.length() / 64);
            MessageDigest d = sha256();
            String digest = HexFormat.of().formatHex(d.digest(content.toString().getBytes(StandardCharsets.UTF_8)));
            boolean ignorable = flag(n, "Ignorable");
            List<Set<Assertion>> out = new ArrayList<>();
            if (nested == null) {
                out.add(Set.of(new Assertion(n.ns, n.local, digest, false, Set.of(), ignorable)));
            } else {
                for (Set<Assertion> alternative : alternatives(nested)) {
                    charge(n, alternative.size() + 1);
                    Set<Assertion> kept = new LinkedHashSet<>(); // lax: ignorable nested assertions take no part
                    for (Assertion a : alternative) if (!a.ignorable()) kept.add(a);
                    out.add(Set.of(new Assertion(n.ns, n.local, digest, true, kept, ignorable)));
                }
            }
            if (flag(n, "Optional")) out.add(Set.of());
            return out;
        }

        /** wsp:Optional / wsp:Ignorable as xs:boolean (whitespace trimmed): true, 1, false, 0, or absent. */
        private boolean flag(Node n, String attribute) {
            String v = n.wsp(attribute);
            if (v == null) return false;
            return switch (v.strip()) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw new PolicyException(source, n.at, "wsp:" + attribute + " must be true or false, got "
                        + v);
            };
        }

        /**
         * The attributes (but wsp:Optional/Ignorable, namespace declarations and ids), text and other children, in a
         * canonical text: each piece length-prefixed, so that different content never reads the same; at most
         * 64 KiB.
         */
        private void canonical(Node n, List<Node> children, StringBuilder sb) {
            n.attributes.forEach((k, v) -> {
                if (k.startsWith("{" + WSP_15 + "}") || k.startsWith("{" + WSP_2004 + "}")
                        || k.startsWith("{" + XMLConstants.XMLNS_ATTRIBUTE_NS_URI + "}") || k.equals("{" + WSU + "}Id")
                        || k.equals("{" + XMLConstants.XML_NS_URI + "}id")) {
                    return;
                }
                piece(sb, "@", k);
                piece(sb, "=", v);
            });
            String text = n.text.toString().strip();
            if (!text.isEmpty()) piece(sb, "\"", text);
            for (Node c : children) {
                charge(c, 1);
                piece(sb, "<", "{" + c.ns + "}" + c.local);
                canonical(c, c.children, sb);
                sb.append('>');
                if (sb.length() > MAX_CONTENT) {
                    throw PolicyException.limit(source, c.at, "an assertion's content is larger than " + MAX_CONTENT
                            + " characters written out");
                }
            }
        }

        private static void piece(StringBuilder sb, String kind, String text) {
            sb.append(kind).append(text.length()).append(':').append(text);
        }

        private List<Set<Assertion>> product(List<Set<Assertion>> a, List<Set<Assertion>> b, Node at) {
            if ((long) a.size() * b.size() > WsPolicyXml.MAX_ALTERNATIVES) throw tooMany(at);
            Set<Set<Assertion>> out = new LinkedHashSet<>();
            for (Set<Assertion> x : a) {
                for (Set<Assertion> y : b) {
                    charge(at, x.size() + y.size());
                    Set<Assertion> both = new LinkedHashSet<>(x);
                    both.addAll(y);
                    out.add(both);
                }
            }
            return new ArrayList<>(out);
        }

        private PolicyException tooMany(Node at) {
            return PolicyException.limit(source, at.at, "the normal form would have more than "
                    + WsPolicyXml.MAX_ALTERNATIVES + " alternatives");
        }
    }
}
