package io.gridlet.adaptlets;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * One application call in a session, made of one or more attempts on the real channel. Each attempt carries the
 * session headers and runs the client advice; an attempt that the server closes, before any response, with an
 * adaptlet's challenge or a request to renegotiate is answered (on the session's retry threads: solving a puzzle
 * or renegotiating takes time) and replayed from the kept requests. Once the server sends response headers or a
 * message the call is committed and the application sees it as it comes.
 */
final class WovenCall<Q, R> extends ClientCall<Q, R> {
    private final ClientSession session;
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private final Channel next;
    private final int keep;

    private final Object lock = new Object();
    // guarded by lock
    private Listener<R> app;
    private Metadata appHeaders;
    private ClientCall<Q, R> current;       // null while between attempts
    private ClientSession.State state;
    private Weaver.Applied<ClientAdvice> applied;
    private ClientScope scope;
    private final List<Q> kept = new ArrayList<>(1);
    private boolean overflow;               // more was sent than kept: no retry possible
    private boolean halfClosed;
    private int requested;
    private boolean committed;
    private boolean cancelled;
    private boolean told;                   // the application has had its onClose

    WovenCall(ClientSession session, MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        this.session = session;
        this.method = method;
        this.options = options;
        this.next = next;
        this.keep = method.getType().clientSendsOneMessage() ? 1 : ClientSession.MAX_REPLAYED_MESSAGES;
    }

    @Override
    public void start(Listener<R> listener, Metadata headers) {
        synchronized (lock) {
            app = listener;
            appHeaders = headers;
            state = session.state();
            applied = state.chain().forMethod(method);
            scope = new ClientScope(method, options, state);
            scope.nextAttempt(null);
            launch();
        }
    }

    /** Starts an attempt: advice, headers, the real call, and everything the application did so far. */
    private void launch() {
        for (ClientAdvice a : applied.advice()) a.beforeCall(scope);
        Metadata headers = new Metadata();
        headers.merge(appHeaders);
        headers.put(Headers.SESSION, state.id());
        headers.put(Headers.CONFIG, state.digest());
        if (!applied.isEmpty()) headers.put(Headers.ADAPTLETS, applied.header());
        headers.merge(scope.headers());
        int level = scope.compression();
        ClientCall<Q, R> call = level == 0 ? next.newCall(method, options)
                : compressed(next.newCall(method, options.withCompression(MessageCompression.encoding())), level);
        current = call;
        call.start(new Attempt(call), headers);
        if (requested > 0) call.request(requested);
        for (Q m : kept) call.sendMessage(m);
        if (halfClosed) call.halfClose();
    }

