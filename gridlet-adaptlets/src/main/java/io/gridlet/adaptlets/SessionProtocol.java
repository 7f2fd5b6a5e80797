package io.gridlet.adaptlets;

import com.google.protobuf.Message;
import io.gridlet.policy.Configuration;
import io.gridlet.proto.session.v1.Agreed;
import io.gridlet.proto.session.v1.Feature;
import io.gridlet.proto.session.v1.Input;
import io.gridlet.proto.session.v1.NeedPolicy;
import io.gridlet.proto.session.v1.Offer;
import io.gridlet.proto.session.v1.Parameter;
import io.gridlet.proto.session.v1.Refused;
import io.gridlet.proto.session.v1.SessionGrpc;
import io.gridlet.policy.Negotiation;
import io.gridlet.policy.PolicyParser;
import io.gridlet.proto.Bounds;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The session service on the wire: {@code gridlet.session.v1.Session/Open} (proto/gridlet/session/v1), a unary
 * call carrying the policy {@link Negotiation.Offer} and answering the {@link Negotiation.Answer} plus, when agreed,
 * the new session's id. The decoder bounds the message and every count, and refuses anything malformed (a
 * parameter without a value, a feature or parameter twice, a reply without an answer) with INVALID_ARGUMENT.
 */
public final class SessionProtocol {
    public static final String SERVICE = SessionGrpc.SERVICE_NAME;

    private SessionProtocol() {
    }

    /** The answer to an offer, and the session it opened (null unless agreed). */
    public record Reply(Negotiation.Answer answer, String sessionId) {
    }

