package io.gridlet.adaptlets;

import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which calls an adaptlet applies to: full method names matching one of the glob patterns
 * ({@code gridlet.ingest.v1.Ingest/*}, {@code *}; {@code *} matches any run of characters) and one of the call kinds.
 */
public final class Pointcut {
    public static final Pointcut ALL = new Pointcut(List.of("*"), EnumSet.allOf(MethodType.class));

    private final List<String> patterns;
    private final List<Pattern> compiled;
    private final Set<MethodType> kinds;

    private Pointcut(List<String> patterns, Set<MethodType> kinds) {
        if (patterns.isEmpty()) throw new IllegalArgumentException("a pointcut needs at least one method pattern");
        this.patterns = List.copyOf(patterns);
        this.compiled = patterns.stream().map(Pointcut::glob).toList();
        this.kinds = kinds.isEmpty() ? EnumSet.noneOf(MethodType.class) : EnumSet.copyOf(kinds);
    }

    /** Methods matching any of these patterns, every call kind. */
    public static Pointcut methods(String... patterns) {
        return new Pointcut(List.of(patterns), EnumSet.allOf(MethodType.class));
    }

    /** The same methods, only calls of these kinds. */
    public Pointcut kinds(MethodType first, MethodType... rest) {
        return new Pointcut(patterns, EnumSet.of(first, rest));
    }

    public boolean matches(MethodDescriptor<?, ?> method) {
        if (!kinds.contains(method.getType())) return false;
        String name = method.getFullMethodName();
        for (Pattern p : compiled) {
            if (p.matcher(name).matches()) return true;
        }
        return false;
    }

    private static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        String[] parts = glob.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) re.append(".*");
            re.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(re.toString());
    }

    @Override
    public String toString() {
        return patterns + " " + kinds;
    }
}
