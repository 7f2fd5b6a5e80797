package io.gridlet.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One side's policy: its vocabulary (the features it can run, with their parameters), its constraints and its
 * preferences. A feature outside either side's vocabulary is never used: both halves of an adaptlet must exist.
 */
public record Policy(String name, String source, Map<String, Feature> features, List<Statement> statements,
                     List<Preference> preferences) {
    public Policy {
        features = Collections.unmodifiableMap(new LinkedHashMap<>(features));
        statements = List.copyOf(statements);
        preferences = List.copyOf(preferences);
    }
}
