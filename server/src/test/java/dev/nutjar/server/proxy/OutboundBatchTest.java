package dev.nutjar.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
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
    private final OutboundBatch batch = new OutboundBatch(SMALL);
    private EmbeddedChannel channel;

    @BeforeEach
    void open() {
        channel = new EmbeddedChannel();
        channel.config().setAllocator(alloc);
    }

    @AfterEach
    void nothingLeaks() {
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