    public static final MethodDescriptor<Negotiation.Offer, Reply> OPEN =
            MethodDescriptor.<Negotiation.Offer, Reply>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(SessionGrpc.getOpenMethod().getFullMethodName())
                    .setRequestMarshaller(marshaller(SessionProtocol::encodeOffer, SessionProtocol::decodeOffer))
                    .setResponseMarshaller(marshaller(SessionProtocol::encodeReply, SessionProtocol::decodeReply))
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
        return decode(bytes, Offer.getDefaultInstance(), SessionProtocol::readOffer);
    }

    /** A reply from its bytes; anything else is an INVALID_ARGUMENT StatusRuntimeException saying why. */
    static Reply decodeReply(byte[] bytes) {
        return decode(bytes, io.gridlet.proto.session.v1.Reply.getDefaultInstance(), SessionProtocol::readReply);
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

    // ---- codec: gridlet.session.v1 (proto/gridlet/session/v1/session.proto), bounded ----

    private static final int MAX_MESSAGE = PolicyParser.MAX_CHARS * 4 + 4096;
    private static final int MAX_ITEMS = 4096;
    /** What a peer's session message may make the parser hold: the item bound per repeated field, few unknowns. */
    private static final Bounds BOUNDS = new Bounds(MAX_ITEMS, 64);

    private static <T> MethodDescriptor.Marshaller<T> marshaller(Function<T, byte[]> encoder,
                                                                 Function<byte[], T> decoder) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(T value) {
                return new ByteArrayInputStream(encoder.apply(value));
            }

            @Override
            public T parse(InputStream stream) {
                try {
                    return decoder.apply(stream.readNBytes(MAX_MESSAGE + 1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    private static <P extends Message, T> T decode(byte[] all, P prototype, Function<P, T> reader) {
        try {
            if (all.length > MAX_MESSAGE) throw new IllegalArgumentException("message longer than " + MAX_MESSAGE
                    + " bytes");
            return reader.apply(BOUNDS.parse(prototype, all));
        } catch (IllegalArgumentException e) {
            throw malformed(e.getMessage());
        }
    }

    private static StatusRuntimeException malformed(String why) {
        return Status.INVALID_ARGUMENT.withDescription("malformed session message: " + why).asRuntimeException();
    }

    static byte[] encodeOffer(Negotiation.Offer offer) {
        Offer.Builder out = Offer.newBuilder().setDigest(offer.digest());
        if (offer.policyText() != null) out.setPolicyText(offer.policyText());
        return out.build().toByteArray();
    }

    private static Negotiation.Offer readOffer(Offer in) {
        return new Negotiation.Offer(in.getDigest(), in.hasPolicyText() ? in.getPolicyText() : null);
    }

    static byte[] encodeReply(Reply reply) {
        Negotiation.Answer answer = reply.answer();
        io.gridlet.proto.session.v1.Reply.Builder out = io.gridlet.proto.session.v1.Reply.newBuilder();
        if (answer instanceof Negotiation.Agreed a) {
            Agreed.Builder agreed = Agreed.newBuilder().setSessionId(reply.sessionId()).setScore(a.score());
            for (Map.Entry<String, Map<String, Object>> f : a.configuration().features().entrySet()) {
                Feature.Builder feature = Feature.newBuilder().setName(f.getKey());
                for (Map.Entry<String, Object> p : f.getValue().entrySet()) {
                    Parameter.Builder parameter = Parameter.newBuilder().setName(p.getKey());
                    Object v = p.getValue();
                    if (v instanceof Integer i) parameter.setIntValue(i);
                    else if (v instanceof Boolean b) parameter.setBoolValue(b);
                    else if (v instanceof Double d) parameter.setRealValue(d);
                    else parameter.setEnumValue((String) v);
                    feature.addParameters(parameter);
                }
                agreed.addFeatures(feature);
            }
            for (Map.Entry<String, Double> e : a.inputs().entrySet()) {
                agreed.addInputs(Input.newBuilder().setName(e.getKey()).setValue(e.getValue()));
            }
            out.setAgreed(agreed);
        } else if (answer instanceof Negotiation.NeedPolicy n) {
            out.setNeedPolicy(NeedPolicy.newBuilder().setDigest(n.digest()));
        } else {
            Negotiation.Refused r = (Negotiation.Refused) answer;
            out.setRefused(Refused.newBuilder().setReason(r.reason().name()).addAllDetails(r.details()));
        }
        return out.build().toByteArray();
    }

    private static Reply readReply(io.gridlet.proto.session.v1.Reply in) {
        switch (in.getAnswerCase()) {
            case AGREED: {
                Agreed a = in.getAgreed();
                if (!a.getSessionId().matches("[0-9a-f]{32}")) {
                    throw new IllegalArgumentException("a session id that is not 32 lowercase hex characters");
                }
                count(a.getFeaturesCount());
                count(a.getInputsCount());
                Map<String, Map<String, Object>> features = new TreeMap<>();
                for (Feature f : a.getFeaturesList()) {
                    count(f.getParametersCount());
                    Map<String, Object> params = new TreeMap<>();
                    for (Parameter p : f.getParametersList()) {
                        Object v = switch (p.getValueCase()) {
                            case INT_VALUE -> p.getIntValue();
                            case BOOL_VALUE -> p.getBoolValue();
                            case REAL_VALUE -> p.getRealValue();
                            case ENUM_VALUE -> p.getEnumValue();
                            case VALUE_NOT_SET -> throw new IllegalArgumentException("parameter " + p.getName()
                                    + " of " + f.getName() + " has no value");
                        };
                        if (params.put(p.getName(), v) != null) {
                            throw new IllegalArgumentException("parameter " + p.getName() + " of " + f.getName()
                                    + " twice");
                        }
                    }
                    if (features.put(f.getName(), params) != null) {
                        throw new IllegalArgumentException("feature " + f.getName() + " twice");
                    }
                }
                Map<String, Double> inputs = new LinkedHashMap<>();
                for (Input i : a.getInputsList()) {
                    if (inputs.put(i.getName(), i.getValue()) != null) {
                        throw new IllegalArgumentException("input " + i.getName() + " twice");
                    }
                }
                return new Reply(new Negotiation.Agreed(new Configuration(features), inputs, a.getScore()),
                        a.getSessionId());
            }
            case NEED_POLICY:
                return new Reply(new Negotiation.NeedPolicy(in.getNeedPolicy().getDigest()), null);
            case REFUSED: {
                Negotiation.Reason reason;
                try {
                    reason = Negotiation.Reason.valueOf(in.getRefused().getReason());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("unknown refusal reason");
                }
                count(in.getRefused().getDetailsCount());
                return new Reply(new Negotiation.Refused(reason, List.copyOf(in.getRefused().getDetailsList())),
                        null);
            }
            default:
                throw new IllegalArgumentException("a reply with no answer");
        }
    }

    private static void count(int n) {
        if (n > MAX_ITEMS) throw new IllegalArgumentException("a count of " + n + " items");
    }
}
