package dev.nutjar.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code nutjar reload [-p PIDFILE | -c FILE] [--force]}: makes a running proxy read its
 * configuration again (SIGUSR1), and prints what the reload logged: each change, then the outcome.
 * The proxy is found by its pid file, or else by its configuration file: the one process whose
 * command line runs Nutjar with that {@code -c}, compared as real paths. Exits 0 when the reload
 * was applied, 1 when it was refused or nobody answered.
 */
final class ReloadCommand {
    static final String USAGE = "nutjar reload [-p pid file | -c conf file] [--force]";
    private static final long ANSWER_TIMEOUT_SECONDS = 60;

    private ReloadCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String pidFile = null;
        String confFile = null;
        boolean force = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--force" -> force = true;
                case "-p", "--pid-file", "-c", "--conf-file" -> {
                    if (i + 1 >= args.size()) {
                        return usage(err, "reload: option " + arg + " requires a file name");
                    }
                    if (arg.startsWith("-p") || arg.equals("--pid-file")) {
                        pidFile = args.get(++i);
                    } else {
                        confFile = args.get(++i);
                    }
                }
                default -> {
                    return usage(err, "reload: unrecognized argument '" + arg + "'");
                }
            }
        }
        long pid;
        try {
            pid = pidFile != null ? readPid(Path.of(pidFile))
                    : findByConfiguration(confFile != null ? confFile : CommandLineOptions.DEFAULT_CONF_FILE);
        } catch (IOException | IllegalStateException e) {
            err.println("nutjar: reload: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        try {
            ReloadRequests.request(pid, force);
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(pid)).inheritIO().start();
            if (kill.waitFor() != 0) {
                Files.deleteIfExists(ReloadRequests.requestFile(pid));
                err.println("nutjar: reload: cannot signal process " + pid);
                return Main.EXIT_FAILURE;
            }
            return awaitAnswer(pid, out, err);
        } catch (IOException e) {
            err.println("nutjar: reload: " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILURE;
        }
    }

    private static int awaitAnswer(long pid, PrintStream out, PrintStream err) throws IOException,
            InterruptedException {
        Path result = ReloadRequests.resultFile(pid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_TIMEOUT_SECONDS);
        while (!Files.exists(result)) {
            if (System.nanoTime() - deadline > 0 || ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                err.println("nutjar: reload: process " + pid + " did not answer; see its log");
                return Main.EXIT_FAILURE;
            }
            Thread.sleep(20);
        }
        List<String> lines = Files.readAllLines(result, StandardCharsets.UTF_8);
        Files.deleteIfExists(result);
        boolean applied = !lines.isEmpty() && lines.get(0).equals("applied");
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            (applied ? out : err).println(line);
        }
        return applied ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private static long readPid(Path pidFile) throws IOException {
        String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("pid file " + pidFile + " holds no pid (was: '" + text + "')");
        }
    }

    /** The one running Nutjar whose configuration file is {@code confFile}. */
    static long findByConfiguration(String confFile) throws IOException {
        Path wanted = Path.of(confFile).toRealPath();
        List<Long> found = new ArrayList<>();
        ProcessHandle self = ProcessHandle.current();
        ProcessHandle.allProcesses().filter(p -> p.pid() != self.pid()).forEach(process -> {
            Optional<String[]> arguments = process.info().arguments();
            if (arguments.isEmpty() || !runsNutjar(arguments.get())) {
                return;
            }
            Optional<Path> conf = confFileOf(process.pid(), arguments.get());
            if (conf.isPresent() && conf.get().equals(wanted)) {
                found.add(process.pid());
            }
        });
        if (found.size() != 1) {
            throw new IllegalStateException(found.isEmpty()
                    ? "no running nutjar uses " + wanted + "; give its pid file with -p"
                    : "several running nutjar use " + wanted + " (pids " + found + "); give a pid file with -p");
        }
        return found.get(0);
    }

    private static boolean runsNutjar(String[] arguments) {
        for (String argument : arguments) {
            if (isNutjar(argument)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isNutjar(String argument) {
        return argument.equals(Main.class.getName()) || argument.matches(".*nutjar[^/:]*\\.jar");
    }

    /** The real path of the {@code -c} a process runs with (relative to its working directory), if readable. */
    private static Optional<Path> confFileOf(long pid, String[] arguments) {
        String conf = CommandLineOptions.DEFAULT_CONF_FILE;
        // Nutjar's own arguments come after its main class or jar; the JVM's (-cp) before.
        int first = 0;
        for (int i = 0; i < arguments.length; i++) {
            if (isNutjar(arguments[i])) {
                first = i + 1;
                break;
            }
        }
        for (int i = first; i < arguments.length; i++) {
            String a = arguments[i];
            if ((a.equals("-c") || a.equals("--conf-file")) && i + 1 < arguments.length) {
                conf = arguments[i + 1];
            } else if (a.startsWith("--conf-file=")) {
                conf = a.substring("--conf-file=".length());
            } else if (a.startsWith("-c") && a.length() > 2) {
                conf = a.substring(2);
            }
        }
        try {
            Path path = Path.of(conf);
            if (!path.isAbsolute()) {
                path = Path.of("/proc", Long.toString(pid), "cwd").toRealPath().resolve(path);
            }
            return Optional.of(path.toRealPath());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("nutjar: " + message);
        err.println("Usage: " + USAGE);
        return Main.EXIT_FAILURE;
    }
}
