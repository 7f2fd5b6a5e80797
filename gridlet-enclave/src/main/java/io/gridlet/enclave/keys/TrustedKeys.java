package io.gridlet.enclave.keys;

import io.gridlet.enclave.attestation.TrustedRuntime;
import io.gridlet.enclave.sealing.ReadingOpener;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The key rings released to this process, by name: the runtime registers what the key broker released to it;
 * code that seals or opens inside the boundary (serializers restored from a checkpoint, say) looks them up by the
 * name it was configured with. Names, never keys, are what configurations and checkpoints record.
 */
public final class TrustedKeys {
    private static final ConcurrentHashMap<String, KeyRing> RINGS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, Pseudonyms> ROUTING = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, ReadingKeys> READINGS = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, ResultMaster> RESULTS = new ConcurrentHashMap<>();

    private TrustedKeys() {
    }

    /** Everything a broker released to this process's runtime, under one name. */
    public static void registerAll(String name, TrustedRuntime.Keys keys) {
        register(name, keys.ring());
        if (keys.routing() != null) registerRouting(name, keys.routing());
        if (keys.readings() != null) registerReadings(name, keys.readings());
        if (keys.results() != null) registerResults(name, keys.results());
    }

    public static void register(String name, KeyRing ring) {
        RINGS.put(name, ring);
    }

    public static void unregister(String name) {
        RINGS.remove(name);
        ROUTING.remove(name);
        READINGS.remove(name);
        RESULTS.remove(name);
    }

    /** The pseudonyms (routing key) released to this process under a name. */
    public static void registerRouting(String name, Pseudonyms pseudonyms) {
        ROUTING.put(name, pseudonyms);
    }

    /** The results master key (with the routing key), released to this process under a name. */
    public static void registerResults(String name, ResultMaster keys) {
        RESULTS.put(name, keys);
    }

    /** @throws IllegalStateException when no results key was released under this name */
    public static ResultMaster results(String name) {
        ResultMaster keys = RESULTS.get(name);
        if (keys == null) {
            throw new IllegalStateException("no results key named '" + name + "' was released to this process: "
                    + "the trusted runtime must attest to the key broker first");
        }
        return keys;
    }

    /** The keys that open meters' readings, released to this process under a name. */
    public static void registerReadings(String name, ReadingKeys keys) {
        READINGS.put(name, keys);
    }

    /**
     * A reading opener of its own for the caller, with the keys released under a name.
     *
     * @throws IllegalStateException when they were not released to this process
     */
    public static ReadingOpener opener(String name) {
        ReadingKeys keys = READINGS.get(name);
        if (keys == null) {
            throw new IllegalStateException("no reading keys named '" + name + "' were released to this process: "
                    + "the trusted runtime must attest to the key broker first");
        }
        return keys.opener();
    }

    /** @throws IllegalStateException naming the routing key when it was not released to this process */
    public static Pseudonyms routing(String name) {
        Pseudonyms p = ROUTING.get(name);
        if (p == null) {
            throw new IllegalStateException("no routing key named '" + name + "' was released to this process: the "
                    + "trusted runtime must attest to the key broker first");
        }
        return p;
    }

    /** @throws IllegalStateException naming the ring when no runtime released it to this process */
    public static KeyRing get(String name) {
        KeyRing ring = RINGS.get(name);
        if (ring == null) {
            throw new IllegalStateException("no keys named '" + name + "' were released to this process: the trusted "
                    + "runtime must attest to the key broker before sealed state can be read or written");
        }
        return ring;
    }
}
