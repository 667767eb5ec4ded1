package dev.nutjar.memcache;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The memcached ASCII commands the proxy forwards: twemproxy 0.5's set. */
public enum MemcacheCommand {
    GET("get", Kind.RETRIEVAL),
    GETS("gets", Kind.RETRIEVAL),
    SET("set", Kind.STORAGE),
    ADD("add", Kind.STORAGE),
    REPLACE("replace", Kind.STORAGE),
    APPEND("append", Kind.STORAGE),
    PREPEND("prepend", Kind.STORAGE),
    CAS("cas", Kind.STORAGE),
    DELETE("delete", Kind.DELETE),
    INCR("incr", Kind.ARITHMETIC),
    DECR("decr", Kind.ARITHMETIC),
    TOUCH("touch", Kind.TOUCH),
    VERSION("version", Kind.VERSION),
    QUIT("quit", Kind.QUIT);

    /**
     * The key that routes {@link #VERSION}: twemproxy sends {@code version} to the server that owns
     * this key, and so does Nutjar.
     */
    public static final String PLACEHOLDER_KEY = "placeholder";

    private enum Kind { RETRIEVAL, STORAGE, DELETE, ARITHMETIC, TOUCH, VERSION, QUIT }

    private static final MemcacheCommand[][] BY_NAME_LENGTH = new MemcacheCommand[8][];

    static {
        for (int length = 0; length < BY_NAME_LENGTH.length; length++) {
            int n = length;
            BY_NAME_LENGTH[length] = java.util.Arrays.stream(values())
                    .filter(c -> c.name.length == n)
                    .toArray(MemcacheCommand[]::new);
        }
    }

    private final String wireName;
    private final byte[] name;
    private final Kind kind;

    MemcacheCommand(String wireName, Kind kind) {
        this.wireName = wireName;
        this.name = wireName.getBytes(StandardCharsets.US_ASCII);
        this.kind = kind;
    }

    /** The command as written on the wire, lower case. */
    public String wireName() {
        return wireName;
    }

    /** {@code get} and {@code gets}: one or more keys, answered by VALUE blocks and END. */
    public boolean isRetrieval() {
        return kind == Kind.RETRIEVAL;
    }

    /** set, add, replace, append, prepend and cas: a key and a data block. */
    public boolean isStorage() {
        return kind == Kind.STORAGE;
    }

    /** {@code incr} and {@code decr}. */
    public boolean isArithmetic() {
        return kind == Kind.ARITHMETIC;
    }

    /** Whether requests of this command carry at least one key (all but version and quit). */
    public boolean hasKey() {
        return kind != Kind.VERSION && kind != Kind.QUIT;
    }

    /** Whether a trailing {@code noreply} silences the reply: storage, delete, incr, decr, touch. */
    public boolean acceptsNoreply() {
        return kind == Kind.STORAGE || kind == Kind.DELETE || kind == Kind.ARITHMETIC || kind == Kind.TOUCH;
    }

    /** {@code version} carries no key and is routed as if it were {@link #PLACEHOLDER_KEY}. */
    public boolean routesByPlaceholder() {
        return kind == Kind.VERSION;
    }

    /** {@code quit}: no reply; the connection closes once earlier replies are written. */
    public boolean closesConnection() {
        return kind == Kind.QUIT;
    }

    /** Writes the command name, for rebuilding a request. */
    void writeName(ByteBuf out) {
        out.writeBytes(name);
    }

    int nameLength() {
        return name.length;
    }

    /** The command whose name is exactly {@code length} bytes of {@code buf} at {@code index}, or null. */
    static MemcacheCommand lookup(ByteBuf buf, int index, int length) {
        if (length >= BY_NAME_LENGTH.length) {
            return null;
        }
        for (MemcacheCommand candidate : BY_NAME_LENGTH[length]) {
            if (candidate.nameAt(buf, index)) {
                return candidate;
            }
        }
        return null;
    }

    private boolean nameAt(ByteBuf buf, int index) {
        for (int i = 0; i < name.length; i++) {
            if (buf.getByte(index + i) != name[i]) {
                return false;
            }
        }
        return true;
    }
}
