package io.gridlet.policy;

/** One top-level constraint of a policy, with its source text (to explain a conflict in the user's words). */
public record Statement(Expr expr, Position at, String text) {
}
