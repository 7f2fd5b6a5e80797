package io.gridlet.adaptlets;

import io.gridlet.adaptlets.builtin.Identity;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A small service of strings for the tests, one method of each call kind: {@code test.Meter/Send} (unary; a
 * reading {@code meter:value} is the meter's own data), {@code Repeat} (server streaming: n answers),
 * {@code Upload} (client streaming: counts the messages), {@code Results} (unary, for analysts). Answers name the
 * caller's identity when an adaptlet bound one.
 */
public final class TestService {
    public static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
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

    public static final MethodDescriptor<String, String> SEND = method("Send", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<String, String> REPEAT =
            method("Repeat", MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<String, String> UPLOAD =
            method("Upload", MethodDescriptor.MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<String, String> RESULTS =
            method("Results", MethodDescriptor.MethodType.UNARY);

    private TestService() {
    }

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Meter", name))
                .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    /** The meter a reading {@code meter:value} is from. */
    public static String owner(Object reading) {
        String s = (String) reading;
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    private static String who() {
        Identity id = Identity.CURRENT.get();
        Integer priority = io.gridlet.adaptlets.builtin.Priority.CURRENT.get();
        return (id == null ? "anonymous" : id.id()) + (priority == null ? "" : " at " + priority);
    }

    public static ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder("test.Meter")
                .addMethod(SEND, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("ok " + req + " from " + who());
                    out.onCompleted();
                }))
                .addMethod(REPEAT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    int n = Integer.parseInt(req);
                    for (int i = 0; i < n; i++) out.onNext("item " + i);
                    out.onCompleted();
                }))
                .addMethod(UPLOAD, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<String>() {
                    int count;

                    @Override
                    public void onNext(String value) {
                        count++;
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext("received " + count);
                        out.onCompleted();
                    }
                }))
                .addMethod(RESULTS, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext("results for " + who());
                    out.onCompleted();
                }))
                .build();
    }

    // ---- client helpers ----

    public static String send(Channel channel, String reading) {
        return ClientCalls.blockingUnaryCall(channel, SEND, io.grpc.CallOptions.DEFAULT
                .withDeadlineAfter(20, TimeUnit.SECONDS), reading);
    }

    public static List<String> repeat(Channel channel, int n) {
        List<String> out = new ArrayList<>();
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, REPEAT, io.grpc.CallOptions.DEFAULT
                .withDeadlineAfter(20, TimeUnit.SECONDS), Integer.toString(n));
        it.forEachRemaining(out::add);
        return out;
    }

    public static String upload(Channel channel, int n) throws Exception {
        return uploadAsync(channel, n).get(20, TimeUnit.SECONDS);
    }

    /** Sends {@code n} readings and completes the stream; the future is the server's answer. */
    public static CompletableFuture<String> uploadAsync(Channel channel, int n) {
        CompletableFuture<String> result = new CompletableFuture<>();
        StreamObserver<String> in = ClientCalls.asyncClientStreamingCall(
                channel.newCall(UPLOAD, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)),
                new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {
                        result.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        for (int i = 0; i < n; i++) in.onNext("m:" + i);
        in.onCompleted();
        return result;
    }

    /** The status a call failed with (the exception itself, or the cause a future wrapped it in) and its text. */
    public static void assertStatus(Throwable e, io.grpc.Status.Code code, String text) {
        io.grpc.StatusRuntimeException s = e instanceof io.grpc.StatusRuntimeException r ? r
                : (io.grpc.StatusRuntimeException) org.assertj.core.util.Throwables.getRootCause(e);
        org.assertj.core.api.Assertions.assertThat(s.getStatus().getCode()).isEqualTo(code);
        org.assertj.core.api.Assertions.assertThat(s).hasMessageContaining(text);
    }
}
