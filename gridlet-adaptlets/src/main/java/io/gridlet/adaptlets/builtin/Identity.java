package io.gridlet.adaptlets.builtin;

import io.grpc.Context;

import java.util.Set;

/**
 * Who is calling, as an authentication adaptlet established it: the meter or user id, its roles, and the highest
 * priority level it may ask for. The application reads it with {@code Identity.CURRENT.get()}.
 */
public record Identity(String id, Set<String> roles, int maxPriority) {
    public static final Context.Key<Identity> CURRENT = Context.key("gridlet-identity");

    public Identity {
        roles = Set.copyOf(roles);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
