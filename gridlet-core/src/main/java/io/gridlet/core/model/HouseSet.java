package io.gridlet.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * A set of house ids, as a meter's identity states the houses it may report for. Text form: {@code *} (every
 * house), or comma-separated terms, each a house {@code 7}, a range {@code 10-19}, or a residue class
 * {@code 3%5} (every house whose id is 3 modulo 5: how a fleet of 5 meters splits its houses).
 */
public final class HouseSet {
    public static final HouseSet ALL = new HouseSet("*", List.of());
    /** Terms in one set at most: the text comes from a file an operator writes, but it is still bounded. */
    static final int MAX_TERMS = 10_000;

    private record Term(long from, long to, long modulus) {
        boolean contains(long house) {
            return modulus > 0 ? house % modulus == from : house >= from && house <= to;
        }
    }

    private final String text;
    private final List<Term> terms;

    private HouseSet(String text, List<Term> terms) {
        this.text = text;
        this.terms = terms;
    }

    /** Parses the text form; {@link IllegalArgumentException} naming the bad term. */
    public static HouseSet parse(String text) {
        String t = text.strip();
        if (t.equals("*")) return ALL;
        if (t.isEmpty()) throw new IllegalArgumentException("an empty house set (use * for every house)");
        String[] parts = t.split(",", -1);
        if (parts.length > MAX_TERMS) throw new IllegalArgumentException("more than " + MAX_TERMS + " house terms");
        List<Term> terms = new ArrayList<>(parts.length);
        for (String part : parts) terms.add(term(part.strip()));
        return new HouseSet(t, List.copyOf(terms));
    }

    private static Term term(String part) {
        try {
            int percent = part.indexOf('%');
            if (percent > 0) {
                long residue = id(part.substring(0, percent));
                long modulus = id(part.substring(percent + 1));
                if (modulus < 1 || residue >= modulus) throw new NumberFormatException();
                return new Term(residue, residue, modulus);
            }
            int dash = part.indexOf('-', 1);
            if (dash > 0) {
                long from = id(part.substring(0, dash)), to = id(part.substring(dash + 1));
                if (from > to) throw new NumberFormatException();
                return new Term(from, to, 0);
            }
            long house = id(part);
            return new Term(house, house, 0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + part + "' is not a house, a range a-b or a class r%m");
        }
    }

    private static long id(String s) {
        long v = Long.parseLong(s.strip());
        if (v < 0 || v > 0xFFFF_FFFFL) throw new NumberFormatException();
        return v;
    }

    /**
     * The houses of a set written as ids and ranges, in order, without repeats; {@link IllegalArgumentException} for
     * {@code *} or a class {@code r%m} (endless), or more than {@code limit} houses.
     */
    public List<Long> members(int limit) {
        if (this == ALL) throw new IllegalArgumentException("* is every house: list them (ids or ranges a-b)");
        TreeSet<Long> houses = new TreeSet<>();
        for (Term t : terms) {
            if (t.modulus > 0) {
                throw new IllegalArgumentException(t.from + "%" + t.modulus + " has no end: list the houses (ids or "
                        + "ranges a-b)");
            }
            if (t.to - t.from + 1 > limit) throw new IllegalArgumentException("more than " + limit + " houses");
            for (long h = t.from; h <= t.to; h++) {
                houses.add(h);
                if (houses.size() > limit) throw new IllegalArgumentException("more than " + limit + " houses");
            }
        }
        return List.copyOf(houses);
    }

    public boolean contains(long house) {
        if (this == ALL) return true;
        for (Term t : terms) if (t.contains(house)) return true;
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HouseSet h && text.equals(h.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
