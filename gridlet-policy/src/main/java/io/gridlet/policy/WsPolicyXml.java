package io.gridlet.policy;

import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;

/**
 * WS-Policy 1.5 XML for the part of the language it can express. A {@code wsp:Policy} is the conjunction of its
 * children; {@code wsp:All} and {@code wsp:ExactlyOne} nest; an assertion {@code gq:Use Feature="f"} means f is
 * used, with {@code gq:Param} children constraining its parameters ({@code Op} eq/ne/lt/le/gt/ge with
 * {@code Value}, or {@code Min}/{@code Max} for an interval); {@code wsp:Optional="true"} on an assertion is
 * {@code optional}. The vocabulary is a {@code gq:Vocabulary} assertion of {@code gq:Feature} declarations.
 * {@code wsp:ExactlyOne} is read as "exactly one holds" (WS-Policy's choice of one alternative, which is the same
 * when the alternatives use different features). What WS-Policy's operators cannot say travels as assertions of
 * this vocabulary, each holding its operands as child elements: {@code gq:Not}, {@code gq:Or},
 * {@code gq:OneOrMore}, {@code gq:Optional} (of a formula), {@code gq:Requires} and {@code gq:Conflicts} (two
 * children), {@code gq:If} (condition, then, optional else), {@code gq:Input Left=".." Op=".." Right=".."} (a
 * comparison of values over run-time inputs, each value in the text language's syntax, as is a parameter's
 * {@code Value}/{@code Min}/{@code Max}), a {@code Type="real"} parameter, and {@code gq:Prefer Weight="w"} (a formula)
 * or {@code gq:Prefer Weight="w" Toward="high|low" Feature=".." Param=".."}. So every policy round-trips; only the
 * normal form ({@link #writeNormalForm}) is limited to WS-Policy's own operators.
 *
 * <p>Reading is SAX with DTDs, external entities and XInclude off (a policy from a peer must not make the server
 * fetch or expand anything), within a {@link CompileBudget} like the text language (size, names, items, nesting,
 * nodes, time); errors carry line and column.
 */
public final class WsPolicyXml {
    public static final String WSP = "http://www.w3.org/ns/ws-policy";
    public static final String GQ = "urn:gridlet:qos-policy";

    private WsPolicyXml() {
    }

    // ---- export -------------------------------------------------------------------------------------------

    public static String write(Policy p) {
        StringBuilder sb = header(p);
        for (Statement s : p.statements()) element(s.expr(), sb, "  ", false, s.at(), p.source(), true);
        for (Preference pref : p.preferences()) {
            sb.append("  <gq:Prefer Weight=\"").append(pref.weight()).append('"');
            if (pref.isToward()) {
                sb.append(" Toward=\"").append(pref.low() ? "low" : "high").append("\" Feature=\"")
                        .append(escape(pref.feature())).append("\" Param=\"").append(escape(pref.param()))
                        .append("\"/>\n");
            } else {
                sb.append(">\n");
                element(pref.when(), sb, "    ", false, pref.at(), p.source(), true);
                sb.append("  </gq:Prefer>\n");
            }
        }
        return sb.append("</wsp:Policy>\n").toString();
    }

    /** Most alternatives a normal form may have (it can grow exponentially with the policy). */
    public static final int MAX_ALTERNATIVES = 10_000;

    /**
     * The policy in WS-Policy's normal form: one {@code wsp:ExactlyOne} of {@code wsp:All} alternatives, each a set
     * of assertions (All multiplies out, ExactlyOne unions, Optional adds the empty alternative). This is
     * WS-Policy's meaning, a choice of one alternative; it equals the compact form's when the alternatives of
     * every {@code exactly-one} use different features.
     */
    public static String writeNormalForm(Policy p) {
        List<List<Expr>> alternatives = List.of(List.of());
        for (Statement s : p.statements()) {
            alternatives = product(alternatives, alternatives(s.expr(), s.at(), p), s.at(), p);
        }
        if (!p.preferences().isEmpty()) {
            throw new PolicyException(p.source(), p.preferences().get(0).at(), "preferences have no WS-Policy "
                    + "normal form");
        }
        StringBuilder sb = header(p);
        sb.append("  <wsp:ExactlyOne>\n");
        for (List<Expr> alternative : alternatives) {
            sb.append("    <wsp:All>\n");
            for (Expr e : alternative) element(e, sb, "      ", false, Position.NONE, p.source(), false);
            sb.append("    </wsp:All>\n");
        }
        return sb.append("  </wsp:ExactlyOne>\n</wsp:Policy>\n").toString();
    }

