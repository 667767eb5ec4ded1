package dev.nutjar.cli;

import dev.nutjar.server.config.ConfigLoader;
import dev.nutjar.server.config.StubProviders;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/** Runs {@link Main} in-process, capturing what it prints. */
final class Cli {
    private Cli() {}

    /** What one run printed and returned. */
    record Outcome(int status, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }

    /** A Main whose configuration loader knows stub providers named like twemproxy's. */
    static Main withStubProviders(KeyLocator.Factory locators) {
        return new Main(StubProviders::loader, locators);
    }

    /** A Main that fails the test if it reads a configuration. */
    static Main refusingToReadConfiguration() {
        Supplier<ConfigLoader> refuse = () -> {
            throw new AssertionError("the configuration must not be read");
        };
        return new Main(refuse, pool -> {
            throw new AssertionError("nothing must be routed");
        });
    }

    static Outcome runWithStdin(Main main, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = main.execute(List.of(args),
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), outStream, errStream);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Outcome run(Main main, String... args) {
        return runWithStdin(main, "", args);
    }

    /** Runs the real entry point, {@link Main#run(String[], java.io.InputStream, PrintStream, PrintStream)}. */
    static Outcome runStatic(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(args, new ByteArrayInputStream(new byte[0]), outStream, errStream);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
