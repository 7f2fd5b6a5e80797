package io.gridlet.adaptlets;

import io.grpc.Metadata;

/** The session layer's own headers and trailers. */
final class Headers {
    private Headers() {
    }

    /** The session id the call belongs to. */
    static final Metadata.Key<String> SESSION = ascii("gridlet-session");
    /** The digest of the configuration the client runs in that session. */
    static final Metadata.Key<String> CONFIG = ascii("gridlet-config");
    /** The adaptlets the client wove into this call, in order, comma-separated. */
    static final Metadata.Key<String> ADAPTLETS = ascii("gridlet-adaptlets");
    /** Trailer: the call was answered with this adaptlet's challenge. */
    static final Metadata.Key<String> CHALLENGE = ascii("gridlet-challenge");
    /** Trailer: the session is unknown or its configuration changed; open a session again and retry. */
    static final Metadata.Key<String> RENEGOTIATE = ascii("gridlet-renegotiate");

    private static Metadata.Key<String> ascii(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }
}