    private static List<List<Expr>> alternatives(Expr e, Position at, Policy p) {
        if (e instanceof Expr.On || e instanceof Expr.Cmp) return List.of(List.of(e));
        if (e instanceof Expr.Const k) return k.value() ? List.of(List.of()) : List.of();
        if (e instanceof Expr.Optional o && (o.part() instanceof Expr.On || o.part() instanceof Expr.Cmp)) {
            return List.of(List.of(o.part()), List.of());
        }
        if (e instanceof Expr.All all) {
            List<List<Expr>> out = List.of(List.of());
            for (Expr part : all.parts()) out = product(out, alternatives(part, at, p), at, p);
            return out;
        }
        if (e instanceof Expr.ExactlyOne one) {
            List<List<Expr>> out = new ArrayList<>();
            for (Expr part : one.parts()) {
                out.addAll(alternatives(part, at, p));
                if (out.size() > MAX_ALTERNATIVES) throw tooMany(at, p);
            }
            return out;
        }
        throw new PolicyException(p.source(), at, "cannot be expressed in WS-Policy's normal form: "
                + PolicyText.expr(e));
    }

    /** Each alternative of a with each of b, their assertions united; alternatives with the same assertions once. */
    private static List<List<Expr>> product(List<List<Expr>> a, List<List<Expr>> b, Position at, Policy p) {
        if ((long) a.size() * b.size() > MAX_ALTERNATIVES) throw tooMany(at, p);
        Map<Set<String>, List<Expr>> out = new LinkedHashMap<>(); // by the assertions' text: linear, not quadratic
        for (List<Expr> x : a) {
            for (List<Expr> y : b) {
                Map<String, Expr> both = new LinkedHashMap<>();
                for (Expr e : x) both.putIfAbsent(PolicyText.expr(e), e);
                for (Expr e : y) both.putIfAbsent(PolicyText.expr(e), e);
                out.putIfAbsent(new HashSet<>(both.keySet()), new ArrayList<>(both.values()));
            }
        }
        return new ArrayList<>(out.values());
    }

    private static PolicyException tooMany(Position at, Policy p) {
        return new PolicyException(p.source(), at, "the normal form would have more than " + MAX_ALTERNATIVES
                + " alternatives");
    }

