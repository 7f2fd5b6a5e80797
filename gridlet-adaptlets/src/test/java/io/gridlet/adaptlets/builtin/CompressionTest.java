package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.TestService;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code compress(level)} over real gRPC on loopback: what the stream tracers of the client's call count on the wire
 * (after compression) against the messages' own size, in both directions, at the levels the sessions agreed.
 */
class CompressionTest {
    static final String SERVER = """
            policy server {
              feature compress(level: 1..9);
            }
            """;

    static String client(String statement) {
        return "policy client { feature compress(level: 1..9); " + statement + " }";
    }

    /** Readings as CSV text: compressible, but not trivially (random values), so the levels differ. */
    static String payload() {
        Random random = new Random(42);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 40_000; i++) {
            sb.append(i).append(',').append(1_377_986_401 + i / 20).append(',').append(random.nextInt(100_000) / 1000.0)
                    .append(',').append(i % 2).append(',').append(i % 7).append(",0,").append(i % 3).append('\n');
        }
        return sb.toString();
    }

    /** Bytes of one unary call: {outbound wire, outbound uncompressed, inbound wire, inbound uncompressed}. */
    static long[] sizes(ClientSession session, String message) {
        AtomicLong outWire = new AtomicLong(), outRaw = new AtomicLong(), inWire = new AtomicLong(),
                inRaw = new AtomicLong();
        ClientStreamTracer.Factory factory = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                return new ClientStreamTracer() {
                    @Override
                    public void outboundWireSize(long bytes) {
                        outWire.addAndGet(bytes);
                    }

                    @Override
                    public void outboundUncompressedSize(long bytes) {
                        outRaw.addAndGet(bytes);
                    }

                    @Override
                    public void inboundWireSize(long bytes) {
                        inWire.addAndGet(bytes);
                    }

                    @Override
                    public void inboundUncompressedSize(long bytes) {
                        inRaw.addAndGet(bytes);
                    }
                };
            }
        };
        String answer = ClientCalls.blockingUnaryCall(session.channel(), TestService.SEND, CallOptions.DEFAULT
                .withStreamTracerFactory(factory).withDeadlineAfter(20, TimeUnit.SECONDS), message);
        assertThat(answer).startsWith("ok " + message);
        return new long[] {outWire.get(), outRaw.get(), inWire.get(), inRaw.get()};
    }

    @Test
    void messagesTravelCompressedAtTheAgreedLevelBothWays() throws Exception {
        String message = payload();
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Compression.server()))) {
            ClientSession plain = net.session(client("not compress;"), Compression.client());
            ClientSession fast = net.session(client("compress and compress.level == 1;"), Compression.client());
            ClientSession small = net.session(client("compress and compress.level == 9;"), Compression.client());
            assertThat(fast.configuration()).hasToString("compress(level=1)");
            assertThat(small.configuration()).hasToString("compress(level=9)");

            long[] none = sizes(plain, message), one = sizes(fast, message), nine = sizes(small, message);
            assertThat(none[0]).as("uncompressed request on the wire").isEqualTo(none[1]);
            assertThat(none[2]).as("uncompressed response on the wire").isEqualTo(none[3]);
            assertThat(one[0]).as("request at level 1").isLessThan(one[1] / 2);
            assertThat(one[2]).as("response at level 1").isLessThan(one[3] / 2);
            assertThat(nine[0]).as("request at level 9 smaller than at 1").isLessThan(one[0]);
            assertThat(nine[2]).as("response at level 9 smaller than at 1").isLessThan(one[2]);
            assertThat(nine[1]).as("the same message").isEqualTo(one[1]);
            assertThat(net.server.outcomes().get("compress", "compressed")).as("compressed requests counted")
                    .isEqualTo(2);
            assertThat(net.server.outcomes().get("compress", "uncompressed")).isZero();
        }
    }

    @Test
    void aLevelOutsideOneToNineIsRefusedWhereTheAdaptletIsMade() {
        assertThatThrownBy(() -> Compression.client().client(java.util.Map.of("level", 0)))
                .hasMessageContaining("compress.level must be 1..9");
        assertThatThrownBy(() -> Compression.client().client(java.util.Map.of()))
                .hasMessageContaining("needs an int parameter 'level'");
    }
}
