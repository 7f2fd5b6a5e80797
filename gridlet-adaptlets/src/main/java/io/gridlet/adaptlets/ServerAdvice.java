package io.gridlet.adaptlets;

import io.grpc.Status;

/** The server half of an adaptlet, for one session's configuration. Shared by all calls of such sessions. */
public interface ServerAdvice {
    /** The call's headers arrived: proceed, refuse, or challenge. */
    Verdict onCall(ServerScope call);

    /** A request message arrived on a call that was let in (checks on the data, such as ownership). */
    default Verdict onRequest(ServerScope call, Object request) {
        return Verdict.PROCEED;
    }

    /** The application closes the call with this status: put data for the client into the trailers. */
    default void onClose(ServerScope call, Status status) {
    }
}
