package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.gridlet.policy.Negotiation;
import io.gridlet.policy.PolicyParser;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The session service on the wire: {@code gridlet.Session/Open}, a unary call carrying the policy
 * {@link Negotiation.Offer} and answering the {@link Negotiation.Answer} plus, when agreed, the new session's id.
 * The messages are a small binary format of their own (length-prefixed UTF-8 strings, big-endian numbers); the
 * decoder bounds every length and refuses anything malformed with an {@link IllegalArgumentException}.
 */
public final class SessionProtocol {
    public static final String SERVICE = "gridlet.Session";

    private SessionProtocol() {
    }

    /** The answer to an offer, and the session it opened (null unless agreed). */
    public record Reply(Negotiation.Answer answer, String sessionId) {
    }

    public static final MethodDescriptor<Negotiation.Offer, Reply> OPEN =
            MethodDescriptor.<Negotiation.Offer, Reply>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Open"))
                    .setRequestMarshaller(marshaller(SessionProtocol::writeOffer, SessionProtocol::readOffer))
                    .setResponseMarshaller(marshaller(SessionProtocol::writeReply, SessionProtocol::readReply))
                    .setIdempotent(true)
                    .build();

    /**
     * {@link #OPEN} as the server registers it: the request's bytes (the transport holds a message of up to
     * grpc's inbound limit, 4 MiB by default, RESOURCE_EXHAUSTED beyond; this copies at most the session bound
     * and one byte) are decoded in the handler ({@link #decodeOffer}), so a malformed offer is answered with its
     * INVALID_ARGUMENT; a marshaller that throws makes grpc-java answer UNKNOWN "Application error".
     */
    static final MethodDescriptor<byte[], Reply> OPEN_BYTES = OPEN.toBuilder(new MethodDescriptor.Marshaller<byte[]>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readNBytes(MAX_MESSAGE + 1); // more than the bound: refused by decodeOffer
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }, OPEN.getResponseMarshaller()).build();

    /** An offer from its bytes; anything else is an INVALID_ARGUMENT StatusRuntimeException saying why. */
    static Negotiation.Offer decodeOffer(byte[] bytes) {
        return decode(bytes, SessionProtocol::readOffer);
    }

    /**
     * A configuration's digest: the first 8 bytes of SHA-256 over its canonical text
     * ({@link Configuration#canonical}), in hex.
     */
    public static String digest(Configuration configuration) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest(configuration.canonical().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- codec ----

    private static final int MAX_MESSAGE = PolicyParser.MAX_CHARS * 4 + 4096;
    private static final int MAX_ITEMS = 4096;

    private interface Writer<T> {
        void write(T value, DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static <T> MethodDescriptor.Marshaller<T> marshaller(Writer<T> writer, Reader<T> reader) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(T value) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    writer.write(value, out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return new ByteArrayInputStream(bytes.toByteArray());
            }

            @Override
            public T parse(InputStream stream) {
                try {
                    return decode(stream.readNBytes(MAX_MESSAGE + 1), reader);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static <T> T decode(byte[] all, Reader<T> reader) {
        try {
            if (all.length > MAX_MESSAGE) throw new IllegalArgumentException("message longer than " + MAX_MESSAGE
                    + " bytes");
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(all));
            T value = reader.read(in);
            if (in.available() > 0) throw new IllegalArgumentException("trailing bytes after the message");
            return value;
        } catch (EOFException e) {
            throw malformed("message cut short");
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static StatusRuntimeException malformed(String why) {
        return Status.INVALID_ARGUMENT.withDescription("malformed session message: " + why).asRuntimeException();
    }

    static void writeOffer(Negotiation.Offer offer, DataOutputStream out) throws IOException {
        writeString(out, offer.digest());
        out.writeBoolean(offer.policyText() != null);
        if (offer.policyText() != null) writeString(out, offer.policyText());
    }

    static Negotiation.Offer readOffer(DataInputStream in) throws IOException {
        String digest = readString(in);
        String text = in.readBoolean() ? readString(in) : null;
        return new Negotiation.Offer(digest, text);
    }

    private static final int AGREED = 1;
    private static final int NEED_POLICY = 2;
    private static final int REFUSED = 3;

    static void writeReply(Reply reply, DataOutputStream out) throws IOException {
        Negotiation.Answer answer = reply.answer();
        if (answer instanceof Negotiation.Agreed a) {
            out.writeByte(AGREED);
            writeString(out, reply.sessionId());
            writeConfiguration(out, a.configuration());
            out.writeInt(a.inputs().size());
            for (Map.Entry<String, Double> e : a.inputs().entrySet()) {
                writeString(out, e.getKey());
                out.writeDouble(e.getValue());
            }
            out.writeLong(a.score());
        } else if (answer instanceof Negotiation.NeedPolicy n) {
            out.writeByte(NEED_POLICY);
            writeString(out, n.digest());
        } else {
            Negotiation.Refused r = (Negotiation.Refused) answer;
            out.writeByte(REFUSED);
            writeString(out, r.reason().name());
            out.writeInt(r.details().size());
            for (String d : r.details()) writeString(out, d);
        }
    }

    static Reply readReply(DataInputStream in) throws IOException {
        int kind = in.readByte();
        switch (kind) {
            case AGREED: {
                String id = readString(in);
                Configuration c = readConfiguration(in);
                int n = count(in);
                Map<String, Double> inputs = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) inputs.put(readString(in), in.readDouble());
                return new Reply(new Negotiation.Agreed(c, inputs, in.readLong()), id);
            }
            case NEED_POLICY:
                return new Reply(new Negotiation.NeedPolicy(readString(in)), null);
            case REFUSED: {
                Negotiation.Reason reason;
                try {
                    reason = Negotiation.Reason.valueOf(readString(in));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown refusal reason");
                }
                int n = count(in);
                List<String> details = new ArrayList<>();
                for (int i = 0; i < n; i++) details.add(readString(in));
                return new Reply(new Negotiation.Refused(reason, details), null);
            }
            default:
                throw new IllegalArgumentException("unknown answer kind " + kind);
        }
    }

    private static void writeConfiguration(DataOutputStream out, Configuration c) throws IOException {
        out.writeInt(c.features().size());
        for (Map.Entry<String, Map<String, Object>> f : c.features().entrySet()) {
            writeString(out, f.getKey());
            out.writeInt(f.getValue().size());
            for (Map.Entry<String, Object> p : f.getValue().entrySet()) {
                writeString(out, p.getKey());
                Object v = p.getValue();
                if (v instanceof Integer i) {
                    out.writeByte('i');
                    out.writeInt(i);
                } else if (v instanceof Boolean b) {
                    out.writeByte('b');
                    out.writeBoolean(b);
                } else if (v instanceof Double d) {
                    out.writeByte('d');
                    out.writeDouble(d);
                } else {
                    out.writeByte('s');
                    writeString(out, (String) v);
                }
            }
        }
    }

    private static Configuration readConfiguration(DataInputStream in) throws IOException {
        int n = count(in);
        Map<String, Map<String, Object>> features = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String feature = readString(in);
            int m = count(in);
            Map<String, Object> params = new TreeMap<>();
            for (int j = 0; j < m; j++) {
                String name = readString(in);
                int tag = in.readByte();
                Object v;
                if (tag == 'i') v = in.readInt();
                else if (tag == 'b') v = in.readBoolean();
                else if (tag == 's') v = readString(in);
                else if (tag == 'd') v = in.readDouble();
                else throw new IllegalArgumentException("unknown parameter type " + tag);
                params.put(name, v);
            }
            features.put(feature, params);
        }
        return new Configuration(features);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_ITEMS) throw new IllegalArgumentException("a count of " + n + " items");
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) throw new IllegalArgumentException("a string of " + n + " bytes");
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
