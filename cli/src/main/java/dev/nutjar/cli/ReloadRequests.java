package dev.nutjar.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Optional;

/**
 * How {@code nutjar reload} talks to a running proxy beside SIGUSR1, which carries nothing: a
 * request file asks for {@code --force}, and the proxy answers in a result file with the lines the
 * reload logged. Both live in the temporary directory, named by the proxy's pid. A request file
 * not owned by the proxy's user is ignored, so nobody else can force a reload.
 */
final class ReloadRequests {
    private ReloadRequests() {}

    static Path requestFile(long pid) {
        return Path.of(System.getProperty("java.io.tmpdir"), "nutjar-" + pid + ".reload-request");
    }

    static Path resultFile(long pid) {
        return Path.of(System.getProperty("java.io.tmpdir"), "nutjar-" + pid + ".reload-result");
    }

    /** Written by {@code nutjar reload} before it signals {@code pid}. */
    static void request(long pid, boolean force) throws IOException {
        Files.deleteIfExists(resultFile(pid));
        writeAtomically(requestFile(pid), force ? "force\n" : "\n");
    }

    /**
     * Read by the proxy on SIGUSR1: whether a request came with the signal, and whether it forces.
     * Empty for a bare {@code kill -USR1}.
     */
    static Optional<Boolean> take(long pid) {
        Path file = requestFile(pid);
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            UserPrincipal me = Files.getOwner(Path.of(System.getProperty("java.io.tmpdir")).resolve("."));
            boolean ours = Files.getOwner(file).getName().equals(System.getProperty("user.name"))
                    || Files.getOwner(file).equals(me);
            String text = Files.readString(file, StandardCharsets.UTF_8);
            Files.deleteIfExists(file);
            return ours ? Optional.of(text.trim().equals("force")) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Written by the proxy once the reload asked for is done: {@code applied} or {@code refused}, then its lines. */
    static void answer(long pid, boolean applied, List<String> lines) throws IOException {
        writeAtomically(resultFile(pid), (applied ? "applied" : "refused") + "\n" + String.join("\n", lines) + "\n");
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, text, StandardCharsets.UTF_8);
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
