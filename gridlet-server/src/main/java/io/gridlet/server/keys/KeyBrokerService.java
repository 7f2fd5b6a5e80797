package io.gridlet.server.keys;

import io.gridlet.client.LiveProtocol;
import io.gridlet.enclave.attestation.Attestation;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.attestation.ReleasedKeys;
import io.gridlet.enclave.attestation.TrustedRuntime;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

import java.util.concurrent.TimeUnit;

/**
 * The key broker as a gRPC service, for a runtime on another machine: {@code gridlet.KeyBroker/Challenge} (a
 * one-time nonce) and {@code gridlet.KeyBroker/Release} (an attestation in, the data keys sealed to the runtime's
 * key out). Serve it behind {@code auth.mtls} + {@code authz} (a {@code runtime} role): the channel is mutually
 * authenticated, and what the broker releases can only be opened by the runtime that attested anyway.
 */
public final class KeyBrokerService {
    public static final String SERVICE = "gridlet.KeyBroker";
    /** The server policy the broker runs under: a client certificate, and the runtime role. */
    public static final String POLICY = "policy key-broker { feature auth.mtls; feature authz; auth.mtls; authz; }";

    static final MethodDescriptor<byte[], byte[]> CHALLENGE = method("Challenge");
    static final MethodDescriptor<byte[], byte[]> RELEASE = method("Release");

    private KeyBrokerService() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(LiveProtocol.BYTES).setResponseMarshaller(LiveProtocol.BYTES).build();
    }

    /** The service over {@code broker}; a refusal is PERMISSION_DENIED with the broker's reason. */
    public static ServerServiceDefinition definition(KeyBroker broker) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(CHALLENGE, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        response.onNext(broker.challenge());
                        response.onCompleted();
                    } catch (IllegalStateException e) { // too many outstanding
                        response.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage())
                                .asRuntimeException());
                    }
                }))
                .addMethod(RELEASE, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        response.onNext(broker.release(Attestation.decode(request)).encode());
                        response.onCompleted();
                    } catch (IllegalArgumentException e) {
                        response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                    } catch (KeyReleaseException e) {
                        response.onError(Status.PERMISSION_DENIED.withDescription(e.getMessage())
                                .asRuntimeException());
                    }
                }))
                .build();
    }

    /**
     * The runtime's side: asks the broker on {@code channel} (a session's channel, mutually authenticated) for a
     * nonce, attests, and opens what the broker releases.
     *
     * @throws StatusRuntimeException PERMISSION_DENIED with the broker's reason when it refuses
     */
    public static TrustedRuntime.Keys fetch(Channel channel, TrustedRuntime runtime) {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        byte[] nonce = ClientCalls.blockingUnaryCall(channel, CHALLENGE, options, new byte[0]);
        byte[] released = ClientCalls.blockingUnaryCall(channel, RELEASE, options,
                runtime.attest(nonce).encode());
        return runtime.receiveAll(ReleasedKeys.decode(released));
    }
}
