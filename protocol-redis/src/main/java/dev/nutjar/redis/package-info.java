/**
 * The Redis protocol for Nutjar: RESP parsing, twemproxy's command table, multi-key split and
 * merge, and the replies the proxy makes itself. Independent of channels and handlers: plain
 * {@code ByteBuf}s in, objects out.
 *
 * <h2>How the proxy uses it, per client request</h2>
 * <ol>
 *   <li>{@link dev.nutjar.redis.RedisRequestParser#parse} returns a {@link dev.nutjar.redis.RedisRequest}
 *       (or {@code null}: wait for more bytes; or throws {@link dev.nutjar.redis.RedisProtocolException}:
 *       reply {@code -ERR Protocol error: ...} and close).
 *   <li>{@link dev.nutjar.redis.RedisRequest#error()} set: reply with it, keep the connection.
 *   <li>{@link dev.nutjar.redis.RedisAuth#refuses}: reply {@link dev.nutjar.redis.RedisLocalReply#NOAUTH}.
 *   <li>By {@link dev.nutjar.redis.RedisCommand#kind()}:
 *       <ul>
 *         <li>{@code LOCAL}: PING → {@code PONG}; QUIT → {@code OK}, then close; AUTH →
 *             {@link dev.nutjar.redis.RedisAuth#authenticate}; ECHO, HELLO, CLIENT, SELECT, TIME,
 *             COMMAND → answered with the client's own state and the proxy's command table.
 *         <li>{@code PLACEHOLDER}: route by {@link dev.nutjar.redis.RedisRequest#PLACEHOLDER_KEY},
 *             forward the frame.
 *         <li>{@code SINGLE_KEY}: route by key 0, forward the frame.
 *         <li>{@code SAME_SERVER}: route every key; if they map to more than one server reply
 *             with an error that asks for a hash tag, else forward the frame.
 *         <li>{@code FRAGMENTED}: route every key; if they map to more than one server forward
 *             each fragment of {@link dev.nutjar.redis.RedisFragmentation#split} and merge the
 *             replies, else forward the frame.
 *         <li>{@code EVERY_SERVER} (DBSIZE, INFO, KEYS...) and {@code SERVER_BY_SERVER} (SCAN):
 *             {@code Request.fanOut} names the servers and merges their replies.
 *       </ul>
 *   <li>Backend replies come from {@link dev.nutjar.redis.RedisReplyParser#parse} and, except for
 *       fragments, go to the client unchanged.
 * </ol>
 *
 * <h2>Ownership</h2>
 * Every method that takes or returns a {@code ByteBuf} or a {@code RedisRequest} says who owns it.
 * In short: parsers return objects the caller owns and must release; methods that append to an
 * {@code out} buffer leave it the caller's; a {@link dev.nutjar.redis.RedisFragmentation} owns the
 * replies given to it until it merges or is released. Nothing may touch a request, or its frame,
 * after its last release.
 */
package dev.nutjar.redis;
