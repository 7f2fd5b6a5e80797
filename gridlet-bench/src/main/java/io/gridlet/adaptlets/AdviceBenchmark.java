package io.gridlet.adaptlets;

import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Identity;
import io.gridlet.adaptlets.builtin.Priority;
import io.gridlet.policy.Configuration;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one adaptlet's two halves cost per call, without a transport: the client advice before the call, the
 * server advice on the headers, on the request and at close, and the client advice after the call (which for the
 * puzzle takes the next challenge from the trailers), on the scopes the weaving gives them. {@code none} is the
 * scopes alone; subtract it. The puzzle runs at difficulty 1 (about two hashes to solve), so this is its
 * machinery: one SHA-256 and one HMAC to check, the replay cache, one HMAC and 16 random bytes to issue the next.
 * Run: {@code ./bench jmh AdviceBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class AdviceBenchmark {
    @Param({"none", "puzzle", "auth.hmac", "authz", "priority"})
    public String adaptlet;

    private static final byte[] SECRET = "bench-meter-secret-0123456789".getBytes();
    private static final MethodDescriptor<String, String> METHOD = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bench.Echo/Say")
            .setRequestMarshaller(new Strings()).setResponseMarshaller(new Strings()).build();

    private ClientAdvice client;
    private ServerAdvice server;
    private ClientSession.State clientSession;
    private ServerSessions.Session serverSession;
    private ServerAdvice identity; // authz needs a caller: hmac runs first in its measurement, as in a real chain

    @Setup
    public void setup() {
        Identities ids = new Identities().add("meter-1", SECRET, 3, "meter");
        Map<String, Object> params = Map.of();
        Adaptlet c;
        Adaptlet s;
        switch (adaptlet) {
            case "puzzle":
                c = ClientPuzzle.client();
                // short lifetimes keep the replay caches at the size a real rate would give them
                s = ClientPuzzle.server("0123456789abcdef0123456789abcdef".getBytes(), System::currentTimeMillis, 1_000);
                params = Map.of("difficulty", 1);
                break;
            case "auth.hmac":
                c = HmacAuth.client("meter-1", SECRET);
                s = HmacAuth.server(ids, System::currentTimeMillis, 1_000);
                break;
            case "authz":
                c = Authorization.client();
                s = Authorization.server(Authorization.Rule.of("bench.Echo/*", "meter"));
                break;
            case "priority":
                c = Priority.client();
                s = Priority.server();
                params = Map.of("level", 1);
                break;
            default:
                c = null;
                s = null;
        }
        client = c == null ? null : c.client(params);
        server = s == null ? null : s.server(params);
        Configuration config = new Configuration(Map.of());
        clientSession = new ClientSession.State("0123456789abcdef0123456789abcdef", config, "digest", null,
                new SessionData());
        serverSession = new ServerSessions.Session("0123456789abcdef0123456789abcdef", "policy",
                ServerSessions.Resolved.of(config), System.nanoTime());
        if (adaptlet.equals("puzzle")) call(); // the first call is challenged; its challenge primes the session
        identity = adaptlet.equals("authz") ? call -> {
            call.bind(Identity.CURRENT, ids.identity("meter-1"));
            return Verdict.PROCEED;
        } : null;
    }

    @Benchmark
    public Object call() {
        ClientScope cs = new ClientScope(METHOD, CallOptions.DEFAULT, clientSession);
        cs.nextAttempt(null);
        if (client != null) client.beforeCall(cs);
        Metadata headers = new Metadata();
        headers.merge(cs.headers());
        ServerScope ss = new ServerScope(METHOD, headers, Attributes.EMPTY, serverSession);
        Verdict v = Verdict.PROCEED;
        if (identity != null) identity.onCall(ss);
        if (server != null) {
            v = server.onCall(ss);
            if (v.kind() == Verdict.Kind.REJECT) throw new IllegalStateException(v.toString());
            server.onRequest(ss, "reading");
            server.onClose(ss, Status.OK);
        }
        cs.finished(ss.trailers());
        if (client != null) client.afterCall(cs, Status.OK);
        return v;
    }

    private static final class Strings implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes());
        }

        @Override
        public String parse(InputStream stream) {
            return "";
        }
    }
}
