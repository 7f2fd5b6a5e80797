package io.gridlet.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A QoS feature a policy speaks of (its vocabulary): a name such as {@code puzzle} or {@code auth.hmac}, and
 *  its typed parameters, in declaration order. */
public record Feature(String name, Map<String, Domain> params) {
    public Feature {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    public Domain param(String param) {
        return params.get(param);
    }
}
