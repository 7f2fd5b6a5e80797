package io.gridlet.server.keys;

import com.google.protobuf.ByteString;
import io.gridlet.client.LiveProtocol;
import io.gridlet.enclave.attestation.Attestation;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.attestation.ReleasedKeys;
import io.gridlet.enclave.attestation.TrustedRuntime;
import io.gridlet.proto.Bounds;
import io.gridlet.proto.keys.v1.ChallengeRequest;
import io.gridlet.proto.keys.v1.KeyBrokerGrpc;
import io.gridlet.proto.keys.v1.Nonce;
import io.gridlet.proto.keys.v1.ReleaseRequest;
import io.gridlet.proto.keys.v1.Released;
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
 * The key broker as a gRPC service, for a runtime on another machine: {@code gridlet.keys.v1.KeyBroker/Challenge} (a
 * one-time nonce) and {@code gridlet.keys.v1.KeyBroker/Release} (an attestation in, the data keys sealed to the runtime's
 * key out). Serve it behind {@code auth.mtls} + {@code authz} (a {@code runtime} role): the channel is mutually
 * authenticated, and what the broker releases can only be opened by the runtime that attested anyway.
 */
public final class KeyBrokerService {
    public static final String SERVICE = KeyBrokerGrpc.SERVICE_NAME;
    /** The server policy the broker runs under: a client certificate, and the runtime role. */
    public static final String POLICY = "policy key-broker { feature auth.mtls; feature authz; auth.mtls; authz; }";

    /** The generated methods; Release takes its request as bytes, so a malformed one is answered, not dropped. */
    static final MethodDescriptor<ChallengeRequest, Nonce> CHALLENGE = KeyBrokerGrpc.getChallengeMethod();
    static final MethodDescriptor<ReleaseRequest, Released> RELEASE = KeyBrokerGrpc.getReleaseMethod();
    private static final MethodDescriptor<byte[], Released> RELEASE_BYTES = RELEASE.toBuilder(LiveProtocol.BYTES,
            RELEASE.getResponseMarshaller()).build();

    /** A release request has one bytes field; a few unknown ones are skipped. */
    private static final Bounds REQUEST = new Bounds(0, 64);

    private KeyBrokerService() {
    }

    /** The service over {@code broker}; a refusal is PERMISSION_DENIED with the broker's reason. */
    public static ServerServiceDefinition definition(KeyBroker broker) {
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(CHALLENGE, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        response.onNext(Nonce.newBuilder().setNonce(ByteString.copyFrom(broker.challenge())).build());
                        response.onCompleted();
                    } catch (IllegalStateException e) { // too many outstanding
                        response.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage())
                                .asRuntimeException());
                    }
                }))
                .addMethod(RELEASE_BYTES, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        byte[] attestation = REQUEST.parse(ReleaseRequest.getDefaultInstance(), request)
                                .getAttestation().toByteArray();
                        response.onNext(Released.newBuilder().setKeys(ByteString.copyFrom(
                                broker.release(Attestation.decode(attestation)).encode())).build());
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
        byte[] nonce = ClientCalls.blockingUnaryCall(channel, CHALLENGE, options, ChallengeRequest.getDefaultInstance())
                .getNonce().toByteArray();
        Released released = ClientCalls.blockingUnaryCall(channel, RELEASE, options, ReleaseRequest.newBuilder()
                .setAttestation(ByteString.copyFrom(runtime.attest(nonce).encode())).build());
        return runtime.receiveAll(ReleasedKeys.decode(released.getKeys().toByteArray()));
    }
}
