package io.gridlet.client;

import io.gridlet.adaptlets.ClientSession;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;

import java.util.Iterator;

/**
 * One identity's session with the live service, for what is not metering: ending the data (role operator) and
 * subscribing to results (analyst or operator). Calls fail with the service's {@code StatusRuntimeException}.
 */
public final class LiveClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final ClientSession session;

    private LiveClient(ManagedChannel channel, ClientSession session) {
        this.channel = channel;
        this.session = session;
    }

    /** Opens a session at {@code target} (host:port) offering {@code policy}, as {@code identity}, in plaintext. */
    public static LiveClient open(String target, String policy, ClientIdentity identity) {
        return open(target, Transport.plaintext(), policy, identity);
    }

    /** Opens a session at {@code target} (host:port) over {@code transport}, offering {@code policy}. */
    public static LiveClient open(String target, Transport transport, String policy, ClientIdentity identity) {
        ManagedChannel channel = transport.channel(target);
        try {
            return new LiveClient(channel, ClientSession.open(channel, policy, identity.adaptlets(transport)));
        } catch (RuntimeException e) {
            channel.shutdownNow();
            throw e;
        }
    }

    /** No more data will come: the service's job drains, writes its final result files and stops. */
    public void endOfData() {
        ClientCalls.blockingUnaryCall(session.channel(), LiveProtocol.END_OF_DATA, CallOptions.DEFAULT, new byte[0]);
    }

    /** Results from now on, as the job produces them, until the service stops (blocking iterator). */
    public Iterator<LiveProtocol.Result> subscribe(LiveProtocol.Subscription filter) {
        Iterator<byte[]> raw = ClientCalls.blockingServerStreamingCall(session.channel(), LiveProtocol.SUBSCRIBE,
                CallOptions.DEFAULT, filter.encode());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return raw.hasNext();
            }

            @Override
            public LiveProtocol.Result next() {
                return LiveProtocol.Result.decode(raw.next());
            }
        };
    }

    @Override
    public void close() {
        try {
            session.close();
        } finally {
            channel.shutdownNow();
        }
    }
}
