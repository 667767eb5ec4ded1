package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.cli.Cli.Outcome;
import dev.nutjar.server.Version;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

    private static final String GOOD = """
            alpha:
              listen: 127.0.0.1:22121
              servers:
               - 127.0.0.1:6379:1
            """;

    private static final String BAD = """
            alpha:
              listen: 127.0.0.1:22121
              timeout: abc
              servers:
               - 127.0.0.1:6379:0
            beta:
              listen: 127.0.0.1:22121
            """;

    @TempDir
    Path dir;

    private final Main main = Cli.withStubProviders(pool -> key -> pool.servers().get(0));

    private String write(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name), yaml).toString();
    }

    @Test
    void helpPrintsTheBannerAndTheUsageOfEveryFlag() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-h");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.err()).isEmpty();
        assertThat(outcome.outLines().get(0)).isEqualTo(Version.banner());
        assertThat(outcome.outLines().get(1)).isEmpty();
        assertThat(outcome.outLines().get(2)).startsWith("Usage: nutjar [-?hVdDt]");
        assertThat(outcome.out()).contains(
                "  -h, --help             : this help",
                "  -V, --version          : show version and exit",
                "  -t, --test-conf        : test configuration for syntax errors and exit",
                "  -d, --daemonize        : run as a daemon",
                "  -D, --describe-stats   : print stats description and exit",
                "  -v, --verbose=N        : set logging level (default: 5, min: 0, max: 11)",
                "  -o, --output=S         : set logging file (default: stderr)",
                "  -c, --conf-file=S      : set configuration file (default: conf/nutcracker.yml)",
                "  -s, --stats-port=N     : set stats monitoring port (default: 22222)",
                "  -a, --stats-addr=S     : set stats monitoring ip (default: 0.0.0.0)",
                "  -i, --stats-interval=N : set stats aggregation interval in msec (default: 30000 msec)",
                "  -p, --pid-file=S       : set pid file (default: off)",
                "  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: 16384 bytes);",
                "                           small writes are batched into N-byte buffers, reads take up",
                "                           to max(4 x N, 4096) bytes (min: 512, max: 16777216)",
                "      --threads=N        : set number of event loops",
                "nutjar locate [-c conf file] [--hex] POOL [KEY ...]",
                "  locate POOL [KEY ...]  :",
                "  demo                   :");
    }

    @Test
    void versionPrintsTheBannerOnly() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-V");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines()).containsExactly(Version.banner(), "");
        assertThat(outcome.err()).isEmpty();
    }

    @Test
    void describeStatsPrintsEveryMetricInNutcrackersFormat() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-D");

        assertThat(outcome.status()).isZero();
        List<String> lines = outcome.outLines();
        assertThat(lines.subList(0, 3)).containsExactly(Version.banner(), "", "pool stats:");
        assertThat(lines).contains(
                "  client_eof          \"# client connections closed by the client (eof)\"",
                "",
                "server stats:",
                "  server_ejected_at   \"when the server was last ejected, in usec since the epoch\"");
        assertThat(lines.stream().filter(line -> line.startsWith("  ")).map(line -> line.substring(2, 22).strip()))
                .containsExactly("client_eof", "client_err", "client_connections", "server_ejects", "forward_error",
                        "fragments", "server_eof", "server_err", "server_timedout", "server_connections",
                        "server_ejected_at", "requests", "request_bytes", "responses", "response_bytes", "in_queue",
                        "in_queue_bytes", "out_queue", "out_queue_bytes");
        assertThat(lines.stream().filter(line -> line.startsWith("  ")))
                .allSatisfy(line -> assertThat(line).matches("  [a-z_]{1,19} +\"[^\"]+\""));
    }

    @Test
    void helpAndDescribeTogetherPrintBoth() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-hD");

        assertThat(outcome.out()).contains("Usage: nutjar", "pool stats:", "server stats:");
    }

    @ParameterizedTest(name = "{0} wins over -t and never reads the configuration")
    @ValueSource(strings = {"-h", "-V", "-D"})
    void printingFlagsWinOverTestConf(String flag) {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-t", "-c", "/does/not/exist.yml", flag);

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines().get(0)).isEqualTo(Version.banner());
        assertThat(outcome.err()).isEmpty();
    }

    @Test
    void testConfSaysOkOnStderr() throws Exception {
        String file = write("good.yml", GOOD);

        Outcome outcome = Cli.run(main, "-t", "-c", file);

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines()).containsExactly("nutjar: configuration file '" + file + "' syntax is ok");
    }

    @Test
    void testConfListsEveryError() throws Exception {
        String file = write("bad.yml", BAD);

        Outcome outcome = Cli.run(main, "--test-conf", "--conf-file=" + file);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: configuration file '" + file + "' syntax is invalid",
                "nutjar: line 3: alpha.timeout: must be a non-negative integer (was: 'abc')",
                "nutjar: line 5: alpha.servers[0]: weight must be > 0 (was: 0)",
                "nutjar: line 6: beta: missing required key 'servers'",
                "nutjar: line 7: beta.listen: pools 'alpha' and 'beta' have the same listen address '127.0.0.1:22121'");
    }

    @Test
    void testConfSaysWhenTheFileIsMissing() {
        String file = dir.resolve("missing.yml").toString();

        Outcome outcome = Cli.run(main, "-t", "-c", file);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: configuration file '" + file + "' syntax is invalid",
                "nutjar: " + file + ": cannot read the file: no such file");
    }

    @Test
    void testConfReadsConfNutcrackerYmlByDefault() {
        Outcome outcome = Cli.run(main, "-t");

        assertThat(outcome.errLines().get(0)).startsWith("nutjar: configuration file 'conf/nutcracker.yml' syntax is ");
    }

    @Test
    void runningValidatesTheConfigurationFirst() throws Exception {
        String file = write("bad.yml", BAD);

        Outcome outcome = Cli.run(main, "-c", file);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).hasSize(5).first()
                .isEqualTo("nutjar: configuration file '" + file + "' syntax is invalid");
    }

    @Test
    void aBadOptionPrintsNutcrackersMessageThenTheUsage() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-x");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines().get(0)).isEqualTo("nutjar: invalid option -- 'x'");
        assertThat(outcome.errLines().get(1)).startsWith("Usage: nutjar ");
    }

    @Test
    void aBadValueIsReportedEvenWithHelp() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "-h", "-s", "0");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines().get(0)).isEqualTo("nutjar: option -s value 0 is not a valid port");
    }

    @Test
    void anUnknownCommandIsAnError() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "frobnicate");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines().get(0)).isEqualTo("nutjar: unknown command 'frobnicate'");
        assertThat(outcome.errLines().get(1)).startsWith("Usage: nutjar ");
    }

    @Test
    void demoTakesNoArguments() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "demo", "now");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly("nutjar: demo takes no arguments");
    }

    @Test
    void aBrokenPluginIsReportedNotThrown() throws Exception {
        String file = write("good.yml", GOOD);
        Main broken = new Main(() -> {
            throw new IllegalStateException("cannot load a hash function provider (x.Y): boom");
        }, pool -> null);

        Outcome outcome = Cli.run(broken, "-t", "-c", file);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly("nutjar: cannot load a hash function provider (x.Y): boom");
    }

    @Test
    void theRealEntryPointPrintsWithoutLoadingProviders() {
        assertThat(Cli.runStatic("-V").outLines()).containsExactly(Version.banner(), "");
        assertThat(Cli.runStatic("--help").status()).isZero();
        assertThat(Cli.runStatic("-D").out()).contains("out_queue_bytes");
        assertThat(Cli.runStatic("-s", "x").errLines().get(0)).isEqualTo("nutjar: option -s requires a number");
    }

    @Test
    void theRealEntryPointReportsABadConfiguration() throws Exception {
        String file = write("syntax.yml", "alpha: [\n");

        Outcome outcome = Cli.runStatic("-t", "-c", file);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).hasSize(2);
        assertThat(outcome.errLines().get(1)).startsWith("nutjar: line 2, column 1: " + file + " is not valid YAML: ");
    }
}
