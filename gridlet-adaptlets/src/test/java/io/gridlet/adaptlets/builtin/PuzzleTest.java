package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.DecisionCounts;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.Recorder;
import io.gridlet.adaptlets.ServerSessions;
import io.gridlet.adaptlets.TestService;
import io.gridlet.adaptlets.TestSessions;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import static io.gridlet.adaptlets.TestService.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PuzzleTest {
    static final String SERVER = """
            policy gateway {
              feature puzzle(difficulty: 0..20);
              puzzle and puzzle.difficulty >= 8;
            }
            """;
    static final String CLIENT = """
            policy meter {
              feature puzzle(difficulty: 0..20);
              puzzle requires puzzle.difficulty <= 12;
              prefer low puzzle.difficulty;
            }
            """;
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes();
    static final Metadata.Key<byte[]> SOLUTION =
            Metadata.Key.of("gridlet-puzzle-solution-bin", Metadata.BINARY_BYTE_MARSHALLER);


    @Test
    void honestClientsSolveTransparentlyAndTheNextPuzzleComesWithEachAnswer() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(ClientPuzzle.server(SECRET)))) {
            ClientSession s = net.session(CLIENT, ClientPuzzle.client());
            assertThat(s.configuration().value("puzzle", "difficulty")).isEqualTo(8);
            for (int i = 0; i < 5; i++) assertThat(TestService.send(s.channel(), "m1:" + i)).startsWith("ok");
            assertThat(TestService.repeat(s.channel(), 3)).hasSize(3);
            assertThat(TestService.upload(s.channel(), 10)).isEqualTo("received 10");
            DecisionCounts o = net.server.outcomes();
            assertThat(o.get("puzzle", "challenged")).as("only the first call waits for a challenge").isEqualTo(1);
            assertThat(o.get("puzzle", "accepted")).isEqualTo(7);
        }
    }

    @Test
    void forgedForeignUnsolvedAndReplayedSolutionsAreRefusedAndCounted() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(ClientPuzzle.server(SECRET)))) {
            Recorder rec = new Recorder();
            ClientSession s = net.session(rec.wrap(net.channel()), CLIENT, ClientPuzzle.client());
            TestService.send(s.channel(), "m1:1");
            Metadata spent = rec.last();
            byte[] solution = spent.get(SOLUTION);
            assertThat(ClientPuzzle.workOf(solution)).isGreaterThanOrEqualTo(8);

            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), spent, "m1:2"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "spent before"));

            Metadata forged = copyWith(spent, tamper(solution, ClientPuzzle.BODY + 3));
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), forged, "m1:2"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "not issued to this session"));

            byte[] unsolved = solution.clone();
            for (long nonce = 1; ; nonce++) {
                ByteBuffer.wrap(unsolved, ClientPuzzle.CHALLENGE_BYTES, 8).putLong(nonce);
                if (ClientPuzzle.workOf(unsolved) < 8) break;
            }
            Metadata lazy = copyWith(spent, unsolved);
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), lazy, "m1:2"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "does not solve"));

            // a solution another session was given does not work in this one
            Recorder rec2 = new Recorder();
            ClientSession other = net.session(rec2.wrap(net.channel()), CLIENT, ClientPuzzle.client());
            TestService.send(other.channel(), "m2:1");
            Metadata foreign = copyWith(spent, rec2.last().get(SOLUTION));
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), foreign, "m1:3"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "not issued to this session"));

            // no solution at all: a challenge, for a raw client that does not answer it
            Metadata none = copyWith(spent, null);
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), none, "m1:4"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "solve the puzzle"));

            DecisionCounts o = net.server.outcomes();
            assertThat(o.get("puzzle", "replayed")).isEqualTo(1);
            assertThat(o.get("puzzle", "forged")).isEqualTo(2);
            assertThat(o.get("puzzle", "unsolved")).isEqualTo(1);
            assertThat(o.get("puzzle", "challenged")).isEqualTo(3);
        }
    }

    @Test
    void anExpiredPuzzleIsReplacedForHonestClientsAndRefusedOtherwise() throws Exception {
        AtomicLong serverClock = new AtomicLong(System.currentTimeMillis());
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER)
                .adaptlet(ClientPuzzle.server(SECRET, serverClock::get, 60_000)))) {
            Recorder rec = new Recorder();
            ClientSession s = net.session(rec.wrap(net.channel()), CLIENT, ClientPuzzle.client());
            TestService.send(s.channel(), "m1:1");
            Metadata spent = rec.last();
            serverClock.addAndGet(120_000); // the prefetched puzzle (and the spent one) expire
            assertThat(TestService.send(s.channel(), "m1:2")).startsWith("ok");
            assertThat(net.server.outcomes().get("puzzle", "expired")).isEqualTo(1);
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), spent, "m1:3"))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "the puzzle expired"));
            assertThat(net.server.outcomes().get("puzzle", "expired")).isEqualTo(2);
        }
    }

    @Test
    void theServingRankIsTheWorkASolutionIssuedToTheSessionShowsUpToItsDifficulty() {
        AtomicLong clock = new AtomicLong(1_000_000);
        ClientPuzzle server = ClientPuzzle.server(SECRET, clock::get, 30_000);
        ServerSessions.Session session = TestSessions.session("session-1");
        byte[] solution = ClientPuzzle.solve(server.issue("session-1", 6));
        Metadata h = new Metadata();
        h.put(SOLUTION, solution);
        assertThat(server.rank(session, h)).isEqualTo(6);
        assertThat(server.rank(TestSessions.session("session-2"), h)).as("issued to another session").isZero();
        byte[] unsolved = solution.clone();
        for (long nonce = 1; ; nonce++) {
            ByteBuffer.wrap(unsolved, ClientPuzzle.CHALLENGE_BYTES, 8).putLong(nonce);
            if (ClientPuzzle.workOf(unsolved) < 6) break;
        }
        Metadata lazy = new Metadata();
        lazy.put(SOLUTION, unsolved);
        assertThat(server.rank(session, lazy)).isEqualTo(ClientPuzzle.workOf(unsolved)).isLessThan(6);
        assertThat(server.rank(session, new Metadata())).isZero();
        clock.addAndGet(31_000);
        assertThat(server.rank(session, h)).as("expired").isZero();
    }

    static byte[] tamper(byte[] b, int at) {
        byte[] c = b.clone();
        c[at] ^= 1;
        return c;
    }

    static Metadata copyWith(Metadata headers, byte[] solution) {
        Metadata m = new Metadata();
        m.merge(headers);
        m.discardAll(SOLUTION);
        if (solution != null) m.put(SOLUTION, solution);
        return m;
    }
}
