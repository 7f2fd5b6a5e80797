package io.gridlet.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The QoS policies shipped in the jar (examples/policies): the live service's ingest pair by default. */
public final class LivePolicies {
    public static final String GATEWAY = "ingest-gateway.policy";
    public static final String CLIENT = "ingest-meter.policy";

    private LivePolicies() {
    }

    /** A bundled policy's text. */
    public static String bundled(String name) {
        try (InputStream in = LivePolicies.class.getResourceAsStream("/policies/" + name)) {
            if (in == null) throw new IllegalStateException("policy " + name + " is not in the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
