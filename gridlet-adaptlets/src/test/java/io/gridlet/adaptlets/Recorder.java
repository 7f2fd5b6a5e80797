package io.gridlet.adaptlets;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the headers of every attempt that goes out on a channel, to replay or tamper with them in a raw call. */
public final class Recorder implements ClientInterceptor {
    public final List<Metadata> sent = new CopyOnWriteArrayList<>();

    public Channel wrap(Channel channel) {
        return ClientInterceptors.intercept(channel, this);
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                Metadata copy = new Metadata();
                copy.merge(headers);
                sent.add(copy);
                super.start(listener, headers);
            }
        };
    }

    public Metadata last() {
        return sent.get(sent.size() - 1);
    }

    /** A unary call with exactly these headers, outside any session object. */
    public static String rawSend(Channel channel, Metadata headers, String request) {
        Channel with = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        return ClientCalls.blockingUnaryCall(with, TestService.SEND, CallOptions.DEFAULT, request);
    }
}
