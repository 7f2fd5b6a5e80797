package io.gridlet.adaptlets;

import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A server on 127.0.0.1 (ephemeral port) and the channels and sessions made to it, closed together. */
public final class Loopback implements AutoCloseable {
    public final AdaptletServer server;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<ClientSession> sessions = new ArrayList<>();

    public Loopback(AdaptletServer.Builder builder) throws Exception {
        this.server = builder.service(TestService.definition()).start();
    }

    public ManagedChannel channel() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        channels.add(c);
        return c;
    }

    /** A channel whose connections come from another loopback address ({@code 127.0.0.2}): another peer. */
    public ManagedChannel channelFrom(String localAddress) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                    @Override
                    public InetSocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
                        return new InetSocketAddress(localAddress, 0);
                    }
                }).build();
        channels.add(c);
        return c;
    }

    public ClientSession session(String clientPolicy, Adaptlet... adaptlets) {
        return session(channel(), clientPolicy, adaptlets);
    }

    public ClientSession session(io.grpc.Channel channel, String clientPolicy, Adaptlet... adaptlets) {
        ClientSession s = ClientSession.open(channel, clientPolicy, List.of(adaptlets));
        sessions.add(s);
        return s;
    }

    @Override
    public void close() throws Exception {
        for (ClientSession s : sessions) s.close();
        for (ManagedChannel c : channels) {
            c.shutdownNow();
            c.awaitTermination(5, TimeUnit.SECONDS);
        }
        server.close();
    }
}
