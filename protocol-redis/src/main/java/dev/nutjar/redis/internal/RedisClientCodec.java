package dev.nutjar.redis.internal;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.SessionRole;
import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.ThreadLocalPool;
import dev.nutjar.redis.RedisAuth;
import dev.nutjar.redis.RedisCommand;
import dev.nutjar.redis.RedisLocalReply;
import dev.nutjar.redis.RedisProtocolException;
import dev.nutjar.redis.RedisRequest;
import dev.nutjar.redis.RedisRequestParser;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** One client connection's Redis requests, classified for the proxy; keeps its AUTH state. */
public final class RedisClientCodec implements ClientCodec {
    private final RedisRequestParser parser;
    private final RedisAuth auth;
    private boolean authenticated;
    /** Spare requests of the thread that decodes; taken on the first request. */
    private ThreadLocalPool.Local<RedisProxyRequest> proxyRequests;

    public RedisClientCodec(ProtocolSettings settings) {
        this.parser = new RedisRequestParser(settings.maxArguments(), settings.maxKeyLength());
        this.auth = settings.password() == null
                ? RedisAuth.none()
                : RedisAuth.password(settings.password().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Request decode(ByteBuf in) {
        RedisRequest request;
        try {
            request = parser.parse(in);
        } catch (RedisProtocolException e) {
            throw new ProtocolException(e.getMessage(), "-" + e.errorReply() + "\r\n");
        }
        if (request == null) {
            return null;
        }
        if (proxyRequests == null) {
            proxyRequests = RedisProxyRequest.localPool();
        }
        if (request.hasError()) {
            return RedisProxyRequest.error(proxyRequests, request, request.error());
        }
        RedisCommand command = request.command();
        if (auth.refuses(command, authenticated)) {
            return RedisProxyRequest.local(proxyRequests, request, RedisLocalReply.NOAUTH, false);
        }
        return switch (command.kind()) {
            case LOCAL -> local(request, command);
            case PLACEHOLDER -> RedisProxyRequest.placeholder(proxyRequests, request);
            case SINGLE_KEY -> RedisProxyRequest.forward(proxyRequests, request, false);
            case SAME_SERVER -> RedisProxyRequest.forward(proxyRequests, request, true);
            case FRAGMENTED -> request.keyCount() > 1
                    ? RedisProxyRequest.split(proxyRequests, request)
                    : RedisProxyRequest.forward(proxyRequests, request, false);
            case REJECTED -> RedisProxyRequest.error(proxyRequests, request, "ERR '" + command.lowercaseName()
                    + "' is not supported by nutjar");
            case SESSION -> RedisProxyRequest.session(proxyRequests, request, RedisSessionCodec.roleOf(command));
            case BLOCKING -> request.blocks()
                    ? RedisProxyRequest.session(proxyRequests, request, SessionRole.BLOCKING)
                    : RedisProxyRequest.forward(proxyRequests, request, true);
        };
    }

    private Request local(RedisRequest request, RedisCommand command) {
        if (command == RedisCommand.PING) {
            return RedisProxyRequest.ping(proxyRequests, request);
        }
        if (command == RedisCommand.QUIT) {
            return RedisProxyRequest.local(proxyRequests, request, RedisLocalReply.OK, true);
        }
        if (command == RedisCommand.AUTH) {
            RedisLocalReply reply = auth.authenticate(request);
            authenticated = reply == RedisLocalReply.OK;
            return RedisProxyRequest.local(proxyRequests, request, reply, false);
        }
        return RedisProxyRequest.error(proxyRequests, request, "ERR unknown command '" + command.lowercaseName() + "'");
    }
}