    private static StringBuilder header(Policy p) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<wsp:Policy xmlns:wsp=\"").append(WSP).append("\" xmlns:gq=\"").append(GQ).append("\" Name=\"")
                .append(escape(p.name())).append("\">\n");
        sb.append("  <gq:Vocabulary>\n");
        for (Feature f : p.features().values()) {
            sb.append("    <gq:Feature Name=\"").append(escape(f.name())).append('"');
            if (f.params().isEmpty()) {
                sb.append("/>\n");
                continue;
            }
            sb.append(">\n");
            f.params().forEach((name, d) -> {
                sb.append("      <gq:Param Name=\"").append(escape(name)).append('"');
                if (d instanceof Domain.Ints ints) {
                    sb.append(" Min=\"").append(ints.min()).append("\" Max=\"").append(ints.max()).append('"');
                } else if (d instanceof Domain.Real real) {
                    sb.append(" Type=\"real\" Min=\"").append(Value.number(real.min())).append("\" Max=\"")
                            .append(Value.number(real.max())).append('"');
                } else if (d instanceof Domain.Bool) {
                    sb.append(" Type=\"bool\"");
                } else {
                    sb.append(" Values=\"").append(escape(String.join(" ", ((Domain.Enum) d).values()))).append('"');
                }
                sb.append("/>\n");
            });
            sb.append("    </gq:Feature>\n");
        }
        sb.append("  </gq:Vocabulary>\n");
        return sb;
    }

    /** @param extended whether the gq: operators may carry what WS-Policy's cannot */
    private static void element(Expr e, StringBuilder sb, String indent, boolean optional, Position at, String src,
                                boolean extended) {
        if (e instanceof Expr.On on) {
            sb.append(indent).append("<gq:Use Feature=\"").append(escape(on.feature())).append('"')
                    .append(optional ? " wsp:Optional=\"true\"" : "").append("/>\n");
        } else if (e instanceof Expr.Cmp c) {
            sb.append(indent).append("<gq:Use Feature=\"").append(escape(c.feature())).append('"')
                    .append(optional ? " wsp:Optional=\"true\"" : "").append(">\n");
            sb.append(indent).append("  <gq:Param Name=\"").append(escape(c.param())).append('"');
            if (c.isRange()) {
                sb.append(" Min=\"").append(escape(c.value().toString())).append("\" Max=\"")
                        .append(escape(c.upper().toString())).append('"');
            }
            else sb.append(" Op=\"").append(c.op().name().toLowerCase(Locale.ROOT)).append("\" Value=\"")
                    .append(escape(String.valueOf(c.value()))).append('"');
            sb.append("/>\n").append(indent).append("</gq:Use>\n");
        } else if (e instanceof Expr.Optional o && (o.part() instanceof Expr.On || o.part() instanceof Expr.Cmp)
                && !optional) {
            element(o.part(), sb, indent, true, at, src, extended);
        } else if (e instanceof Expr.All all && !optional) {
            group("wsp:All", all.parts(), sb, indent, at, src, extended);
        } else if (e instanceof Expr.ExactlyOne one && !optional) {
            group("wsp:ExactlyOne", one.parts(), sb, indent, at, src, extended);
        } else if (e instanceof Expr.Const k && !optional) {
            sb.append(indent).append(k.value() ? "<wsp:All/>\n" : "<wsp:ExactlyOne/>\n");
        } else if (extended && e instanceof Expr.Input in) {
            sb.append(indent).append("<gq:Input Left=\"").append(escape(in.left().toString())).append("\" Op=\"")
                    .append(in.op().name().toLowerCase(Locale.ROOT)).append("\" Right=\"")
                    .append(escape(in.right().toString())).append("\"/>\n");
        } else if (extended && !optional && (!Semantics.children(e).isEmpty() || e instanceof Expr.OneOrMore)) {
            String tag = e instanceof Expr.Not ? "gq:Not" : e instanceof Expr.Any ? "gq:Or"
                    : e instanceof Expr.OneOrMore ? "gq:OneOrMore" : e instanceof Expr.Optional ? "gq:Optional"
                    : e instanceof Expr.Requires ? "gq:Requires" : e instanceof Expr.Conflicts ? "gq:Conflicts"
                    : "gq:If";
            group(tag, Semantics.children(e), sb, indent, at, src, true);
        } else if (extended && e instanceof Expr.Any any && any.parts().isEmpty()) {
            sb.append(indent).append("<gq:Or/>\n");
        } else {
            throw new PolicyException(src, at, "cannot be expressed in WS-Policy: " + PolicyText.expr(e));
        }
    }

    private static void group(String tag, List<Expr> parts, StringBuilder sb, String indent, Position at, String src,
                              boolean extended) {
        if (parts.isEmpty()) {
            sb.append(indent).append('<').append(tag).append("/>\n");
            return;
        }
        sb.append(indent).append('<').append(tag).append(">\n");
        for (Expr p : parts) element(p, sb, indent + "  ", false, at, src, extended);
        sb.append(indent).append("</").append(tag).append(">\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // ---- import -------------------------------------------------------------------------------------------

    /** Reads a policy from a trusted place (within every bound of {@link CompileBudget} but time). */
    public static Policy read(String source, String xml) {
        return read(source, xml, CompileBudget.untimed());
    }

    /**
     * Reads a policy within a budget (an offer's parse and compile share one). A document without this
     * vocabulary's namespace is a deployed WS-Policy document, read by {@link WsPolicyDocument}.
     */
    public static Policy read(String source, String xml, CompileBudget budget) {
        java.util.Optional<Policy> deployed = WsPolicyDocument.readIfForeign(source, xml, budget);
        if (deployed.isPresent()) return deployed.get();
        Handler h = new Handler(source, budget);
        parse(source, xml, h);
        return h.policy;
    }

    /**
     * Parses a policy document with {@code handler}, as a peer's input: at most {@link CompileBudget#MAX_CHARS},
     * SAX with DTDs, external entities and XInclude off; an {@link OverLimit} the handler throws is a LIMIT, any
     * other error names its line and column. Both readers ({@link WsPolicyDocument} too) parse through here.
     */
    static void parse(String source, String xml, DefaultHandler handler) {
        if (xml.length() > CompileBudget.MAX_CHARS) {
            throw PolicyException.limit(source, Position.NONE, "policy too large: " + xml.length()
                    + " characters, more than " + CompileBudget.MAX_CHARS);
        }
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(true);
            f.setXIncludeAware(false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.newSAXParser().parse(new InputSource(new StringReader(xml)), handler);
        } catch (OverLimit e) {
            throw PolicyException.limit(source, new Position(e.getLineNumber(), e.getColumnNumber()), e.getMessage());
        } catch (SAXParseException e) {
            throw new PolicyException(source, new Position(e.getLineNumber(), e.getColumnNumber()), e.getMessage());
        } catch (SAXException e) {
            throw new PolicyException(source, Position.NONE, e.getMessage());
        } catch (IOException | ParserConfigurationException e) {
            throw new PolicyException(source, Position.NONE, "cannot read: " + e.getMessage());
        }
    }

    /** A bound of the budget exceeded while reading. */
    static final class OverLimit extends SAXParseException {
        OverLimit(String message, Locator locator) {
            super(message, locator);
        }
    }

    /** Builds the model as the elements close; a frame per open group collects its parts. */
    private static final class Handler extends DefaultHandler {
        private final String source;
        private final CompileBudget budget;
        private int elements;
        private Locator locator;
        private Policy policy;
        private String name;
        private final Map<String, Feature> features = new LinkedHashMap<>();
        private final List<Statement> statements = new ArrayList<>();
        private final Deque<Frame> open = new ArrayDeque<>();
        private final List<Preference> preferences = new ArrayList<>();
        private Expr.Input pendingInput;
        private int preferWeight;
        private String preferToward, preferFeature, preferParam;

        private record Frame(String kind, Position at, List<Expr> parts, Map<String, Domain> params, String feature,
                             boolean optional) {
        }

        Handler(String source, CompileBudget budget) {
            this.source = source;
            this.budget = budget;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        private Position here() {
            return locator == null ? Position.NONE : new Position(locator.getLineNumber(), locator.getColumnNumber());
        }

        private SAXException error(String message) {
            return new SAXParseException(message, locator);
        }

        /**
         * The budget, charged per element: nesting (an element is a level, so a formula read is no deeper than
         * the text language allows), elements (each at most one formula node), time.
         */
        private void charge() throws SAXException {
            if (open.size() >= CompileBudget.MAX_DEPTH + 2) { // the root and a gq:Use's gq:Param are not formulas
                throw new OverLimit("policy too deep: nested deeper than " + CompileBudget.MAX_DEPTH + " levels",
                        locator);
            }
            if (++elements > CompileBudget.MAX_NODES) {
                throw new OverLimit("policy too large: more than " + CompileBudget.MAX_NODES + " elements", locator);
            }
            if (budget.expired()) {
                throw new OverLimit("compiling the policies took more than " + budget.timeLimit(), locator);
            }
        }

        /** An attribute naming something, at most {@link CompileBudget#MAX_NAME} characters. */
        private String name(Attributes a, String attribute) throws SAXException {
            String v = a.getValue(attribute);
            if (v != null) checkName(v);
            return v;
        }

        private void checkName(String name) throws SAXException {
            if (name.length() > CompileBudget.MAX_NAME) {
                throw new OverLimit("name too long: more than " + CompileBudget.MAX_NAME + " characters", locator);
            }
            if (!NAME.matcher(name).matches()) {
                throw error("'" + name + "' is not a name of the policy language (letters, digits, _, and . or - "
                        + "before a letter)");
            }
        }

        private static final java.util.regex.Pattern NAME =
                java.util.regex.Pattern.compile("[A-Za-z_](?:[A-Za-z0-9_]|\\.(?=[A-Za-z0-9_])|-(?=[A-Za-z]))*");

        private void checkItems() throws SAXException {
            if (features.size() + statements.size() + preferences.size() >= CompileBudget.MAX_ITEMS) {
                throw new OverLimit("policy too large: more than " + CompileBudget.MAX_ITEMS
                        + " items (features, statements)", locator);
            }
        }

        @Override
        public void startElement(String uri, String local, String qName, Attributes a) throws SAXException {
            charge();
            Position at = here();
            String kind = (WSP.equals(uri) || WsPolicyDocument.WSP_2004.equals(uri) ? "wsp:" : GQ.equals(uri) ? "gq:"
                    : "?:") + local;
            Frame parent = open.peek();
            if (parent != null && (parent.kind.equals("gq:Input") || parent.kind.equals("gq:Prefer")
                    && preferToward != null)) {
                throw error(parent.kind + " has no child elements here");
            }
            if (parent == null && !kind.equals("wsp:Policy")) throw error("expected wsp:Policy, found " + qName);
            if (parent != null && (parent.kind.equals("gq:Use") || parent.kind.equals("gq:Feature"))
                    && !kind.equals("gq:Param")) {
                throw error(parent.kind + " holds only gq:Param, found " + qName);
            }
            if (parent != null && parent.kind.equals("gq:Vocabulary") && !kind.equals("gq:Feature")) {
                throw error("gq:Vocabulary holds only gq:Feature, found " + qName);
            }
            switch (kind) {
                case "wsp:Policy" -> {
                    if (parent == null) name = a.getValue("Name") == null ? "policy" : name(a, "Name");
                }
                case "wsp:All", "wsp:ExactlyOne", "gq:Vocabulary", "gq:Not", "gq:Or", "gq:OneOrMore", "gq:Optional",
                     "gq:Requires", "gq:Conflicts", "gq:If" -> { }
                case "gq:Input" -> {
                    pendingInput = new Expr.Input(value(a, "Left"), op(a), value(a, "Right"), at);
                    for (String input : Semantics.inputs(pendingInput)) {
                        int dot = input.lastIndexOf('.');
                        if (features.containsKey(input) || dot > 0 && features.containsKey(input.substring(0, dot))) {
                            throw error(input + " is a feature or parameter, not a run-time input; compare it in "
                                    + "gq:Use/gq:Param");
                        }
                    }
                }
                case "gq:Prefer" -> {
                    if (open.size() != 1) throw error("gq:Prefer belongs directly in the policy");
                    preferWeight = integer(a, "Weight");
                    if (Math.abs((long) preferWeight) > Preference.MAX_WEIGHT) {
                        throw error("a preference's weight is at most " + Preference.MAX_WEIGHT + " either way");
                    }
                    preferToward = a.getValue("Toward");
                    preferFeature = name(a, "Feature");
                    preferParam = name(a, "Param");
                }
                case "gq:Feature" -> {
                    if (parent == null || !parent.kind.equals("gq:Vocabulary")) {
                        throw error("gq:Feature outside gq:Vocabulary");
                    }
                    String feature = name(a, "Name");
                    if (feature == null) throw error("gq:Feature needs a Name attribute");
                    if (features.containsKey(feature) || open.stream().anyMatch(o -> feature.equals(o.feature))) {
                        throw error("feature " + feature + " declared twice");
                    }
                }
                case "gq:Use" -> {
                    if (name(a, "Feature") == null) throw error("gq:Use needs a Feature attribute");
                    if (!features.containsKey(a.getValue("Feature"))) {
                        throw error("feature " + a.getValue("Feature") + " is not in the gq:Vocabulary");
                    }
                }
                case "gq:Param" -> {
                    if (parent == null || !(parent.kind.equals("gq:Feature") || parent.kind.equals("gq:Use"))) {
                        throw error("gq:Param outside gq:Feature or gq:Use");
                    }
                    param(parent, a);
                }
                default -> throw error("unknown element " + qName + " (this reader knows wsp:Policy, wsp:All, "
                        + "wsp:ExactlyOne, gq:Vocabulary, gq:Feature, gq:Use, gq:Param, gq:Not, gq:Or, gq:OneOrMore, "
                        + "gq:Optional, gq:Requires, gq:Conflicts, gq:If, gq:Input, gq:Prefer)");
            }
            String feature = a.getValue("Feature") != null ? a.getValue("Feature") : name(a, "Name");
            if (kind.equals("gq:Feature")) checkItems();
            open.push(new Frame(kind, at, new ArrayList<>(), new LinkedHashMap<>(), feature,
                    optional(a)));
        }

        private void param(Frame parent, Attributes a) throws SAXException {
            String param = name(a, "Name");
            if (param == null) throw error("gq:Param needs a Name attribute");
            if (parent.kind.equals("gq:Feature")) {
                try {
                    Domain d;
                    if ("bool".equals(a.getValue("Type"))) d = new Domain.Bool();
                    else if ("real".equals(a.getValue("Type"))) d = new Domain.Real(real(a, "Min"), real(a, "Max"));
                    else if (a.getValue("Values") != null) {
                        List<String> values = List.of(a.getValue("Values").trim().split("\\s+"));
                        if (values.size() > Domain.MAX_SIZE) {
                            throw new OverLimit("enumeration has more than " + Domain.MAX_SIZE + " values", locator);
                        }
                        for (String v : values) checkName(v);
                        d = new Domain.Enum(values);
                    } else {
                        int min = integer(a, "Min"), max = integer(a, "Max");
                        if ((long) max - min + 1 > Domain.MAX_SIZE) {
                            throw new OverLimit("range " + min + ".." + max + " has more than " + Domain.MAX_SIZE
                                    + " values", locator);
                        }
                        d = new Domain.Ints(min, max);
                    }
                    parent.params.put(param, d);
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
                return;
            }
            Feature f = features.get(parent.feature);
            if (f == null) throw error("feature " + parent.feature + " is not in the vocabulary");
            Domain d = f.param(param);
            if (d == null) throw error("feature " + f.name() + " has no parameter " + param);
            Position at = here();
            if (a.getValue("Min") != null || a.getValue("Max") != null) {
                if (!(d instanceof Domain.Ints || d instanceof Domain.Real)) {
                    throw error("Min/Max need an integer or real parameter");
                }
                parent.parts.add(new Expr.Cmp(f.name(), param, Op.GE, value(a, "Min"), value(a, "Max"), at));
                return;
            }
            String op = a.getValue("Op"), value = a.getValue("Value");
            if (op == null || value == null) throw error("gq:Param in gq:Use needs Op and Value, or Min and Max");
            Op o = op(a);
            Object v;
            boolean number = d instanceof Domain.Ints || d instanceof Domain.Real;
            if (number) v = value(a, "Value");
            else if (d instanceof Domain.Bool) {
                if (!value.equals("true") && !value.equals("false")) throw error(param + " is true or false, got " + value);
                v = Boolean.parseBoolean(value);
            }
            else if (((Domain.Enum) d).values().contains(value)) v = value;
            else throw error(value + " is not one of " + d);
            if (!number && o != Op.EQ && o != Op.NE) throw error(param + " takes only eq or ne");
            parent.parts.add(new Expr.Cmp(f.name(), param, o, v, null, at));
        }

        /** wsp:Optional as xs:boolean (either namespace): true, 1, false, 0, or absent. */
        private boolean optional(Attributes a) throws SAXException {
            String v = a.getValue(WSP, "Optional");
            if (v == null) v = a.getValue(WsPolicyDocument.WSP_2004, "Optional");
            if (v == null) return false;
            return switch (v.strip()) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw error("wsp:Optional must be true or false, got " + v);
            };
        }

        private Op op(Attributes a) throws SAXException {
            String op = a.getValue("Op");
            try {
                return Op.valueOf(String.valueOf(op).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw error("unknown Op " + op + " (eq, ne, lt, le, gt, ge)");
            }
        }

        /** The one formula an operator element holds as its n-th operand, or an error naming the element. */
        private Expr operand(Frame f, int count) throws SAXException {
            if (f.parts.size() != count) {
                throw new SAXParseException(f.kind + " needs " + count + " operand" + (count == 1 ? "" : "s")
                        + ", has " + f.parts.size(), null, null, f.at.line(), f.at.column());
            }
            return f.parts.get(0);
        }

        /** A value in the text language's syntax: a number, or computed from run-time inputs. */
        private Value value(Attributes a, String attribute) throws SAXException {
            String text = a.getValue(attribute);
            if (text == null) throw error("gq:Param needs " + attribute);
            try {
                return PolicyParser.parseValue(source, text, budget);
            } catch (PolicyException e) {
                if (e.kind() == PolicyException.Kind.LIMIT) throw new OverLimit(e.getMessage(), locator);
                throw error(attribute + ": " + e.getMessage());
            }
        }

        private double real(Attributes a, String attribute) throws SAXException {
            try {
                double v = Double.parseDouble(a.getValue(attribute));
                if (!Double.isFinite(v)) throw new NumberFormatException();
                return v;
            } catch (NumberFormatException | NullPointerException e) {
                throw error(attribute + " must be a number, got " + a.getValue(attribute));
            }
        }

        private int integer(Attributes a, String attribute) throws SAXException {
            try {
                return Integer.parseInt(a.getValue(attribute));
            } catch (NumberFormatException | NullPointerException e) {
                throw error(attribute + " must be an integer, got " + a.getValue(attribute));
            }
        }

        @Override
        public void endElement(String uri, String local, String qName) throws SAXException {
            Frame f = open.pop();
            Frame parent = open.peek();
            Expr e = switch (f.kind) {
                case "wsp:All" -> new Expr.All(f.parts, f.at);
                case "wsp:ExactlyOne" -> new Expr.ExactlyOne(f.parts, f.at);
                case "gq:Not" -> new Expr.Not(operand(f, 1), f.at);
                case "gq:Optional" -> new Expr.Optional(operand(f, 1), f.at);
                case "gq:Or" -> new Expr.Any(f.parts, f.at);
                case "gq:OneOrMore" -> new Expr.OneOrMore(f.parts, f.at);
                case "gq:Requires" -> new Expr.Requires(operand(f, 2), f.parts.get(1), f.at);
                case "gq:Conflicts" -> new Expr.Conflicts(operand(f, 2), f.parts.get(1), f.at);
                case "gq:If" -> {
                    if (f.parts.size() != 2 && f.parts.size() != 3) {
                        throw new SAXParseException("gq:If needs a condition, a then and perhaps an else, has "
                                + f.parts.size() + " operands", null, null, f.at.line(), f.at.column());
                    }
                    yield new Expr.If(f.parts.get(0), f.parts.get(1), f.parts.size() == 3 ? f.parts.get(2) : null,
                            f.at);
                }
                case "gq:Input" -> pendingInput;
                case "gq:Prefer" -> {
                    String text = "prefer (from WS-Policy)";
                    if (preferToward != null) {
                        if (!preferToward.equals("high") && !preferToward.equals("low")) {
                            throw error("Toward must be high or low, got " + preferToward);
                        }
                        Feature feature = features.get(preferFeature);
                        if (feature == null || !(feature.param(String.valueOf(preferParam)) instanceof Domain.Ints)) {
                            throw error("prefer low/high needs an integer parameter of a declared feature, got "
                                    + preferFeature + "." + preferParam);
                        }
                        preferences.add(Preference.toward(preferWeight, preferFeature, preferParam,
                                preferToward.equals("low"), f.at, text));
                    } else {
                        preferences.add(Preference.when(preferWeight, operand(f, 1), f.at, text));
                    }
                    preferToward = null;
                    checkItems();
                    yield null;
                }
                case "wsp:Policy" -> parent == null ? null : new Expr.All(f.parts, f.at);
                case "gq:Use" -> {
                    Expr on = new Expr.On(f.feature, f.at);
                    Expr use = f.parts.isEmpty() ? on : f.parts.size() == 1 ? f.parts.get(0)
                            : new Expr.All(f.parts, f.at);
                    yield f.optional ? new Expr.Optional(use, f.at) : use;
                }
                case "gq:Feature" -> {
                    features.put(f.feature, new Feature(f.feature, f.params));
                    yield null;
                }
                default -> null;
            };
            if (parent == null) {
                policy = new Policy(name, source, features, statements, preferences);
            } else if (e != null) {
                if (open.size() == 1) {
                    checkItems();
                    statements.add(new Statement(e, f.at, PolicyText.expr(e)));
                } else {
                    parent.parts.add(e);
                }
            }
        }
    }
}
