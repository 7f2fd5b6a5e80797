package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.Pointcut;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.ServerScope;
import io.gridlet.adaptlets.Verdict;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * {@code authz}: per-method roles, checked on the server against the {@link Identity} an authentication adaptlet
 * bound (so it runs after them). The first rule whose method pattern matches decides: the caller needs one of its
 * roles, and if the rule names an owner for the requests (the meter a reading is from), every request must be the
 * caller's own. No identity: UNAUTHENTICATED; no matching rule, a missing role or another's data:
 * PERMISSION_DENIED. The client half does nothing.
 */
public final class Authorization implements Adaptlet {
    public static final String NAME = "authz";

    /** Who may call the methods matching a glob, and whose requests they may send. */
    public record Rule(Pointcut methods, Set<String> roles, Function<Object, String> owner) {
        public static Rule of(String methodGlob, String... roles) {
            return new Rule(Pointcut.methods(methodGlob), Set.of(roles), null);
        }

        /** Requests must belong to the caller: {@code owner} says whose a request is. */
        public Rule ownedBy(Function<Object, String> owner) {
            return new Rule(methods, roles, owner);
        }
    }

    private final List<Rule> rules;

    private Authorization(List<Rule> rules) {
        this.rules = rules;
    }

    public static Authorization client() {
        return new Authorization(null);
    }

    public static Authorization server(Rule... rules) {
        return new Authorization(List.of(rules));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> after() {
        return HmacAuth.AUTHENTICATION;
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        return new ClientAdvice() {
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (rules == null) throw Adaptlet.wrongSide(NAME, "server");
        return new ServerAdvice() {
            @Override
            public Verdict onCall(ServerScope call) {
                Identity who = call.bound(Identity.CURRENT);
                if (who == null) {
                    return Verdict.reject(Status.UNAUTHENTICATED.withDescription(
                            "authorization needs an authenticated caller (auth.hmac or auth.mtls)"), "anonymous");
                }
                Rule rule = rule(call.method());
                if (rule == null) {
                    return denied("no-rule", "no rule allows " + call.method().getFullMethodName());
                }
                for (String role : rule.roles()) {
                    if (who.hasRole(role)) return Verdict.PROCEED;
                }
                return denied("role", who.id() + " has none of the roles " + rule.roles() + " that "
                        + call.method().getFullMethodName() + " needs");
            }

            @Override
            public Verdict onRequest(ServerScope call, Object request) {
                Rule rule = rule(call.method());
                if (rule == null || rule.owner() == null) return Verdict.PROCEED;
                String owner = rule.owner().apply(request);
                Identity who = call.bound(Identity.CURRENT);
                if (who.id().equals(owner)) return Verdict.PROCEED;
                return denied("not-owner", who.id() + " may only send its own data, not " + owner + "'s");
            }
        };
    }

    private static final Rule NONE = new Rule(Pointcut.ALL, Set.of(), null);
    private final ConcurrentHashMap<String, Rule> byMethod =
            new ConcurrentHashMap<>();

    /** The first rule matching the method (looked up once per method). */
    private Rule rule(MethodDescriptor<?, ?> method) {
        Rule found = byMethod.computeIfAbsent(method.getFullMethodName(), name -> {
            for (Rule r : rules) {
                if (r.methods().matches(method)) return r;
            }
            return NONE;
        });
        return found == NONE ? null : found;
    }

    private static Verdict denied(String outcome, String why) {
        return Verdict.reject(Status.PERMISSION_DENIED.withDescription(why), outcome);
    }

}
