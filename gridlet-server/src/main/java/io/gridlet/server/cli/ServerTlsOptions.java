package io.gridlet.server.cli;

import io.gridlet.server.live.ServerTls;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code gridlet serve}'s transport options: TLS on the port ({@code --tls-cert}, {@code --tls-key}), client
 * certificates required ({@code --client-ca}), and {@code --insecure}, without which a plaintext service listens on
 * loopback only.
 */
final class ServerTlsOptions {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve TLS with this certificate (PEM; the chain, the server's own first), with --tls-key. "
                    + "Meters and subscribers then connect with --ca. Without it the port is plaintext.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The private key of --tls-cert (PEM, unencrypted PKCS#8: BEGIN PRIVATE KEY).")
    Path key;

    @Option(names = "--client-ca", paramLabel = "FILE",
            description = "With --tls-cert: require every client to present a certificate issued by a CA in FILE "
                    + "(PEM; gridlet meter/results --cert --key); others are refused in the handshake. Where the "
                    + "policies negotiate auth.mtls the certificate's common name is the caller's id in "
                    + "--identities.")
    Path clientCa;

    @Option(names = "--insecure",
            description = "Allow plaintext (no --tls-cert) on an address other than loopback: readings, "
                    + "acknowledgements and results then cross the network unencrypted, and anyone on the path can "
                    + "read or rewrite them (auth.hmac signs calls, not their messages). Without it such a --bind is "
                    + "refused.")
    boolean insecure;

    /**
     * The TLS to serve with (null: plaintext, allowed on loopback or with --insecure only).
     *
     * @throws UserError for options that do not go together, an unreadable or invalid file (named), or a plaintext
     *                   non-loopback {@code bind} without --insecure
     */
    ServerTls load(String bind) {
        if ((cert == null) != (key == null)) throw new UserError("--tls-cert and --tls-key go together");
        if (cert == null) {
            if (clientCa != null) throw new UserError("--client-ca needs --tls-cert and --tls-key");
            checkPlaintext(bind, insecure);
            return null;
        }
        try {
            return ServerTls.load(cert, key, clientCa);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** Tells the user what the port serves: TLS and how, or plaintext beyond loopback (on loopback: nothing). */
    static void announce(PrintWriter err, ServerTls tls, String bind) {
        if (tls != null) {
            err.println("gridlet serve: the port serves " + tls);
        } else if (!isLoopback(bind)) {
            err.println("gridlet serve: the port serves PLAINTEXT on " + bind + " (--insecure): anyone on the path "
                    + "can read and rewrite readings and results");
        }
    }

    /** Refuses plaintext on {@code bind} unless it is loopback or the user said --insecure. */
    static void checkPlaintext(String bind, boolean insecure) {
        if (!insecure && !isLoopback(bind)) {
            throw new UserError("refusing to listen on " + bind + " without TLS: meters' readings and results would "
                    + "cross the network in the clear, open to reading and rewriting; give --tls-cert FILE and "
                    + "--tls-key FILE (see docs/live-service.md), or --insecure to serve plaintext anyway");
        }
    }

    /**
     * Whether {@code bind} is a loopback address: an IPv4 literal in 127.0.0.0/8, an IPv6 literal for ::1 (or
     * IPv4-mapped 127/8), or "localhost". Any other name counts as not loopback, unresolved: a name is only as
     * local as the resolver says at the time.
     */
    static boolean isLoopback(String bind) {
        String b = bind.strip();
        if (b.toLowerCase(Locale.ROOT).equals("localhost")) return true;
        if (IPV4.matcher(b).matches()) {
            String[] octets = b.split("\\.");
            for (String o : octets) {
                if (Integer.parseInt(o) > 255) return false;
            }
            return Integer.parseInt(octets[0]) == 127;
        }
        if (b.startsWith("[") && b.endsWith("]")) b = b.substring(1, b.length() - 1);
        if (!b.contains(":") || Character.digit(b.charAt(0), 16) < 0 && b.charAt(0) != ':') {
            return false; // a host name: not resolved here
        }
        try {
            return InetAddress.getByName(b).isLoopbackAddress(); // an IPv6 literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