    /** A call whose messages are framed with the gzip level the session agreed ({@link MessageCompression}). */
    private static <Q, R> ClientCall<Q, R> compressed(ClientCall<Q, R> call, int level) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void sendMessage(Q message) {
                MessageCompression.at(level, () -> super.sendMessage(message));
            }
        };
    }

    @Override
    public void request(int numMessages) {
        synchronized (lock) {
            requested += numMessages;
            if (current != null) current.request(numMessages);
        }
    }

    @Override
    public void cancel(String message, Throwable cause) {
        synchronized (lock) {
            cancelled = true;
            if (current != null) {
                current.cancel(message, cause);
                return;
            }
            if (told || app == null) return;
            told = true;
        }
        // between attempts: no real call to cancel, tell the application directly
        deliver(() -> app.onClose(Status.CANCELLED.withDescription(message).withCause(cause), new Metadata()));
    }

    @Override
    public void halfClose() {
        synchronized (lock) {
            halfClosed = true;
            if (current != null) current.halfClose();
        }
    }

    @Override
    public void sendMessage(Q message) {
        synchronized (lock) {
            if (!committed && !overflow) {
                if (kept.size() < keep) kept.add(message);
                else {
                    overflow = true;
                    kept.clear();
                }
            }
            if (current != null) current.sendMessage(message);
        }
    }

    @Override
    public boolean isReady() {
        synchronized (lock) {
            return current != null && current.isReady();
        }
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        synchronized (lock) {
            if (current != null) current.setMessageCompression(enabled);
        }
    }

    @Override
    public Attributes getAttributes() {
        synchronized (lock) {
            return current == null ? Attributes.EMPTY : current.getAttributes();
        }
    }

    /** Listens to one attempt; events of an attempt that is no longer current are dropped. */
    private final class Attempt extends Listener<R> {
        private final ClientCall<Q, R> call;

        Attempt(ClientCall<Q, R> call) {
            this.call = call;
        }

        private boolean commit() {
            synchronized (lock) {
                if (current != call) return false;
                if (!committed) {
                    committed = true;
                    kept.clear();
                }
                return true;
            }
        }

        @Override
        public void onHeaders(Metadata headers) {
            if (commit()) app.onHeaders(headers);
        }

        @Override
        public void onMessage(R message) {
            if (commit()) app.onMessage(message);
        }

        @Override
        public void onReady() {
            boolean mine;
            synchronized (lock) {
                mine = current == call;
            }
            if (mine) app.onReady();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            String challenger = trailers.get(Headers.CHALLENGE);
            boolean renegotiate = trailers.containsKey(Headers.RENEGOTIATE);
            synchronized (lock) {
                if (current != call) return;
                boolean retry = !status.isOk() && !committed && !cancelled && (challenger != null || renegotiate)
                        && scope.attempt() < ClientSession.MAX_ATTEMPTS;
                if (retry && overflow) {
                    status = status.augmentDescription("not retried: the stream sent more than "
                            + ClientSession.MAX_REPLAYED_MESSAGES + " messages before the server's answer");
                } else if (retry) {
                    String who = challenger;
                    Status was = status;
                    try {
                        session.retries().execute(() -> retry(was, trailers, who, renegotiate));
                        current = null;
                        return;
                    } catch (RejectedExecutionException closed) {
                        status = status.augmentDescription("not retried: the session is closed");
                    }
                }
            }
            finish(status, trailers);
        }
    }

    /** Answers a challenge or renegotiates, then launches the next attempt; or gives up with the reason. */
    private void retry(Status status, Metadata trailers, String challenger, boolean renegotiate) {
        Status failure;
        try {
            synchronized (lock) {
                if (cancelled) return; // the application was told in cancel()
                if (renegotiate) {
                    int attempt = scope.attempt();
                    state = session.renegotiate(state);
                    applied = state.chain().forMethod(method);
                    scope = new ClientScope(method, options, state);
                    while (scope.attempt() < attempt) scope.nextAttempt(null);
                    scope.nextAttempt(null);
                    launch();
                    return;
                }
                int at = applied.names().indexOf(challenger);
                scope.nextAttempt(trailers);
                if (at >= 0 && applied.advice().get(at).answer(scope)) {
                    launch();
                    return;
                }
                failure = status.augmentDescription(at < 0
                        ? "challenge from " + challenger + ", which this call does not run"
                        : "the client's " + challenger + " adaptlet did not answer the challenge");
            }
        } catch (RuntimeException e) {
            failure = status.augmentDescription("could not " + (renegotiate ? "renegotiate: " : "answer: ")
                    + e.getMessage()).withCause(e);
        }
        finish(failure, trailers);
    }

    private void finish(Status status, Metadata trailers) {
        List<ClientAdvice> advice;
        synchronized (lock) {
            if (told) return;
            told = true;
            scope.finished(trailers);
            advice = applied.advice();
        }
        for (ClientAdvice a : advice) a.afterCall(scope, status);
        deliver(() -> app.onClose(status, trailers));
    }

    /**
     * Runs a callback to the application on the call's executor, as gRPC does (a blocking stub waits on its own
     * executor for the close); directly when the call has none.
     */
    private void deliver(Runnable callback) {
        Executor executor = options.getExecutor();
        if (executor == null) callback.run();
        else executor.execute(callback);
    }
}
