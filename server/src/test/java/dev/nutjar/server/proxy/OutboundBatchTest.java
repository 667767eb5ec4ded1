package dev.nutjar.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OutboundBatchTest {
    /** Chunks of 64 bytes, payloads up to 16 bytes coalesced. */
    private static final BufferSettings SMALL = new BufferSettings(64, 16, 4096);

    private final RecordingAllocator alloc = new RecordingAllocator();
    private final List<ByteBuf> payloads = new ArrayList<>();
    private final SpareBuffers spares = new SpareBuffers(64);
    private final OutboundBatch batch = new OutboundBatch(SMALL, spares);
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
    }

    @AfterEach
    void nothingLeaks() {
        spares.releaseAll();
        assertThat(channel.finishAndReleaseAll()).as("everything written was read").isFalse();
        assertThat(payloads).allSatisfy(payload -> assertThat(payload.refCnt()).isZero());
        assertThat(alloc.made).allSatisfy(buffer -> assertThat(buffer.refCnt()).isZero());
    }

    @Test
    void coalescesPayloadsUpToTheLimitIntoChunks() {
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            String text = "%016d".formatted(i); // 16 bytes: exactly the limit
            expected.append(text);
            batch.write(channel, payload(text));
        }
        assertThat(payloads).as("copied and released at once").allSatisfy(p -> assertThat(p.refCnt()).isZero());

        batch.flush(channel);

        List<ByteBuf> written = drain();
        assertThat(written).extracting(ByteBuf::readableBytes).containsExactly(64, 64, 16);
        assertThat(written).extracting(ByteBuf::capacity).containsOnly(64);
        assertThat(text(written)).isEqualTo(expected.toString());
        written.forEach(ByteBuf::release);
    }

    @Test
    void holdsAChunkOnceAChunksWorthIsWrittenUnflushedCopiedOrPassedThrough() {
        assertThat(batch.holdsAChunk()).isFalse();
        for (int i = 0; i < 3; i++) {
            batch.write(channel, payload("%016d".formatted(i)));
        }
        assertThat(batch.holdsAChunk()).as("48 of 64 bytes").isFalse();
        batch.write(channel, payload("seventeen bytes!!"));
        assertThat(batch.holdsAChunk()).as("65 bytes, the last passed through").isTrue();

        batch.flush(channel);

        assertThat(batch.holdsAChunk()).as("after the flush").isFalse();
        drain().forEach(ByteBuf::release);
    }

    @Test
    void passesLargerPayloadsThroughUncopiedAndInOrder() {
        batch.write(channel, payload("small-1"));
        ByteBuf large = payload("seventeen bytes!!"); // one over the limit
        batch.write(channel, large);
        batch.write(channel, payload("small-2"));
        assertThat(large.refCnt()).as("handed to the channel, not copied").isOne();

        batch.flush(channel);

        List<ByteBuf> written = drain();
        assertThat(written).hasSize(3);
        assertThat(written.get(1)).isSameAs(large);
        assertThat(text(written)).isEqualTo("small-1seventeen bytes!!small-2");
        written.forEach(ByteBuf::release);
    }

    @Test
    void flushWithNothingWrittenWritesNothing() {
        batch.flush(channel);

        assertThat(drain()).isEmpty();
    }

    @Test
    void discardReleasesWhatWasNotWritten() {
        batch.write(channel, payload("lost"));

        batch.discard();
        batch.flush(channel);

        assertThat(drain()).isEmpty();
    }

    @Test
    void aBatchTheSocketTookWholeComesBackForTheNextBatch() {
        List<String> sent = new ArrayList<>();
        channel.pipeline().addFirst(new SocketTakingEverything(sent));

        batch.write(channel, payload("first"));
        batch.flush(channel);
        assertThat(spares.size()).as("taken back after the flush").isOne();
        batch.write(channel, payload("second"));
        batch.flush(channel);

        assertThat(sent).containsExactly("first", "second");
        assertThat(batchBuffersMade()).as("one batch buffer, used twice").hasSize(1);
    }

    @Test
    void aBatchTheChannelStillHoldsIsLeftToIt() {
        batch.write(channel, payload("first"));
        batch.flush(channel);
        batch.write(channel, payload("second"));
        batch.flush(channel);

        assertThat(spares.size()).isZero();
        List<ByteBuf> written = drain();
        assertThat(text(written)).isEqualTo("firstsecond");
        assertThat(written).extracting(ByteBuf::refCnt).as("the channel's reference only").containsOnly(1);
        assertThat(batchBuffersMade()).hasSize(2);
        written.forEach(ByteBuf::release);
    }

    @Test
    void severalBatchesBeforeOneFlushAllComeBack() {
        List<String> sent = new ArrayList<>();
        channel.pipeline().addFirst(new SocketTakingEverything(sent));
        for (int i = 0; i < 9; i++) {
            batch.write(channel, payload("%016d".formatted(i)));
        }

        batch.flush(channel);

        assertThat(sent).hasSize(3);
        assertThat(spares.size()).isEqualTo(3);
    }

    @Test
    void pastFourBatchesBeforeOneFlushTheRestAreLeftToTheChannel() {
        List<String> sent = new ArrayList<>();
        channel.pipeline().addFirst(new SocketTakingEverything(sent));
        for (int i = 0; i < 24; i++) {
            batch.write(channel, payload("%016d".formatted(i)));
        }

        batch.flush(channel);

        assertThat(sent).hasSize(6);
        assertThat(spares.size()).isEqualTo(4);
    }

    private List<ByteBuf> batchBuffersMade() {
        return alloc.made.stream().filter(buffer -> !payloads.contains(buffer)).toList();
    }

    /** Stands for a socket that accepts every write at once: records the bytes and releases the buffer. */
    private static final class SocketTakingEverything extends ChannelOutboundHandlerAdapter {
        private final List<String> sent;

        SocketTakingEverything(List<String> sent) {
            this.sent = sent;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf buffer = (ByteBuf) msg;
            sent.add(buffer.toString(US_ASCII));
            buffer.release();
            promise.setSuccess();
        }
    }

    private ByteBuf payload(String text) {
        ByteBuf payload = alloc.buffer().writeBytes(text.getBytes(US_ASCII));
        payloads.add(payload);
        return payload;
    }

    private List<ByteBuf> drain() {
        List<ByteBuf> written = new ArrayList<>();
        for (ByteBuf buffer; (buffer = channel.readOutbound()) != null; ) {
            written.add(buffer);
        }
        return written;
    }

    private static String text(List<ByteBuf> buffers) {
        StringBuilder text = new StringBuilder();
        buffers.forEach(buffer -> text.append(buffer.toString(US_ASCII)));
        return text.toString();
    }

    /** Unpooled buffers, each remembered so that the test can check it was released. */
    private static final class RecordingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> made = new ArrayList<>();

        RecordingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return record(UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity));
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return record(UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity));
        }

        private ByteBuf record(ByteBuf buffer) {
            made.add(buffer);
            return buffer;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
