package io.gridlet.adaptlets;

import io.grpc.Codec;
import io.grpc.Compressor;
import io.grpc.CompressorRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.Supplier;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * gzip message compression at a level chosen per call ({@code compress(level)}, {@link ClientScope#compress},
 * {@link ServerScope#compress}). gRPC looks a compressor up by its encoding name, one registry per channel or
 * server, and every implementation reads {@code gzip}; so the level travels with each message instead: a woven call
 * sets it on the thread that frames the message ({@link #at}), and this class registers, in gRPC's default
 * registry, a {@code gzip} compressor that reads it (Java's default level, 6, where none is set).
 *
 * <p>grpc-java frames a message on the thread that sends it once the call's stream exists (a server's responses
 * always); the first messages of a client call started before its channel connected are framed later, at level
 * 6. A session's Open connects the channel first, so woven calls find it connected.
 */
public final class MessageCompression {
    private static final ThreadLocal<Integer> LEVEL = new ThreadLocal<>();
    private static final Compressor GZIP = new Compressor() {
        @Override
        public String getMessageEncoding() {
            return new Codec.Gzip().getMessageEncoding();
        }

        @Override
        public OutputStream compress(OutputStream os) throws IOException {
            Integer level = LEVEL.get();
            return new GZIPOutputStream(os) {
                {
                    def.setLevel(level == null ? Deflater.DEFAULT_COMPRESSION : level);
                }
            };
        }
    };

    static {
        CompressorRegistry.getDefaultInstance().register(GZIP);
    }

    private MessageCompression() {
    }

    /** The encoding name a compressed call asks for: {@code gzip}. */
    public static String encoding() {
        return GZIP.getMessageEncoding();
    }

    /** Runs {@code send} (which frames a message) with {@code level} for the gzip compressor on this thread. */
    static void at(int level, Runnable send) {
        Integer before = LEVEL.get();
        LEVEL.set(level);
        try {
            send.run();
        } finally {
            if (before == null) LEVEL.remove();
            else LEVEL.set(before);
        }
    }
}
