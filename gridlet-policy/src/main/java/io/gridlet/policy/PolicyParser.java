package io.gridlet.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the text form of a policy. Grammar ({@code #} starts a comment to the end of the line):
 *
 * <pre>
 * policy    := 'policy' NAME '{' item* '}'
 * item      := 'feature' NAME [ '(' param { ',' param } ')' ] ';'
 *            | 'prefer' [ INT ] ( 'low' | 'high' ) FEATURE.PARAM ';'     -- an integer parameter
 *            | 'prefer' [ INT ] expr ';'
 *            | [ 'let' binding { ',' binding } 'in' ] expr ';'
 * param     := NAME ':' ( INT '..' INT | 'real' NUMBER '..' NUMBER | 'bool' | '{' NAME { ',' NAME } '}' )
 * binding   := NAME '=' ( '(' expr ')' | value )                   -- a condition, or a number
 * expr      := or [ ( 'requires' | 'conflicts' ) or ] [ 'if' expr ]
 * or        := and { 'or' and }
 * and       := unary { 'and' unary }
 * unary     := 'not' unary | primary
 * primary   := '(' expr ')' | 'true' | 'false'
 *            | ( 'all' | 'exactly-one' | 'one-or-more' ) '{' [ expr { ( ';' | ',' ) expr } [ ';' ] ] '}'
 *            | 'optional' unary
 *            | 'if' expr 'then' expr [ 'else' expr ]
 *            | FEATURE                                   -- the feature is used
 *            | FEATURE.PARAM ( '==' | '!=' ) NAME         -- an enumeration or bool parameter
 *            | FEATURE.PARAM 'in' '[' value ',' value ']'  -- an integer or real parameter, ends included
 *            | operand OP operand { OP operand }         -- a chain: 10 &lt; cpp.size &lt; 18, cpu * 2 &gt; 1
 * operand   := FEATURE.PARAM | value                     -- a number parameter on its own, or a value
 * value     := term { ( '+' | '-' ) term }
 * term      := factor { ( '*' | '/' ) factor }
 * factor    := '-' factor | NUMBER | '(' value ')' | NAME [ '(' ')' ]  -- NAME: a let number or a run-time input
 * OP        := '==' | '!=' | '&lt;' | '&lt;=' | '&gt;' | '&gt;='
 * </pre>
 *
 * <p>{@code X if C} is GlueQoS's conditional: as one of the choices of {@code exactly-one} or {@code one-or-more}
 * it is the choice {@code X and C} (it is there only while C holds); anywhere else it is {@code if C then X}.
 * A chain is the conjunction of its links; a link between a parameter and a value is a parameter comparison, one
 * between two values a comparison of run-time inputs (the same for every configuration). An integer parameter
 * compares with a value exactly, but {@code ==} and {@code !=} round it to the nearest integer, halves up
 * ({@link Value#roundHalfUp}); arithmetic is IEEE
 * double ({@link Value}). A '-' inside a name must be followed by a letter ({@code exactly-one}), so
 * {@code queued-1} is {@code queued - 1}; write {@code a - b} with spaces when b is a name.
 *
 * Features must be declared before they are used; a name that is neither a feature, a parameter nor a let
 * binding is a run-time input. Errors carry the line and column.
 *
 * <p>Reading is bounded by a {@link CompileBudget} (a peer's policy is hostile until read): the text's size,
 * names, items and nesting are checked before the work, every nesting construct counts towards the depth before
 * the parser recurses, and a let binding is shared, not copied, while each formula's size and depth with its
 * bindings written out are counted as it is built, so a policy whose bindings would multiply is refused at once.
 */
public final class PolicyParser {
    /** Largest policy text accepted, in characters ({@link CompileBudget#MAX_CHARS}). */
    public static final int MAX_CHARS = CompileBudget.MAX_CHARS;
    /** Most items: features, statements and preferences ({@link CompileBudget#MAX_ITEMS}). */
    public static final int MAX_STATEMENTS = CompileBudget.MAX_ITEMS;
    /** Most levels of nesting ({@link CompileBudget#MAX_DEPTH}). */
    public static final int MAX_DEPTH = CompileBudget.MAX_DEPTH;

    private final String source;
    private final String text;
    private final CompileBudget budget;
    private final List<Token> tokens;
    private int next;
    private int depth;
    private long nodes;
    private final Map<String, Feature> features = new LinkedHashMap<>();
    private Map<String, Object> scope = new HashMap<>(); // let bindings: a Value or an Expr
    /** Every formula and value built so far, by identity: a let binding is one object used many times. */
    private final Map<Object, Size> sizes = new IdentityHashMap<>();
    /** For each '(' token, the index of its ')' (-1 if none). */
    private final int[] closing;

    /** A number parameter written as an operand of a comparison chain. */
    private record ParamRef(String feature, String param, Domain domain, Token at) {
    }

    /** A formula's node count and height with its let bindings written out. */
    private record Size(long nodes, int height) {
    }

    private record Token(Kind kind, String text, Position at, int offset, int end) {
    }

    private enum Kind { NAME, NUMBER, SYMBOL, END }

    private PolicyParser(String source, String text, CompileBudget budget) {
        this.source = source;
        this.text = text;
        this.budget = budget;
        this.tokens = lex(text);
        this.closing = new int[tokens.size()];
        java.util.ArrayDeque<Integer> open = new java.util.ArrayDeque<>();
        for (int i = 0; i < tokens.size(); i++) {
            closing[i] = -1;
            Token t = tokens.get(i);
            if (t.kind != Kind.SYMBOL) continue;
            if (t.text.equals("(")) open.push(i);
            else if (t.text.equals(")") && !open.isEmpty()) closing[open.pop()] = i;
        }
    }

    /**
     * Parses a policy from a trusted place (within every bound of {@link CompileBudget} but time); {@code source}
     * names it in messages (a file name, "client").
     */
    public static Policy parse(String source, String text) {
        return parse(source, text, CompileBudget.untimed());
    }

    /** Parses a policy within a budget (an offer's parse and compile share one). */
    public static Policy parse(String source, String text, CompileBudget budget) {
        if (text.length() > MAX_CHARS) {
            throw PolicyException.limit(source, Position.NONE, "policy too large: " + text.length()
                    + " characters, more than " + MAX_CHARS);
        }
        return new PolicyParser(source, text, budget).policy();
    }

    /**
     * Parses a value on its own ({@code cpu * 32 / 2}, {@code 16}), as WS-Policy XML carries one in an attribute:
     * its names are run-time inputs.
     */
    public static Value parseValue(String source, String text, CompileBudget budget) {
        if (text.length() > MAX_CHARS) {
            throw PolicyException.limit(source, Position.NONE, "value too large: " + text.length() + " characters");
        }
        PolicyParser p = new PolicyParser(source, text, budget);
        Value v = p.value();
        if (p.peek().kind != Kind.END) throw p.error(p.peek(), "unexpected " + describe(p.peek()) + " after the value");
        return v;
    }

    // ---- lexer ----------------------------------------------------------------------------------------------

    private List<Token> lex(String s) {
        List<Token> out = new ArrayList<>();
        int line = 1, lineStart = 0, i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch == '\n') {
                line++;
                lineStart = ++i;
                continue;
            }
            if (Character.isWhitespace(ch)) {
                i++;
                continue;
            }
            if (ch == '#') {
                while (i < s.length() && s.charAt(i) != '\n') i++;
                continue;
            }
            Position at = new Position(line, i - lineStart + 1);
            int start = i;
            if (Character.isLetter(ch) || ch == '_') {
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "_-.".indexOf(s.charAt(i)) >= 0)) {
                    if (s.charAt(i) == '.' && i + 1 < s.length() && s.charAt(i + 1) == '.') break;
                    if (s.charAt(i) == '-' && !(i + 1 < s.length() && Character.isLetter(s.charAt(i + 1)))) break;
                    i++;
                }
                if (i - start > CompileBudget.MAX_NAME) {
                    throw PolicyException.limit(source, at, "name too long: more than " + CompileBudget.MAX_NAME
                            + " characters");
                }
                out.add(new Token(Kind.NAME, s.substring(start, i), at, start, i));
            } else if (digit(ch)) {
                i++;
                while (i < s.length() && digit(s.charAt(i))) i++;
                if (i + 1 < s.length() && s.charAt(i) == '.' && digit(s.charAt(i + 1))) {
                    i++;
                    while (i < s.length() && digit(s.charAt(i))) i++;
                }
                out.add(new Token(Kind.NUMBER, s.substring(start, i), at, start, i));
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("==", "!=", "<=", ">=", "..").contains(two)) {
                    i += 2;
                } else if ("{}()[],;:<>=+-*/".indexOf(ch) >= 0) {
                    i++;
                } else {
                    throw new PolicyException(source, at, "unexpected character '" + ch + "'");
                }
                out.add(new Token(Kind.SYMBOL, s.substring(start, i), at, start, i));
            }
        }
        out.add(new Token(Kind.END, "end of input", new Position(line, i - lineStart + 1), i, i));
        return out;
    }

    /** ASCII digits only: Character.isDigit also accepts other scripts' digits, which no number parser reads. */
    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    // ---- parser ---------------------------------------------------------------------------------------------

    private Token peek() {
        return tokens.get(next);
    }

    private boolean at(String text) {
        Token t = peek();
        return t.kind != Kind.END && t.kind != Kind.NUMBER && t.text.equals(text);
    }

    private boolean accept(String text) {
        if (!at(text)) return false;
        next++;
        return true;
    }

    private Token expect(String text) {
        if (!at(text)) throw error(peek(), "expected '" + text + "', found " + describe(peek()));
        return tokens.get(next++);
    }

    private Token expectName(String what) {
        Token t = peek();
        if (t.kind != Kind.NAME) throw error(t, "expected " + what + ", found " + describe(t));
        next++;
        return t;
    }

    private int expectInt(String what) {
        Token start = peek();
        boolean minus = accept("-");
        Token t = peek();
        if (t.kind != Kind.NUMBER || t.text.contains(".")) throw error(t, "expected " + what + " (an integer), found "
                + describe(t));
        next++;
        try {
            return Integer.parseInt(minus ? "-" + t.text : t.text);
        } catch (NumberFormatException e) {
            throw error(start, "integer out of range: " + (minus ? "-" : "") + t.text);
        }
    }

    /** A signed decimal number written out (a real range's end). */
    private double expectNumber(String what) {
        boolean minus = accept("-");
        Token t = peek();
        if (t.kind != Kind.NUMBER) throw error(t, "expected " + what + " (a number), found " + describe(t));
        next++;
        double v = Double.parseDouble(t.text);
        return minus ? -v : v;
    }

    /** Whether the next tokens are a number, perhaps negative. */
    private boolean atNumber() {
        return peek().kind == Kind.NUMBER || at("-") && tokens.get(next + 1).kind == Kind.NUMBER;
    }

    private static String describe(Token t) {
        return t.kind == Kind.END ? "end of input" : "'" + t.text + "'";
    }

    private PolicyException error(Token t, String message) {
        return new PolicyException(source, t.at, message);
    }

    private PolicyException limit(Token t, String message) {
        return PolicyException.limit(source, t.at, message);
    }

    /** Opens one level of nesting, refused beyond {@link #MAX_DEPTH} before the parser recurses; see leave(). */
    private void enter(Token t) {
        if (++depth > MAX_DEPTH) {
            throw limit(t, "policy too deep: nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void leave() {
        depth--;
    }

    /**
     * Records a formula just built from measured parts: its size and height with let bindings written out,
     * refused over the budget (a binding used twice counts twice, so doubling bindings are caught here, long
     * before anything walks them).
     */
    private <E extends Expr> E built(E e, Token t) {
        budget.charge(source, t.at);
        long n = 1;
        int height = 0;
        List<Object> parts = new ArrayList<>(Semantics.children(e));
        if (e instanceof Expr.Input in) parts.addAll(List.of(in.left(), in.right()));
        if (e instanceof Expr.Cmp cmp) {
            if (cmp.value() instanceof Value v) parts.add(v);
            if (cmp.upper() instanceof Value v) parts.add(v);
        }
        for (Object part : parts) {
            Size s = sizes.get(part);
            if (s == null) continue; // a constant made by a constructor (Value.Num of a number)
            n += s.nodes;
            height = Math.max(height, s.height);
        }
        height++;
        if (height > MAX_DEPTH) {
            throw limit(t, "policy too deep: nested deeper than " + MAX_DEPTH
                    + " levels with its let bindings written out");
        }
        if (nodes + n > CompileBudget.MAX_NODES) throw tooLarge(t);
        sizes.put(e, new Size(n, height));
        return e;
    }

    private PolicyException tooLarge(Token t) {
        return limit(t, "policy too large: more than " + CompileBudget.MAX_NODES
                + " formula nodes with its let bindings written out");
    }

    /** Counts a statement's or preference's formula towards the policy's size. */
    private Expr counted(Expr e, Token first) {
        nodes += sizes.get(e).nodes;
        if (nodes > CompileBudget.MAX_NODES) throw tooLarge(first);
        return e;
    }

    private Policy policy() {
        expect("policy");
        String name = expectName("the policy's name").text;
        expect("{");
        List<Statement> statements = new ArrayList<>();
        List<Preference> preferences = new ArrayList<>();
        while (!at("}")) {
            if (peek().kind == Kind.END) throw error(peek(), "expected '}' to close policy " + name);
            if (statements.size() + preferences.size() + features.size() >= MAX_STATEMENTS) {
                throw limit(peek(), "policy too large: more than " + MAX_STATEMENTS
                        + " items (features, statements, preferences)");
            }
            Token first = peek();
            if (accept("feature")) {
                declare(first);
            } else if (accept("prefer")) {
                preferences.add(preference(first));
            } else {
                Expr e = counted(statement(), first);
                Token end = expect(";");
                statements.add(new Statement(e, first.at, text.substring(first.offset, end.end)));
            }
        }
        expect("}");
        if (peek().kind != Kind.END) throw error(peek(), "unexpected " + describe(peek()) + " after the policy");
        return new Policy(name, source, features, statements, preferences);
    }

    private void declare(Token first) {
        Token name = expectName("a feature name");
        if (features.containsKey(name.text)) throw error(name, "feature " + name.text + " declared twice");
        for (String other : features.keySet()) {
            if (name.text.startsWith(other + ".") || other.startsWith(name.text + ".")) {
                throw error(name, "feature " + name.text + " and feature " + other + " would make names like "
                        + name.text + ".x ambiguous");
            }
        }
        Map<String, Domain> params = new LinkedHashMap<>();
        if (accept("(")) {
            do {
                Token p = expectName("a parameter name");
                if (p.text.contains(".")) throw error(p, "a parameter name has no '.'");
                if (params.containsKey(p.text)) throw error(p, "parameter " + p.text + " declared twice");
                expect(":");
                params.put(p.text, domain());
            } while (accept(","));
            expect(")");
        }
        expect(";");
        features.put(name.text, new Feature(name.text, params));
    }

    private Domain domain() {
        Token t = peek();
        try {
            if (accept("bool")) return new Domain.Bool();
            if (accept("real")) {
                double min = expectNumber("the range's lower end");
                expect("..");
                double max = expectNumber("the range's upper end");
                return new Domain.Real(min, max);
            }
            if (accept("{")) {
                List<String> values = new ArrayList<>();
                do {
                    if (values.size() == Domain.MAX_SIZE) {
                        throw limit(t, "enumeration has more than " + Domain.MAX_SIZE + " values");
                    }
                    values.add(expectName("an enumeration value").text);
                } while (accept(","));
                expect("}");
                return new Domain.Enum(values);
            }
            int min = expectInt("the range's lower end");
            expect("..");
            int max = expectInt("the range's upper end");
            if ((long) max - min + 1 > Domain.MAX_SIZE) {
                throw limit(t, "range " + min + ".." + max + " has more than " + Domain.MAX_SIZE + " values");
            }
            return new Domain.Ints(min, max);
        } catch (IllegalArgumentException e) {
            throw error(t, e.getMessage());
        }
    }

    private Preference preference(Token first) {
        int weight = 1;
        if (atNumber()) { // a weight, unless the number starts the formula (prefer 2 > cpu; prefer 2 - x: a weight)
            Token after = tokens.get(next + (at("-") ? 2 : 1));
            if (!(after.kind == Kind.SYMBOL && ("+*/".contains(after.text) || op(after) != null))) {
                Token w = peek();
                weight = expectInt("a weight");
                if (Math.abs((long) weight) > Preference.MAX_WEIGHT) {
                    throw error(w, "a preference's weight is at most " + Preference.MAX_WEIGHT + " either way");
                }
            }
        }
        if (at("low") || at("high")) {
            boolean low = tokens.get(next++).text.equals("low");
            Token name = expectName("FEATURE.PARAM");
            String[] fp = split(name);
            if (fp == null || !(features.get(fp[0]).param(fp[1]) instanceof Domain.Ints)) {
                throw error(name, "prefer low/high needs an integer parameter, got " + name.text);
            }
            Token end = expect(";");
            return Preference.toward(weight, fp[0], fp[1], low, first.at, text.substring(first.offset, end.end));
        }
        Expr when = counted(expr(), first);
        Token end = expect(";");
        return Preference.when(weight, when, first.at, text.substring(first.offset, end.end));
    }

    private Expr statement() {
        if (!accept("let")) return expr();
        Map<String, Object> outer = scope;
        scope = new HashMap<>(outer);
        try {
            java.util.Set<String> bound = new java.util.HashSet<>();
            do {
                Token name = expectName("a name to bind");
                if (KEYWORDS.contains(name.text)) throw error(name, "'" + name.text + "' is a keyword, not a name");
                if (!bound.add(name.text)) throw error(name, name.text + " is bound twice in this let");
                expect("=");
                scope.put(name.text, binding());
            } while (accept(","));
            expect("in");
            return expr();
        } finally {
            scope = outer;
        }
    }

    /**
     * A let binding's value: a number ({@code 16}, {@code cpuUsage()}, {@code (cpu * 2)}) or, in parentheses, a
     * condition ({@code (load > 0.8)}). A parenthesis is read as a value first; if that does not end the
     * binding, it is read again as a condition (once: bindings do not nest).
     */
    private Object binding() {
        if (!at("(")) return value();
        int start = next;
        try {
            Value v = value();
            if (at(",") || at("in")) return v;
        } catch (PolicyException e) {
            if (e.kind() == PolicyException.Kind.LIMIT) throw e;
        }
        next = start; // the failed attempt left its nesting through its finally blocks
        expect("(");
        Expr e = expr();
        expect(")");
        return e;
    }

    /** One level of nesting: a statement, a parenthesis, a group's part, an if's part, a let binding. */
    private Expr expr() {
        return expr(false);
    }

    /**
     * @param alternative whether this is one of the choices of a group ({@code exactly-one}, {@code one-or-more}):
     *                    then {@code X if C} is the choice {@code X and C}, else {@code if C then X}
     */
    private Expr expr(boolean alternative) {
        Token first = peek();
        enter(first);
        try {
            Expr left = or();
            if (accept("requires")) left = built(new Expr.Requires(left, or(), first.at), first);
            else if (accept("conflicts")) left = built(new Expr.Conflicts(left, or(), first.at), first);
            if (accept("if")) {
                Expr condition = expr();
                left = alternative ? built(new Expr.All(List.of(left, condition), first.at), first)
                        : built(new Expr.If(condition, left, null, first.at), first);
            }
            return left;
        } finally {
            leave();
        }
    }

    private Expr or() {
        Token first = peek();
        List<Expr> parts = new ArrayList<>(List.of(and()));
        while (accept("or")) parts.add(and());
        return parts.size() == 1 ? parts.get(0) : built(new Expr.Any(parts, first.at), first);
    }

    private Expr and() {
        Token first = peek();
        List<Expr> parts = new ArrayList<>(List.of(unary()));
        while (accept("and")) parts.add(unary());
        return parts.size() == 1 ? parts.get(0) : built(new Expr.All(parts, first.at), first);
    }

    /** 'not' and 'optional' are a level of nesting each. */
    private Expr unary() {
        Token first = peek();
        boolean not = accept("not");
        if (!not && !accept("optional")) return primary();
        enter(first);
        try {
            Expr operand = unary();
            return built(not ? new Expr.Not(operand, first.at) : new Expr.Optional(operand, first.at), first);
        } finally {
            leave();
        }
    }

    private Expr primary() {
        Token t = peek();
        if (at("(") && valueFollows()) return chain();
        if (accept("(")) {
            Expr e = expr();
            expect(")");
            return e;
        }
        if (accept("true")) return built(new Expr.Const(true, t.at), t);
        if (accept("false")) return built(new Expr.Const(false, t.at), t);
        if (accept("all")) return built(new Expr.All(group(false), t.at), t);
        if (accept("exactly-one")) return built(new Expr.ExactlyOne(group(true), t.at), t);
        if (accept("one-or-more")) return built(new Expr.OneOrMore(group(true), t.at), t);
        if (accept("if")) {
            Expr condition = expr();
            expect("then");
            Expr then = expr();
            Expr otherwise = accept("else") ? expr() : null;
            return built(new Expr.If(condition, then, otherwise, t.at), t);
        }
        if (atNumber() || at("-")) return chain();
        Token name = peek();
        if (name.kind != Kind.NAME) {
            throw error(name, "expected a feature, a parameter comparison or an input comparison, found "
                    + describe(name));
        }
        Object bound = scope.get(name.text);
        if (bound instanceof Expr e) {
            next++;
            Token after = peek();
            if (after.kind == Kind.SYMBOL && ("+-*/".contains(after.text) || op(after) != null)) {
                throw error(name, name.text + " is a condition here, not a number");
            }
            return e;
        }
        if (bound == null && features.containsKey(name.text)) {
            next++;
            if (op() != null) {
                throw error(name, "feature " + name.text + " has no value; compare one of its parameters");
            }
            return built(new Expr.On(name.text, name.at), name);
        }
        return chain();
    }

    /** Whether the '(' here encloses a value: the token after its ')' is arithmetic or a comparison. */
    private boolean valueFollows() {
        int close = closing[next];
        if (close < 0) return false;
        Token after = tokens.get(close + 1);
        return after.kind == Kind.SYMBOL && ("+-*/".contains(after.text) || op(after) != null);
    }

    private List<Expr> group(boolean alternatives) {
        expect("{");
        List<Expr> parts = new ArrayList<>();
        while (!at("}")) {
            parts.add(expr(alternatives));
            if (!accept(";") && !accept(",")) break;
        }
        expect("}");
        return parts;
    }

    /** {@code [feature, param]} if the name is a declared feature's declared parameter, else null. */
    private String[] split(Token name) {
        int dot = name.text.lastIndexOf('.');
        if (dot <= 0) return null;
        String feature = name.text.substring(0, dot);
        Feature f = features.get(feature);
        if (f == null) return null;
        String param = name.text.substring(dot + 1);
        if (f.param(param) == null) {
            throw error(name, "feature " + feature + " has no parameter " + param
                    + (f.params().isEmpty() ? "" : " (it has " + String.join(", ", f.params().keySet()) + ")"));
        }
        return new String[] {feature, param};
    }

    /**
     * {@code operand OP operand { OP operand }}, or an enumeration/bool comparison, or {@code F.P in [a, b]}: the
     * conjunction of the links.
     */
    private Expr chain() {
        Token first = peek();
        Object left = operand();
        if (left instanceof ParamRef ref && !(ref.domain instanceof Domain.Ints || ref.domain instanceof Domain.Real)) {
            return named(ref);
        }
        if (left instanceof ParamRef ref && accept("in")) {
            expect("[");
            Value lo = value();
            expect(",");
            Value hi = value();
            expect("]");
            if (lo.isConstant() && hi.isConstant() && hi.eval(Map.of()) < lo.eval(Map.of())) {
                throw error(ref.at, "empty range [" + lo + ", " + hi + "]");
            }
            return built(new Expr.Cmp(ref.feature, ref.param, Op.GE, lo, hi, ref.at.at), ref.at);
        }
        if (op() == null) {
            if (left instanceof ParamRef ref) {
                throw error(peek(), "expected a comparison or 'in [a, b]' after " + ref.feature + "." + ref.param);
            }
            if (left instanceof Value.In in && tokens.get(next - 1) == first) {
                throw error(first, "unknown feature " + in.name() + (features.isEmpty() ? " (declare it with "
                        + "'feature " + in.name() + ";')" : " (declared: " + String.join(", ", features.keySet())
                        + ")"));
            }
            throw error(peek(), "expected a comparison after the value, found " + describe(peek()));
        }
        List<Expr> links = new ArrayList<>();
        Token leftAt = first;
        while (op() != null) {
            Op op = op();
            next++;
            Token rightAt = peek();
            Object right = operand();
            links.add(link(left, op, right, leftAt));
            left = right;
            leftAt = rightAt;
        }
        return links.size() == 1 ? links.get(0) : built(new Expr.All(links, first.at), first);
    }

    private Expr link(Object left, Op op, Object right, Token at) {
        if (left instanceof ParamRef a && right instanceof ParamRef b) {
            throw error(at, "comparing two parameters (" + a.feature + "." + a.param + ", " + b.feature + "."
                    + b.param + ") is not supported; compare each with a value");
        }
        if (left instanceof ParamRef p) return paramCmp(p, op, (Value) right);
        if (right instanceof ParamRef p) return paramCmp(p, flip(op), (Value) left);
        Expr.Input in = new Expr.Input((Value) left, op, (Value) right, at.at);
        return built(in, at);
    }

    private Expr paramCmp(ParamRef p, Op op, Value v) {
        if (!(p.domain instanceof Domain.Ints || p.domain instanceof Domain.Real)) {
            throw error(p.at, p.feature + "." + p.param + " can only be compared with == or != and a name");
        }
        return built(new Expr.Cmp(p.feature, p.param, op, v, null, p.at.at), p.at);
    }

    /** {@code a op b} as {@code b flip(op) a}. */
    private static Op flip(Op op) {
        return switch (op) {
            case LT -> Op.GT;
            case LE -> Op.GE;
            case GT -> Op.LT;
            case GE -> Op.LE;
            default -> op;
        };
    }

    /** A parameter of a declared feature (a ParamRef) or a value. */
    private Object operand() {
        Token t = peek();
        if (t.kind == Kind.NAME && scope.get(t.text) == null) {
            String[] fp = split(t);
            if (fp != null) {
                next++;
                Token after = peek();
                if (after.kind == Kind.SYMBOL && "+-*/".contains(after.text)) {
                    throw error(t, "parameter " + t.text + " cannot be computed with; compare it on its own, as in "
                            + t.text + " >= VALUE");
                }
                return new ParamRef(fp[0], fp[1], features.get(fp[0]).param(fp[1]), t);
            }
        }
        return value();
    }

    /** {@code F.P (== | !=) NAME} for an enumeration or bool parameter. */
    private Expr named(ParamRef ref) {
        Token name = ref.at;
        Domain d = ref.domain;
        if (at("in")) throw error(name, "'in [a, b]' needs an integer or real parameter");
        Op op = op();
        if (op == null) throw error(peek(), "expected a comparison after " + name.text);
        next++;
        if (op != Op.EQ && op != Op.NE) throw error(name, name.text + " can only be compared with == or !=");
        Token v = expectName("a value of " + d);
        if (d instanceof Domain.Bool) {
            if (!v.text.equals("true") && !v.text.equals("false")) throw error(v, "expected true or false");
            return built(new Expr.Cmp(ref.feature, ref.param, op, Boolean.parseBoolean(v.text), null, name.at), name);
        }
        if (!((Domain.Enum) d).values().contains(v.text)) throw error(v, v.text + " is not one of " + d);
        return built(new Expr.Cmp(ref.feature, ref.param, op, v.text, null, name.at), name);
    }

    private Op op() {
        return op(peek());
    }

    private static Op op(Token t) {
        if (t.kind != Kind.SYMBOL) return null;
        for (Op op : Op.values()) if (op.symbol.equals(t.text)) return op;
        return null;
    }

    // ---- values ---------------------------------------------------------------------------------------------

    /** {@code term { (+|-) term }}. */
    private Value value() {
        Token first = peek();
        Value v = term();
        while (at("+") || at("-")) {
            char op = tokens.get(next++).text.charAt(0);
            v = builtValue(fold(new Value.Bin(op, v, term())), first);
        }
        return v;
    }

    private Value term() {
        Token first = peek();
        Value v = factor();
        while (at("*") || at("/")) {
            char op = tokens.get(next++).text.charAt(0);
            v = builtValue(fold(new Value.Bin(op, v, factor())), first);
        }
        return v;
    }

    private Value factor() {
        Token t = peek();
        if (accept("-")) {
            enter(t);
            try {
                return builtValue(fold(new Value.Neg(factor())), t);
            } finally {
                leave();
            }
        }
        if (t.kind == Kind.NUMBER) {
            next++;
            return builtValue(new Value.Num(Double.parseDouble(t.text)), t);
        }
        if (accept("(")) {
            enter(t);
            try {
                Value v = value();
                expect(")");
                return v;
            } finally {
                leave();
            }
        }
        if (t.kind != Kind.NAME) throw error(t, "expected a number, an input or '(', found " + describe(t));
        Object bound = scope.get(t.text);
        if (bound instanceof Value v) {
            next++;
            return v;
        }
        if (bound instanceof Expr) throw error(t, t.text + " is a condition here, not a number");
        if (features.containsKey(t.text)) {
            throw error(t, "feature " + t.text + " has no value; compare one of its parameters");
        }
        if (split(t) != null) {
            throw error(t, "parameter " + t.text + " cannot be computed with; compare it on its own, as in " + t.text
                    + " >= VALUE");
        }
        if (KEYWORDS.contains(t.text)) throw error(t, "expected a number or an input, found '" + t.text + "'");
        next++;
        if (at("(") && tokens.get(next + 1).text.equals(")") && tokens.get(next + 1).kind == Kind.SYMBOL) {
            next += 2; // cpuUsage(): the call form of an input
        }
        return builtValue(new Value.In(t.text), t);
    }

    private static final java.util.Set<String> KEYWORDS = java.util.Set.of("policy", "feature", "prefer", "let", "in",
            "not", "and", "or", "all", "exactly-one", "one-or-more", "optional", "if", "then", "else", "requires",
            "conflicts", "true", "false", "low", "high", "real", "bool");

    /** A computation on constants only is done once, here. */
    private static Value fold(Value v) {
        return v.isConstant() && !(v instanceof Value.Num) ? new Value.Num(v.eval(Map.of())) : v;
    }

    /** Records a value's size and height, as {@link #built} does for formulas. */
    private Value builtValue(Value v, Token t) {
        budget.charge(source, t.at);
        if (sizes.containsKey(v)) return v;
        long n = 1;
        int height = 0;
        if (v instanceof Value.Bin b) {
            for (Value part : List.of(b.left(), b.right())) {
                Size s = sizes.get(part);
                n += s.nodes;
                height = Math.max(height, s.height);
            }
        } else if (v instanceof Value.Neg neg) {
            Size s = sizes.get(neg.operand());
            n += s.nodes;
            height = s.height;
        }
        height++;
        if (height > MAX_DEPTH) {
            throw limit(t, "value too deep: nested deeper than " + MAX_DEPTH + " levels (operators included) with "
                    + "its let bindings written out");
        }
        if (nodes + n > CompileBudget.MAX_NODES) throw tooLarge(t);
        sizes.put(v, new Size(n, height));
        return v;
    }

}
