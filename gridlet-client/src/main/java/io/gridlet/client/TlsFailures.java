package io.gridlet.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

import javax.net.ssl.SSLException;
import java.security.cert.CertificateException;

/**
 * Says in a call's status why a connection failed when TLS is the reason: gRPC reports a failed handshake as
 * "UNAVAILABLE: io exception" with the cause (and a channel pipeline dump) beside it, which a meter's log or a
 * command's one-line error does not show. The status keeps its code and cause; its description becomes one line
 * that names the problem: the service's certificate not trusted or not for this host, a client certificate
 * required or refused, a peer that does not speak TLS.
 */
final class TlsFailures implements ClientInterceptor {
    private final boolean tls;

    TlsFailures(boolean tls) {
        this.tls = tls;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        super.onClose(explain(status), trailers);
                    }
                }, headers);
            }
        };
    }

    /** {@code status} with a description that says what went wrong in TLS, or as it is. */
    Status explain(Status status) {
        if (status.getCode() != Status.Code.UNAVAILABLE) return status;
        if (!tls) { // a TLS server hangs up on plaintext: closed or reset, which other failures can look like too
            boolean hungUp = "Network closed for unknown reason".equals(status.getDescription());
            for (Throwable t = status.getCause(); t != null && !hungUp; t = t.getCause()) {
                hungUp = String.valueOf(t.getMessage()).contains("Connection reset");
            }
            return hungUp ? status.withDescription(String.valueOf(status.getDescription()).lines().findFirst()
                    .orElse("") + " (the service hung up: if it serves TLS, connect with TLS)") : status;
        }
        String why = null;
        for (Throwable t = status.getCause(); t != null && t.getCause() != t; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
                why = "the service does not speak TLS (is it serving plaintext?)";
            } else if (message.contains("CERTIFICATE_REQUIRED")) {
                why = "the service requires a client certificate issued by its client CA";
            } else if (message.contains("ALERT_UNKNOWN_CA") || message.contains("ALERT_BAD_CERTIFICATE")
                    || message.contains("ALERT_CERTIFICATE_UNKNOWN")) {
                why = "the service refused the client certificate (not issued by a CA it trusts?)";
            } else if (message.contains("PKIX path building failed")) {
                why = "the service's certificate is not issued by a trusted CA";
            } else if (t instanceof CertificateException && message.contains("subject alternative names")) {
                why = "the service's certificate is not for this host (" + message.replaceFirst(" for SNIHostName.*",
                        "") + ")";
            } else if (t instanceof CertificateException) {
                why = "the service's certificate was refused: " + message;
            } else if (why == null && t instanceof SSLException) {
                why = message;
            }
        }
        return why == null ? status : status.withDescription("TLS handshake failed: " + why);
    }
}
