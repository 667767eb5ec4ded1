package dev.nutjar.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads the {@code tls:} and {@code server_tls:} mappings of a pool, and a server's {@code tls:}
 * in {@code server_options}, reporting every bad key. The files named are not opened here: the
 * proxy reads them when a pool starts and again when they change.
 */
final class TlsReader {
    static final List<String> CLIENT_KEYS = List.of("cert", "key", "ca", "client_auth", "protocols", "ciphers");
    static final List<String> SERVER_KEYS = List.of("cert", "key", "ca", "verify", "sni", "protocols", "ciphers");
    /** TLS 1.2 and 1.3: the older versions are broken and off in current JDKs and OpenSSL builds. */
    static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final Set<String> KNOWN_PROTOCOLS = Set.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    /** The keys of one TLS mapping as written; null where absent. */
    static final class Fields {
        Path cert;
        Path key;
        Path ca;
        ClientTls.ClientAuth clientAuth;
        ServerTls.Verify verify;
        String sni;
        List<String> protocols;
        List<String> ciphers;
    }

    private final Problems problems;

    TlsReader(Problems problems) {
        this.problems = problems;
    }

    /** The pool's {@code tls:}, or null when it has a problem (reported). */
    ClientTls clientTls(String path, Node node) {
        Fields fields = fields(path, node, CLIENT_KEYS);
        if (fields == null) {
            return null;
        }
        boolean complete = true;
        for (String required : List.of("cert", "key")) {
            if ((required.equals("cert") ? fields.cert : fields.key) == null) {
                problems.add(node, path, "missing required key '" + required + "'");
                complete = false;
            }
        }
        if (!complete) {
            return null;
        }
        return new ClientTls(fields.cert, fields.key, fields.ca,
                fields.clientAuth == null ? ClientTls.ClientAuth.NONE : fields.clientAuth,
                fields.protocols == null ? DEFAULT_PROTOCOLS : fields.protocols,
                fields.ciphers == null ? List.of() : fields.ciphers);
    }

    /**
     * TLS to a server: {@code own} laid over {@code base} (the pool's {@code server_tls}, or null),
     * or null when the result has a problem (reported).
     */
    ServerTls serverTls(String path, Node node, Fields own, Fields base) {
        Fields b = base == null ? new Fields() : base;
        Path cert = own.cert != null ? own.cert : b.cert;
        Path key = own.key != null ? own.key : b.key;
        if ((cert == null) != (key == null)) {
            problems.add(node, path, "a client certificate needs both 'cert' and 'key' (only '"
                    + (cert == null ? "key" : "cert") + "' is set)");
            return null;
        }
        List<String> protocols = own.protocols != null ? own.protocols : b.protocols;
        List<String> ciphers = own.ciphers != null ? own.ciphers : b.ciphers;
        ServerTls.Verify verify = own.verify != null ? own.verify : b.verify;
        return new ServerTls(own.ca != null ? own.ca : b.ca, cert, key,
                verify == null ? ServerTls.Verify.FULL : verify, own.sni != null ? own.sni : b.sni,
                protocols == null ? DEFAULT_PROTOCOLS : protocols, ciphers == null ? List.of() : ciphers);
    }

    /** The keys of a TLS mapping, each checked; null when it is not a mapping (reported). */
    Fields fields(String path, Node node, List<String> validKeys) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(node, path, "must be a mapping of TLS settings (" + String.join(", ", validKeys)
                    + "); was: " + Problems.describe(node));
            return null;
        }
        Fields fields = new Fields();
        Set<String> seen = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : Problems.describe(tuple.getKeyNode());
            String keyPath = path + "." + key;
            Node value = tuple.getValueNode();
            if (!validKeys.contains(key)) {
                problems.add(tuple.getKeyNode(), keyPath, "unknown key; valid keys: " + String.join(", ", validKeys));
                continue;
            }
            if (!seen.add(key)) {
                problems.add(tuple.getKeyNode(), keyPath, "duplicate key");
                continue;
            }
            if (key.equals("protocols") || key.equals("ciphers")) {
                List<String> names = names(keyPath, value);
                if (names != null && key.equals("protocols")) {
                    fields.protocols = protocols(keyPath, value, names);
                } else {
                    fields.ciphers = names;
                }
                continue;
            }
            String text = value instanceof ScalarNode s ? s.getValue() : null;
            if (text == null || text.isEmpty()) {
                problems.add(value, keyPath, "must be a single non-empty value (was: " + Problems.describe(value) + ")");
                continue;
            }
            switch (key) {
                case "cert" -> fields.cert = Path.of(text);
                case "key" -> fields.key = Path.of(text);
                case "ca" -> fields.ca = Path.of(text);
                case "sni" -> fields.sni = text;
                case "client_auth" -> fields.clientAuth = choice(keyPath, value, text, ClientTls.ClientAuth.class);
                case "verify" -> fields.verify = choice(keyPath, value, text, ServerTls.Verify.class);
                default -> throw new AssertionError("TLS key without a reader: " + key);
            }
        }
        return fields;
    }

    private <E extends Enum<E>> E choice(String path, Node value, String text, Class<E> type) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().toLowerCase(Locale.ROOT).equals(text)) {
                return constant;
            }
        }
        List<String> valid = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            valid.add(constant.name().toLowerCase(Locale.ROOT));
        }
        problems.add(value, path, "must be one of " + String.join(", ", valid) + " (was: '" + text + "')");
        return null;
    }

    /** A YAML list of names, or one value with names separated by spaces, commas or colons. */
    private List<String> names(String path, Node value) {
        List<String> names = new ArrayList<>();
        if (value instanceof ScalarNode scalar) {
            for (String name : scalar.getValue().split("[\\s,:]+")) {
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        } else if (value instanceof SequenceNode list) {
            for (Node item : list.getValue()) {
                if (item instanceof ScalarNode scalar && !scalar.getValue().isBlank()) {
                    names.add(scalar.getValue().strip());
                } else {
                    problems.add(item, path, "must list names (was: " + Problems.describe(item) + ")");
                    return null;
                }
            }
        } else {
            problems.add(value, path, "must be a list of names (was: a mapping)");
            return null;
        }
        if (names.isEmpty()) {
            problems.add(value, path, "must name at least one");
            return null;
        }
        return names;
    }

    private List<String> protocols(String path, Node value, List<String> names) {
        for (String name : names) {
            if (!KNOWN_PROTOCOLS.contains(name)) {
                problems.add(value, path, "unknown TLS protocol '" + name + "'; valid: TLSv1.2, TLSv1.3"
                        + " (TLSv1 and TLSv1.1 only where the engine still allows them)");
                return null;
            }
        }
        return names;
    }
}
