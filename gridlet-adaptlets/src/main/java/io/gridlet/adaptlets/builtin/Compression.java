package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.Verdict;
import io.grpc.Metadata;

import java.util.Map;

/**
 * {@code compress(level)}: the session's messages travel gzip-compressed (gRPC message compression, encoding
 * {@code gzip}, which every gRPC implementation reads), each end compressing what it sends at the agreed level
 * (1 fastest .. 9 smallest). The client asks for it per call (the call's compressor); the server compresses its
 * responses. A receiver decompresses whatever level the sender chose, so the level is the sender's cost/size
 * trade-off, negotiated like any parameter: a peer that can only compress at one level says so in its policy.
 *
 * <p>How the level reaches gRPC's compressor: {@link io.gridlet.adaptlets.MessageCompression}.
 */
public final class Compression implements Adaptlet {
    public static final String NAME = "compress";
    public static final int MIN_LEVEL = 1;
    public static final int MAX_LEVEL = 9;
    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding",
            Metadata.ASCII_STRING_MARSHALLER);

    private final boolean server;

    private Compression(boolean server) {
        this.server = server;
    }

    public static Compression client() {
        return new Compression(false);
    }

    public static Compression server() {
        return new Compression(true);
    }

    @Override
    public String name() {
        return NAME;
    }

    private static int level(Map<String, Object> params) {
        int level = Adaptlet.intParam(NAME, params, "level");
        if (level < MIN_LEVEL || level > MAX_LEVEL) {
            throw new IllegalArgumentException("compress.level must be " + MIN_LEVEL + ".." + MAX_LEVEL + ", got "
                    + level + " (declare: feature compress(level: 1..9))");
        }
        return level;
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        int level = level(params);
        return new ClientAdvice() {
            @Override
            public void beforeCall(io.gridlet.adaptlets.ClientScope call) {
                call.compress(level);
            }
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (!server) throw Adaptlet.wrongSide(NAME, "server");
        int level = level(params);
        return call -> {
            call.compress(level);
            // counted by what the client did: its requests compressed (grpc-encoding) or not (not refused)
            String encoding = call.headers().get(ENCODING);
            return Verdict.proceed(encoding != null && !encoding.equals("identity") ? "compressed" : "uncompressed");
        };
    }
}
