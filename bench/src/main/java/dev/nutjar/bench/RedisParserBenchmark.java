package dev.nutjar.bench;

import dev.nutjar.redis.RedisRequest;
import dev.nutjar.redis.RedisRequestParser;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Param;

/**
 * The RESP request parser ({@link RedisRequestParser#parse(ByteBuf)}) on {@code GET key:000000000017}
 * or {@code SET key:... xxx} (redis-benchmark's keys and 3-byte values). {@link RedisRequest}s come
 * from a per-thread pool and hold the input buffer itself, not a slice of it.
 */
public class RedisParserBenchmark extends ParserBenchmark {
    @Param({"GET", "SET"})
    public String command;

    private RedisRequestParser parser;

    @Override
    protected String request(String key) {
        String get = "*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n" + key + "\r\n";
        return command.equals("GET") ? get
                : "*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$3\r\nxxx\r\n";
    }

    @Override
    protected void newParser() {
        parser = new RedisRequestParser();
    }

    @Override
    protected int parseAll(ByteBuf buf) {
        int keys = 0;
        RedisRequest request;
        while ((request = parser.parse(buf)) != null) {
            keys += request.keyCount();
            request.release();
        }
        return keys;
    }
}
