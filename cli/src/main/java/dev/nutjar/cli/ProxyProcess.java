package dev.nutjar.cli;

import dev.nutjar.cli.log.LogSink;
import dev.nutjar.hash.HashFunctions;
import dev.nutjar.protocol.Protocols;
import dev.nutjar.routing.Distributions;
import dev.nutjar.server.ProxyRunner;
import dev.nutjar.server.Version;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.proxy.Proxy;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the proxy as nutcracker's process does: log file and level, daemon, pid file, signals,
 * until SIGTERM or SIGINT, which stop accepting, let requests in flight finish, and exit 0.
 */
final class ProxyProcess {
    private static final Logger log = LoggerFactory.getLogger(ProxyProcess.class);

    /** Set in a daemon's environment: the file it writes "ok" or the startup error to. */
    static final String DAEMON_READY_ENV = "NUTJAR_DAEMON_READY";
    private final CommandLineOptions options;
    private final ProxyRunner runner;

    ProxyProcess(CommandLineOptions options, NutjarConfig config) {
        this.options = options;
        this.runner = new ProxyRunner(config, withAdmin(proxyOptions(options), options, config));
    }

    /** What the proxy runs with: the command line's event loops, stats listener and buffer unit ({@code -m}). */
    static Proxy.Options proxyOptions(CommandLineOptions options) {
        int threads = options.threads() == CommandLineOptions.AUTOMATIC_THREADS
                ? ProxyRunner.defaultThreads() : options.threads();
        Proxy.Options proxy = new Proxy.Options(threads, options.statsAddr(), options.statsPort(),
                options.statsIntervalMillis(), 512L * 1024 * 1024, HashFunctions.registry(), Distributions.registry(),
                Protocols.registry(), options.mbufSize());
        return options.hasAdminPort() ? proxy.withAdmin(options.adminAddr(), options.adminPort()) : proxy;
    }

    /** The admin port of {@code --admin-port}, else of the file's {@code nutjar_admin}, else none. */
    static Proxy.Options withAdmin(Proxy.Options proxy, CommandLineOptions options, NutjarConfig config) {
        if (options.hasAdminPort()) {
            return proxy;
        }
        return config.adminAddress()
                .map(admin -> proxy.withAdmin(admin.host(), admin.port()))
                .orElse(proxy);
    }

    int run(PrintStream err) {
        String readyFile = System.getenv(DAEMON_READY_ENV);
        if (options.daemonize() && readyFile == null) {
            return daemonize(err);
        }
        try {
            LogSink.open(options.outputFile());
        } catch (IOException e) {
            err.println("nutjar: opening log file '" + options.outputFile() + "' failed: " + e.getMessage());
            return report(readyFile, 1, "cannot open the log file: " + e.getMessage());
        }
        LogSink.verbosity(options.verbosity());
        log.info("{} started on pid {}", Version.banner().lines().findFirst().orElse("nutjar"), ProcessHandle.current().pid());
        // Before anything listens: a signal sent as soon as the port answers must find its handler
        // (SIGTTIN's default action would stop the process).
        installSignalHandlers();
        Path pidFile = options.pidFile() == null ? null : Path.of(options.pidFile());
        try {
            if (pidFile != null) {
                Files.writeString(pidFile, Long.toString(ProcessHandle.current().pid()), StandardCharsets.US_ASCII);
            }
            runner.start();
        } catch (IOException | RuntimeException e) {
            log.error("cannot start: {}", e.getMessage());
            err.println("nutjar: cannot start: " + e.getMessage());
            deletePidFile(pidFile);
            return report(readyFile, 1, e.getMessage());
        }
        report(readyFile, 0, null);
        runner.awaitStopAndShutdown();
        deletePidFile(pidFile);
        log.info("done");
        return 0;
    }

    private void installSignalHandlers() {
        Signals.handleAndLog("TERM", 15, "exiting", runner::requestStop);
        Signals.handleAndLog("INT", 2, "exiting", runner::requestStop);
        Signals.handleAndLog("HUP", 1, "reopening log file", () -> {
            try {
                LogSink.reopen();
            } catch (IOException e) {
                log.error("reopening log file '{}' failed: {}", options.outputFile(), e.getMessage());
            }
        });
        Signals.handleAndLog("TTIN", 21, "up logging level", () -> {
            LogSink.verbosity(LogSink.verbosity() + 1);
            LogSink.always(Signals.SOURCE, "up log level to " + LogSink.verbosity());
        });
        Signals.handleAndLog("TTOU", 22, "down logging level", () -> {
            LogSink.verbosity(LogSink.verbosity() - 1);
            LogSink.always(Signals.SOURCE, "down log level to " + LogSink.verbosity());
        });
        // nutcracker ignores these; the launcher moves the JVM's own use of SIGUSR2 elsewhere.
        Signals.handleAndLog("USR1", 10, null, () -> { });
        Signals.handleAndLog("USR2", 12, null, () -> { });
    }

    /**
     * {@code -d}: starts this same command again as a daemon in its own session, with standard
     * input and output on /dev/null, and returns once it listens (0) or has failed (1, with why).
     * The JVM cannot fork, so the daemon is a fresh process.
     */
    private int daemonize(PrintStream err) {
        ProcessHandle.Info self = ProcessHandle.current().info();
        Optional<String> java = self.command();
        Optional<String[]> arguments = self.arguments();
        if (java.isEmpty() || arguments.isEmpty()) {
            err.println("nutjar: cannot daemonize: this platform does not report the command line");
            return 1;
        }
        Path ready;
        try {
            ready = Files.createTempFile("nutjar-daemon-", ".ready");
        } catch (IOException e) {
            err.println("nutjar: cannot daemonize: " + e.getMessage());
            return 1;
        }
        List<String> command = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            command.add("/usr/bin/setsid");
        }
        command.add(java.get());
        command.addAll(List.of(arguments.get()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.DISCARD);
        builder.environment().put(DAEMON_READY_ENV, ready.toString());
        try {
            Process daemon = builder.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                String state = Files.readString(ready).trim();
                if (state.equals("ok")) {
                    return 0;
                }
                if (!state.isEmpty()) {
                    err.println("nutjar: the daemon failed to start: " + state);
                    return 1;
                }
                if (!daemon.isAlive() && daemon.exitValue() != 0) {
                    err.println("nutjar: the daemon exited with status " + daemon.exitValue());
                    return 1;
                }
                Thread.sleep(20);
            }
            err.println("nutjar: the daemon did not report within 60 s");
            return 1;
        } catch (IOException e) {
            err.println("nutjar: cannot daemonize: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static int report(String readyFile, int status, String error) {
        if (readyFile != null) {
            try {
                Files.writeString(Path.of(readyFile), status == 0 ? "ok\n" : error + "\n");
            } catch (IOException e) {
                log.error("cannot tell the launcher: {}", e.getMessage());
            }
        }
        return status;
    }

    private static void deletePidFile(Path pidFile) {
        if (pidFile != null) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                log.warn("cannot remove pid file {}: {}", pidFile, e.getMessage());
            }
        }
    }
}
