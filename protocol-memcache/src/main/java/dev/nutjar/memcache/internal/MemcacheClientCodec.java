package dev.nutjar.memcache.internal;

import dev.nutjar.memcache.MemcacheRequest;
import dev.nutjar.memcache.MemcacheRequestParser;
import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;

/** One client connection's memcached requests, classified for the proxy. */
public final class MemcacheClientCodec implements ClientCodec {
    /** memcached's default item size limit. */
    static final int DEFAULT_MAX_VALUE = 1024 * 1024;
    private static final int MAX_LINE = 2048;
    private static final int MAX_KEYS_PER_GET = 10_000;

    private final MemcacheRequestParser parser;
    /** Spare requests of the thread that decodes; taken on the first request. */
    private ThreadLocalPool.Local<MemcacheProxyRequest> proxyRequests;

    public MemcacheClientCodec(ProtocolSettings settings) {
        long maxValue = settings.maxValueLength();
        int limit = maxValue <= 0 || maxValue > Integer.MAX_VALUE ? DEFAULT_MAX_VALUE : (int) maxValue;
        this.parser = new MemcacheRequestParser(limit, MAX_LINE, MAX_KEYS_PER_GET);
    }

    @Override
    public Request decode(ByteBuf in) {
        MemcacheRequest request = parser.parse(in);
        if (request == null) {
            return null;
        }
        if (proxyRequests == null) {
            proxyRequests = MemcacheProxyRequest.localPool();
        }
        return MemcacheProxyRequest.of(proxyRequests, request);
    }
}
