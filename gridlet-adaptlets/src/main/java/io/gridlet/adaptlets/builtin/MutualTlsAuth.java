package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.Verdict;
import io.grpc.Grpc;
import io.grpc.Status;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Map;

/**
 * {@code auth.mtls}: the caller is the subject of the client certificate the TLS handshake verified (its common
 * name is the identity's id). The handshake does the cryptography (the server is built with TLS credentials that
 * require and verify client certificates against the meters' CA); the server half maps the verified certificate
 * to an {@link Identity} and refuses (UNAUTHENTICATED) a call on a connection without one or with an unknown
 * name; the session becomes the caller's (a call in another identity's session: PERMISSION_DENIED). The client
 * half has nothing to do per call: its certificate is in the channel's credentials.
 */
public final class MutualTlsAuth implements Adaptlet {
    public static final String NAME = "auth.mtls";

    private final Identities identities;

    private MutualTlsAuth(Identities identities) {
        this.identities = identities;
    }

    public static MutualTlsAuth client() {
        return new MutualTlsAuth(null);
    }

    public static MutualTlsAuth server(Identities identities) {
        return new MutualTlsAuth(identities);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        return new ClientAdvice() {
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (identities == null) throw Adaptlet.wrongSide(NAME, "server");
        return call -> {
            SSLSession tls = call.attributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            if (tls == null) {
                return refuse("no-certificate", "auth.mtls needs a TLS connection with a client certificate");
            }
            Certificate[] chain;
            try {
                chain = tls.getPeerCertificates();
            } catch (SSLPeerUnverifiedException e) {
                return refuse("no-certificate", "the connection has no verified client certificate");
            }
            String name = commonName((X509Certificate) chain[0]);
            Identity who = name == null ? null : identities.identity(name);
            if (who == null) return refuse("unknown-identity", "no identity for certificate " + name);
            if (!call.authenticated(who.id())) {
                return Verdict.reject(Status.PERMISSION_DENIED.withDescription(who.id()
                        + " called in another identity's session"), "other-identity");
            }
            call.bind(Identity.CURRENT, who);
            return Verdict.PROCEED;
        };
    }

    static String commonName(X509Certificate cert) {
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    private static Verdict refuse(String outcome, String why) {
        return Verdict.reject(Status.UNAUTHENTICATED.withDescription(why), outcome);
    }
}
