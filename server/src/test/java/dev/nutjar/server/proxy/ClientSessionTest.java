package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import org.junit.jupiter.api.Test;

/** The proxy core's request path, without sockets: see {@link CoreHarness}. */
class ClientSessionTest {

    private static String get(String key) {
        return "*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n" + key + "\r\n";
    }

    private static String bulk(String value) {
        return "$" + value.length() + "\r\n" + value + "\r\n";
    }

    @Test
    void repliesGoOutInRequestOrderWhicheverServerAnswersFirst() {
        try (CoreHarness core = new CoreHarness(2, 0)) {
            String a = core.keyOn(0);
            String b = core.keyOn(1);
            core.clientSends(get(a) + get(b));
            assertThat(core.serverReceived(0)).isEqualTo(get(a));
            assertThat(core.serverReceived(1)).isEqualTo(get(b));

            core.serverReplies(1, bulk("vb"));
            assertThat(core.clientReceived()).as("b's reply waits for a's").isEmpty();
            core.serverReplies(0, bulk("va"));
            assertThat(core.clientReceived()).isEqualTo(bulk("va") + bulk("vb"));
        }
    }

    @Test
    void aTimedOutRequestIsAnsweredWithAnErrorAndItsLateReplyIsDropped() {
        try (CoreHarness core = new CoreHarness(1, 100)) {
            core.clientSends(get("slow"));
            assertThat(core.serverReceived(0)).isEqualTo(get("slow"));
            core.elapse(97);
            assertThat(core.clientReceived()).as("99 ms gone").isEmpty();
            core.elapse(1);
            assertThat(core.clientReceived()).isEqualTo("-ERR Connection timed out\r\n");
            assertThat(core.serverStat(0, ServerStat.SERVER_TIMEDOUT)).isEqualTo(1);
            assertThat(core.poolStat(PoolStat.FORWARD_ERROR)).isEqualTo(1);

            core.clientSends(get("next"));
            assertThat(core.serverReceived(0)).isEqualTo(get("next"));
            core.serverReplies(0, bulk("late") + bulk("next"));
            assertThat(core.clientReceived()).as("the late reply is not the next request's").isEqualTo(bulk("next"));
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE)).isZero();
        }
    }

    @Test
    void aClientIsPausedAtItsInFlightLimitAndResumedAsRepliesDrain() {
        try (CoreHarness core = new CoreHarness(1, 0)) {
            int sent = InFlightBudget.INITIAL_IN_FLIGHT + 36;
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < sent; i++) {
                pipeline.append(get("k" + i));
            }
            core.clientSends(pipeline.toString());
            assertThat(core.client.config().isAutoRead()).as("paused").isFalse();
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < InFlightBudget.INITIAL_IN_FLIGHT; i++) {
                expected.append(get("k" + i));
            }
            assertThat(core.serverReceived(0)).as("only the first requests are forwarded").isEqualTo(expected.toString());

            core.serverReplies(0, bulk("v0"));
            assertThat(core.client.config().isAutoRead()).as("resumed: small replies allow more in flight").isTrue();
            StringBuilder rest = new StringBuilder();
            for (int i = InFlightBudget.INITIAL_IN_FLIGHT; i < sent; i++) {
                rest.append(get("k" + i));
            }
            assertThat(core.serverReceived(0)).isEqualTo(rest.toString());

            StringBuilder replies = new StringBuilder();
            for (int i = 1; i < sent; i++) {
                replies.append(bulk("v" + i));
            }
            core.serverReplies(0, replies.toString());
            assertThat(core.clientReceived()).isEqualTo(bulk("v0") + replies);
        }
    }

    @Test
    void aHalfClosedClientIsAnsweredThenClosed() {
        try (CoreHarness core = new CoreHarness(1, 0)) {
            core.clientSends(get("a") + get("b"));
            core.clientShutsInput();
            assertThat(core.client.isOpen()).as("replies are still due").isTrue();
            assertThat(core.serverReceived(0)).isEqualTo(get("a") + get("b"));

            core.serverReplies(0, bulk("va") + bulk("vb"));
            assertThat(core.clientReceived()).isEqualTo(bulk("va") + bulk("vb"));
            assertThat(core.client.isOpen()).isFalse();
            assertThat(core.poolStat(PoolStat.CLIENT_EOF)).as("the client's close").isEqualTo(1);
        }
    }

    @Test
    void aStreamedReplyCutShortClosesTheClientWithoutAnError() {
        try (CoreHarness core = new CoreHarness(1, 0)) {
            core.clientSends(get("big"));
            assertThat(core.serverReceived(0)).isEqualTo(get("big"));
            String value = CoreHarness.repeat('x', 4 * ReplyStream.MIN_LENGTH);
            String first = "$" + value.length() + "\r\n" + value.substring(0, 2 * ReplyStream.MIN_LENGTH);
            core.serverReplies(0, first);
            assertThat(core.clientReceived()).as("passed on as it arrives").isEqualTo(first);

            core.serverCloses(0);
            assertThat(core.clientReceived()).as("no error can follow part of a reply").isEmpty();
            assertThat(core.client.isOpen()).isFalse();
            assertThat(core.poolStat(PoolStat.CLIENT_EOF)).as("closed by the proxy").isZero();
            assertThat(core.serverStat(0, ServerStat.SERVER_EOF)).isEqualTo(1);
        }
    }

    @Test
    void aStreamedReplyOutlastingTheTimeoutWhileTheServerSendsTimesNothingOut() {
        try (CoreHarness core = new CoreHarness(1, 100)) {
            core.clientSends(get("big") + get("small"));
            assertThat(core.serverReceived(0)).isEqualTo(get("big") + get("small"));
            String value = CoreHarness.repeat('x', 8 * ReplyStream.MIN_LENGTH);
            String reply = "$" + value.length() + "\r\n" + value + "\r\n" + bulk("s");
            StringBuilder received = new StringBuilder();
            int piece = reply.length() / 8;
            // Both deadlines pass while the server is still sending the first reply: it is not late.
            for (int at = 0; at < reply.length(); at += piece) {
                core.serverReplies(0, reply.substring(at, Math.min(reply.length(), at + piece)));
                received.append(core.clientReceived());
                core.elapse(60);
            }
            received.append(core.clientReceived());
            assertThat(received.toString()).isEqualTo(reply);
            assertThat(core.serverStat(0, ServerStat.SERVER_TIMEDOUT)).isZero();
            assertThat(core.poolStat(PoolStat.FORWARD_ERROR)).isZero();
            assertThat(core.client.isOpen()).isTrue();
        }
    }

    @Test
    void aFragmentFailingInsideMgetFailsTheWholeReplyAndNothingElse() {
        try (CoreHarness core = new CoreHarness(2, 0)) {
            String a = core.keyOn(0);
            String b = core.keyOn(1);
            core.clientSends("*3\r\n$4\r\nMGET\r\n$" + a.length() + "\r\n" + a + "\r\n$" + b.length() + "\r\n" + b
                    + "\r\n" + get(a));
            assertThat(core.serverReceived(0)).isEqualTo("*2\r\n$4\r\nmget\r\n$" + a.length() + "\r\n" + a + "\r\n"
                    + get(a));
            assertThat(core.serverReceived(1)).isEqualTo("*2\r\n$4\r\nmget\r\n$" + b.length() + "\r\n" + b + "\r\n");
            assertThat(core.poolStat(PoolStat.FRAGMENTS)).isEqualTo(2);

            core.serverReplies(0, "*1\r\n" + bulk("va") + bulk("va"));
            core.serverCloses(1);
            assertThat(core.clientReceived()).isEqualTo("-ERR Connection closed by server\r\n" + bulk("va"));
            assertThat(core.client.isOpen()).isTrue();
        }
    }

    @Test
    void requestsCountInTheInQueueUntilSentThenInTheOutQueueUntilAnswered() {
        try (CoreHarness core = new CoreHarness(1, 0)) {
            core.clientSends(get("a") + get("bb"));
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE)).isEqualTo(2);
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE_BYTES)).isEqualTo(get("a").length() + get("bb").length());
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE)).isZero();

            core.backendWritesGoOut();
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE)).isZero();
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE_BYTES)).isZero();
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE)).isEqualTo(2);
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE_BYTES)).isEqualTo(get("a").length() + get("bb").length());

            core.serverReplies(0, bulk("va"));
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE)).isEqualTo(1);
            core.clientSends(get("c"));
            core.serverCloses(0);
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE)).isZero();
            assertThat(core.serverStat(0, ServerStat.IN_QUEUE_BYTES)).isZero();
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE)).isZero();
            assertThat(core.serverStat(0, ServerStat.OUT_QUEUE_BYTES)).isZero();
            core.clientReceived();
        }
    }
}
