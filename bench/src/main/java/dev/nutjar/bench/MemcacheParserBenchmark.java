package dev.nutjar.bench;

import dev.nutjar.memcache.MemcacheRequest;
import dev.nutjar.memcache.MemcacheRequestParser;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Param;

/**
 * The memcached ASCII request parser ({@link MemcacheRequestParser#parse(ByteBuf)}) on
 * {@code get key:000000000017} or {@code set key:... 0 0 3} with a 3-byte data block.
 * {@link MemcacheRequest}s come from a per-thread pool and hold the input buffer itself, not a
 * slice of it.
 */
public class MemcacheParserBenchmark extends ParserBenchmark {
    @Param({"get", "set"})
    public String command;

    private MemcacheRequestParser parser;

    @Override
    protected String request(String key) {
        return command.equals("get") ? "get " + key + "\r\n" : "set " + key + " 0 0 3\r\nxxx\r\n";
    }

    @Override
    protected void newParser() {
        parser = new MemcacheRequestParser();
    }

    @Override
    protected int parseAll(ByteBuf buf) {
        int keys = 0;
        MemcacheRequest request;
        while ((request = parser.parse(buf)) != null) {
            keys += request.keyCount();
            request.release();
        }
        return keys;
    }
}
