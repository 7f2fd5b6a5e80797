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
 *            | 'prefer' [ INT ] ( 'low' | 'high' ) FEATURE.PARAM ';'
 *            | 'prefer' [ INT ] expr ';'
 *            | [ 'let' binding { ',' binding } 'in' ] expr ';'
 * param     := NAME ':' ( INT '..' INT | 'bool' | '{' NAME { ',' NAME } '}' )
 * binding   := NAME '=' ( NUMBER | NAME '(' ')' | '(' expr ')' )      -- NAME() is a run-time input
 * expr      := or [ ( 'requires' | 'conflicts' ) or ]
 * or        := and { 'or' and }
 * and       := unary { 'and' unary }
 * unary     := 'not' unary | primary
 * primary   := '(' expr ')' | 'true' | 'false'
 *            | ( 'all' | 'exactly-one' | 'one-or-more' ) '{' [ expr { ( ';' | ',' ) expr } [ ';' ] ] '}'
 *            | 'optional' unary
 *            | 'if' expr 'then' expr [ 'else' expr ]
 *            | FEATURE                                   -- the feature is used
 *            | FEATURE.PARAM ( OP value | 'in' '[' INT ',' INT ']' )
 *            | INPUT OP NUMBER                           -- a run-time input, e.g. cpu > 0.8
 * OP        := '==' | '!=' | '&lt;' | '&lt;=' | '&gt;' | '&gt;='
 * </pre>
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
    private Map<String, Object> scope = new HashMap<>(); // let bindings: Double, Expr, or InputName
    /** Every formula built so far, by identity: a let binding is one object used many times. */
    private final Map<Expr, Size> sizes = new IdentityHashMap<>();

    private record InputName(String name) {
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
                    i++;
                }
                if (i - start > CompileBudget.MAX_NAME) {
                    throw PolicyException.limit(source, at, "name too long: more than " + CompileBudget.MAX_NAME
                            + " characters");
                }
                out.add(new Token(Kind.NAME, s.substring(start, i), at, start, i));
            } else if (digit(ch) || (ch == '-' && i + 1 < s.length() && digit(s.charAt(i + 1)))) {
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
                } else if ("{}()[],;:<>=".indexOf(ch) >= 0) {
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
        Token t = peek();
        if (t.kind != Kind.NUMBER || t.text.contains(".")) throw error(t, "expected " + what + " (an integer), found "
                + describe(t));
        next++;
        try {
            return Integer.parseInt(t.text);
        } catch (NumberFormatException e) {
            throw error(t, "integer out of range: " + t.text);
        }
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
        for (Expr part : Semantics.children(e)) {
            Size s = sizes.get(part);
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
        int weight = peek().kind == Kind.NUMBER ? expectInt("a weight") : 1;
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
            do {
                Token name = expectName("a name to bind");
                expect("=");
                Token t = peek();
                if (t.kind == Kind.NUMBER) {
                    next++;
                    scope.put(name.text, Double.parseDouble(t.text));
                } else if (accept("(")) {
                    Expr e = expr();
                    expect(")");
                    scope.put(name.text, e);
                } else {
                    Token input = expectName("a number, an input call like cpuUsage(), or (expr)");
                    expect("(");
                    expect(")");
                    scope.put(name.text, new InputName(input.text));
                }
            } while (accept(","));
            expect("in");
            return expr();
        } finally {
            scope = outer;
        }
    }

    /** One level of nesting: a statement, a parenthesis, a group's part, an if's part, a let binding. */
    private Expr expr() {
        Token first = peek();
        enter(first);
        try {
            Expr left = or();
            if (accept("requires")) return built(new Expr.Requires(left, or(), first.at), first);
            if (accept("conflicts")) return built(new Expr.Conflicts(left, or(), first.at), first);
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
        if (accept("(")) {
            Expr e = expr();
            expect(")");
            return e;
        }
        if (accept("true")) return built(new Expr.Const(true, t.at), t);
        if (accept("false")) return built(new Expr.Const(false, t.at), t);
        if (accept("all")) return built(new Expr.All(group(), t.at), t);
        if (accept("exactly-one")) return built(new Expr.ExactlyOne(group(), t.at), t);
        if (accept("one-or-more")) return built(new Expr.OneOrMore(group(), t.at), t);
        if (accept("if")) {
            Expr condition = expr();
            expect("then");
            Expr then = expr();
            Expr otherwise = accept("else") ? expr() : null;
            return built(new Expr.If(condition, then, otherwise, t.at), t);
        }
        Token name = expectName("a feature, a parameter comparison or an input comparison");
        return atom(name);
    }

    private List<Expr> group() {
        expect("{");
        List<Expr> parts = new ArrayList<>();
        while (!at("}")) {
            parts.add(expr());
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

    private Expr atom(Token name) {
        Object bound = scope.get(name.text);
        if (bound instanceof Expr e) return e;
        if (bound instanceof Double) throw error(name, name.text + " is a number here, not a condition");
        if (features.containsKey(name.text)) {
            if (op() != null) {
                throw error(name, "feature " + name.text + " has no value; compare one of its parameters");
            }
            return built(new Expr.On(name.text, name.at), name);
        }
        String[] fp = bound == null ? split(name) : null;
        if (fp != null) return comparison(name, fp[0], fp[1]);
        String input = bound instanceof InputName in ? in.name() : name.text;
        Op op = op();
        if (op == null) {
            throw error(name, "unknown feature " + name.text + (features.isEmpty() ? " (declare it with 'feature "
                    + name.text + ";')" : " (declared: " + String.join(", ", features.keySet()) + ")"));
        }
        next++;
        return built(new Expr.Input(input, op, number(), name.at), name);
    }

    private Op op() {
        Token t = peek();
        if (t.kind != Kind.SYMBOL) return null;
        for (Op op : Op.values()) if (op.symbol.equals(t.text)) return op;
        return null;
    }

    private double number() {
        Token t = peek();
        if (t.kind == Kind.NUMBER) {
            next++;
            return Double.parseDouble(t.text);
        }
        if (t.kind == Kind.NAME && scope.get(t.text) instanceof Double d) {
            next++;
            return d;
        }
        throw error(t, "expected a number, found " + describe(t));
    }

    private Expr comparison(Token name, String feature, String param) {
        Domain d = features.get(feature).param(param);
        if (accept("in")) {
            if (!(d instanceof Domain.Ints)) throw error(name, "'in [a, b]' needs an integer parameter");
            expect("[");
            int lo = intValue();
            expect(",");
            int hi = intValue();
            expect("]");
            if (hi < lo) throw error(name, "empty range [" + lo + ", " + hi + "]");
            return built(new Expr.Cmp(feature, param, Op.GE, lo, hi, name.at), name);
        }
        Op op = op();
        if (op == null) throw error(peek(), "expected a comparison or 'in [a, b]' after " + name.text);
        next++;
        if (d instanceof Domain.Ints) return built(new Expr.Cmp(feature, param, op, intValue(), null, name.at), name);
        if (op != Op.EQ && op != Op.NE) throw error(name, name.text + " can only be compared with == or !=");
        Token v = expectName("a value of " + d);
        if (d instanceof Domain.Bool) {
            if (!v.text.equals("true") && !v.text.equals("false")) throw error(v, "expected true or false");
            return built(new Expr.Cmp(feature, param, op, Boolean.parseBoolean(v.text), null, name.at), name);
        }
        if (!((Domain.Enum) d).values().contains(v.text)) throw error(v, v.text + " is not one of " + d);
        return built(new Expr.Cmp(feature, param, op, v.text, null, name.at), name);
    }

    private int intValue() {
        Token t = peek();
        double v = number();
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) throw error(t, "expected an integer, found " + v);
        return (int) v;
    }
}
