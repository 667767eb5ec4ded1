package dev.nutjar.redis.internal;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ClientConnection;
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
    /** The client's own state: authenticated, name; answers the connection commands. */
    private final ConnectionCommands connection;
    /** Spare requests of the thread that decodes; taken on the first request. */
    private ThreadLocalPool.Local<RedisProxyRequest> proxyRequests;

    public RedisClientCodec(ProtocolSettings settings) {
        this(settings, ClientConnection.UNKNOWN);
    }

    public RedisClientCodec(ProtocolSettings settings, ClientConnection client) {
        this.parser = new RedisRequestParser(settings.maxArguments(), settings.maxKeyLength());
        this.auth = settings.password() == null
                ? RedisAuth.none()
                : RedisAuth.password(settings.password().getBytes(StandardCharsets.UTF_8));
        this.connection = new ConnectionCommands(client, auth, settings.database());
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
        if (auth.refuses(command, connection.authenticated())) {
            return RedisProxyRequest.local(proxyRequests, request, RedisLocalReply.NOAUTH, false);
        }
        return switch (command.kind()) {
            case LOCAL -> local(request, command, in);
            case PLACEHOLDER -> RedisProxyRequest.placeholder(proxyRequests, request);
            case SINGLE_KEY -> RedisProxyRequest.forward(proxyRequests, request, false);
            case SAME_SERVER -> RedisProxyRequest.forward(proxyRequests, request, true);
            case FRAGMENTED -> request.keyCount() > 1
                    ? RedisProxyRequest.split(proxyRequests, request)
                    : RedisProxyRequest.forward(proxyRequests, request, false);
            case REJECTED -> RedisProxyRequest.error(proxyRequests, request, "ERR '" + command.lowercaseName()
                    + "' is not supported by nutjar");
            case EVERY_SERVER, SERVER_BY_SERVER -> fanOut(request);
            case SESSION -> RedisProxyRequest.session(proxyRequests, request, RedisSessionCodec.roleOf(command));
            case BLOCKING -> request.blocks()
                    ? RedisProxyRequest.session(proxyRequests, request, SessionRole.BLOCKING)
                    : RedisProxyRequest.forward(proxyRequests, request, true);
        };
    }

    private Request fanOut(RedisRequest request) {
        String error = FanOutCommands.check(request);
        return error == null
                ? RedisProxyRequest.fanOut(proxyRequests, request)
                : RedisProxyRequest.error(proxyRequests, request, error);
    }

    private Request local(RedisRequest request, RedisCommand command, ByteBuf in) {
        if (command == RedisCommand.PING) {
            // Tagged as PING either way: a subscribed client gets Redis's other reply to it.
            return RedisProxyRequest.ping(proxyRequests, request,
                    request.argCount() == 1 ? null : connection.answer(request, in.alloc()));
        }
        if (command == RedisCommand.QUIT) {
            return RedisProxyRequest.local(proxyRequests, request, RedisLocalReply.OK, true);
        }
        if (command == RedisCommand.AUTH) {
            return RedisProxyRequest.local(proxyRequests, request, connection.authenticate(request), false);
        }
        return RedisProxyRequest.answered(proxyRequests, request, connection.answer(request, in.alloc()));
    }
}
