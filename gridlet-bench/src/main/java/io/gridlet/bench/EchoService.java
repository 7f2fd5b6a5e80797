package io.gridlet.bench;

import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/** {@code bench.Echo/Say}: a unary call of strings, the smallest service the adaptlet benchmarks call. */
final class EchoService {
    static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("bench.Echo", "Say"))
            .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();

    private EchoService() {
    }

    /** The service, answering each request with {@code handler(request)} on a server worker. */
    static ServerServiceDefinition definition(UnaryOperator<String> handler) {
        return ServerServiceDefinition.builder("bench.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(handler.apply(req));
                    out.onCompleted();
                }))
                .build();
    }
}
