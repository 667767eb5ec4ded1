/**
 * memcached's ASCII protocol for the proxy: request and reply parsers, multi-get split and merge,
 * and the replies the proxy makes itself.
 *
 * <p>Everything here works on plain {@link io.netty.buffer.ByteBuf}s and knows nothing of channels,
 * so the server can wrap it in its {@code Protocol} and anyone can reuse it.
 *
 * <p><b>Ownership.</b> A parsed reply is a retained slice of the input, and a parsed request holds
 * a reference to the input and the place of its bytes in it (zero copy, and the request is pooled
 * per thread); the caller owns either and releases it exactly once. The input buffer stays the
 * caller's. Bytes are copied only when a multi-get is split or merged.
 *
 * <p><b>Errors.</b> A client's mistake is not an exception: {@link dev.nutjar.memcache.MemcacheRequestParser}
 * returns it as a request carrying a {@link dev.nutjar.memcache.MemcacheError}, memcached's answer,
 * so the answer goes back in order among the replies to earlier pipelined requests; the few that
 * leave the stream out of step also close the connection. A backend's garbage is a
 * {@link dev.nutjar.memcache.MemcacheProtocolException}: that connection is closed.
 */
package dev.nutjar.memcache;
