package io.gridlet.adaptlets;

import io.grpc.Status;

/** The client half of an adaptlet, for one session's configuration. Called for every attempt of a woven call. */
public interface ClientAdvice {
    /** Before an attempt goes out: put the call's data (a signature, a priority class, a solution). */
    default void beforeCall(ClientScope call) {
    }

    /**
     * The server answered this attempt with this adaptlet's challenge (read it with {@link ClientScope#get} from
     * the trailers). Prepare the next attempt (put data for it); return false if this client will not answer (a
     * puzzle harder than agreed), and the call fails with the server's status.
     */
    default boolean answer(ClientScope call) {
        return false;
    }

    /** The call is over (after the last attempt): read what the server sent back for later calls. */
    default void afterCall(ClientScope call, Status status) {
    }
}
