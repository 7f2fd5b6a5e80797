package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.grpc.MethodDescriptor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * One side's adaptlets in their run order, and the advice chains a session's configuration selects.
 *
 * <p>The order is a topological order of the declared before/after constraints; among adaptlets the constraints
 * leave unordered, the smaller name runs first, so both ends (and every run) agree on it whatever the
 * registration order. A cycle is reported at construction with the adaptlets on it.
 */
public final class Weaver {
    private final List<Adaptlet> ordered;
    private final Map<String, Adaptlet> byName;
    private final Map<Configuration, Chain<ClientAdvice>> clientChains = new ConcurrentHashMap<>();
    private final Map<String, Chain<ServerAdvice>> serverChains = new ConcurrentHashMap<>();

    public Weaver(Collection<? extends Adaptlet> adaptlets) {
        Map<String, Adaptlet> names = new TreeMap<>();
        for (Adaptlet a : adaptlets) {
            if (names.put(a.name(), a) != null) throw new IllegalArgumentException("two adaptlets named " + a.name());
        }
        this.byName = names;
        this.ordered = order(names);
    }

    /** The names in run order. */
    public List<String> order() {
        return ordered.stream().map(Adaptlet::name).toList();
    }

    public Set<String> names() {
        return byName.keySet();
    }

    /** The adaptlet of this name on this side, or null. */
    public Adaptlet adaptlet(String name) {
        return byName.get(name);
    }

    /** The client advice a configuration selects, in run order. */
    public Chain<ClientAdvice> clientChain(Configuration configuration) {
        return clientChains.computeIfAbsent(configuration, c -> chain(c, Adaptlet::client));
    }

    /**
     * The server advice a configuration selects, in run order: made once per distinct configuration, found per call
     * by the configuration's digest (a string whose hash is cached, where the configuration's is computed).
     */
    public Chain<ServerAdvice> serverChain(String digest, Configuration configuration) {
        Chain<ServerAdvice> chain = serverChains.get(digest);
        return chain != null ? chain
                : serverChains.computeIfAbsent(digest, d -> chain(configuration, Adaptlet::server));
    }

    private <A> Chain<A> chain(Configuration configuration, BiFunction<Adaptlet, Map<String, Object>, A> half) {
        for (String feature : configuration.features().keySet()) {
            if (!byName.containsKey(feature)) {
                throw new IllegalStateException("the configuration turns on " + feature
                        + ", which no adaptlet on this side implements (adaptlets: " + byName.keySet() + ")");
            }
        }
        List<Adaptlet> on = new ArrayList<>();
        List<A> advice = new ArrayList<>();
        for (Adaptlet a : ordered) {
            Map<String, Object> params = configuration.features().get(a.name());
            if (params == null) continue;
            on.add(a);
            advice.add(half.apply(a, params));
        }
        return new Chain<>(on, advice);
    }

    /** The advice of one configuration; per method, the part whose pointcuts match (computed once per method). */
    public static final class Chain<A> {
        private final List<Adaptlet> adaptlets;
        private final List<A> advice;
        private final Map<String, Applied<A>> perMethod = new ConcurrentHashMap<>();

        Chain(List<Adaptlet> adaptlets, List<A> advice) {
            this.adaptlets = adaptlets;
            this.advice = advice;
        }

        public Applied<A> forMethod(MethodDescriptor<?, ?> method) {
            Applied<A> a = perMethod.get(method.getFullMethodName());
            if (a != null) return a;
            List<String> names = new ArrayList<>();
            List<A> matching = new ArrayList<>();
            for (int i = 0; i < adaptlets.size(); i++) {
                if (adaptlets.get(i).pointcut().matches(method)) {
                    names.add(adaptlets.get(i).name());
                    matching.add(advice.get(i));
                }
            }
            a = new Applied<>(List.copyOf(names), List.copyOf(matching), String.join(",", names));
            perMethod.put(method.getFullMethodName(), a);
            return a;
        }
    }

    /** The adaptlets that apply to one method: names and advice in run order, and the names as sent in a header. */
    public record Applied<A>(List<String> names, List<A> advice, String header) {
        public boolean isEmpty() {
            return names.isEmpty();
        }
    }

    private static List<Adaptlet> order(Map<String, Adaptlet> names) {
        Map<String, Set<String>> successors = new HashMap<>();
        Map<String, Integer> indegree = new HashMap<>();
        for (String n : names.keySet()) {
            successors.put(n, new HashSet<>());
            indegree.put(n, 0);
        }
        for (Adaptlet a : names.values()) {
            for (String later : a.before()) edge(a.name(), later, names, successors, indegree);
            for (String earlier : a.after()) edge(earlier, a.name(), names, successors, indegree);
        }
        PriorityQueue<String> ready = new PriorityQueue<>();
        indegree.forEach((n, d) -> {
            if (d == 0) ready.add(n);
        });
        List<Adaptlet> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            String n = ready.poll();
            out.add(names.get(n));
            for (String s : successors.get(n)) {
                if (indegree.merge(s, -1, Integer::sum) == 0) ready.add(s);
            }
        }
        if (out.size() < names.size()) {
            throw new IllegalStateException("the adaptlets' order constraints have a cycle: "
                    + String.join(" -> ", cycle(successors, indegree)));
        }
        return List.copyOf(out);
    }

    private static void edge(String from, String to, Map<String, Adaptlet> names, Map<String, Set<String>> successors,
                             Map<String, Integer> indegree) {
        if (!names.containsKey(from) || !names.containsKey(to)) return;
        if (from.equals(to)) throw new IllegalStateException("adaptlet " + from + " is ordered relative to itself");
        if (successors.get(from).add(to)) indegree.merge(to, 1, Integer::sum);
    }

    /**
     * A cycle among the adaptlets Kahn's algorithm could not place: each of them still has a predecessor among
     * them, so walking predecessors must come back to a name already seen.
     */
    private static List<String> cycle(Map<String, Set<String>> successors, Map<String, Integer> indegree) {
        Set<String> left = new HashSet<>();
        indegree.forEach((n, d) -> {
            if (d > 0) left.add(n);
        });
        Map<String, List<String>> predecessors = new HashMap<>();
        successors.forEach((from, tos) -> tos.forEach(to -> predecessors.computeIfAbsent(to, k -> new ArrayList<>())
                .add(from)));
        Map<String, Integer> seenAt = new LinkedHashMap<>();
        List<String> path = new ArrayList<>();
        String at = left.stream().sorted().findFirst().orElseThrow();
        while (!seenAt.containsKey(at)) {
            seenAt.put(at, path.size());
            path.add(at);
            at = predecessors.get(at).stream().filter(left::contains).sorted().findFirst().orElseThrow();
        }
        List<String> cyc = new ArrayList<>(path.subList(seenAt.get(at), path.size()));
        Collections.reverse(cyc);
        // from its smallest name, so the message is the same however the walk entered the cycle
        int first = cyc.indexOf(cyc.stream().sorted().findFirst().orElseThrow());
        Collections.rotate(cyc, -first);
        cyc.add(cyc.get(0));
        return cyc;
    }
}
