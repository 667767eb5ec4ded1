package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.cli.Cli.Outcome;
import dev.nutjar.routing.ServerSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocateCommandTest {

    /** Routes by key length, so tests know where each key goes without the real routing. */
    private static final KeyLocator.Factory BY_KEY_LENGTH = pool -> {
        List<ServerSpec> servers = pool.sortedServers();
        return key -> servers.get(key.length % servers.size());
    };

    @TempDir
    Path dir;

    private String conf;
    private final Main main = Cli.withStubProviders(BY_KEY_LENGTH);

    @BeforeEach
    void writeConfiguration() throws Exception {
        conf = Files.writeString(dir.resolve("locate.yml"), """
                zeta:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6379:1
                alpha:
                  listen: 127.0.0.1:22122
                  servers:
                   - 127.0.0.1:6380:1 one
                   - 127.0.0.1:6381:1 two
                """).toString();
    }

    @Test
    void printsKeyServerNameAndAddress() {
        Outcome outcome = Cli.run(main, "locate", "-c", conf, "alpha", "a", "bb", "ccc");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines()).containsExactly(
                "a\ttwo\t127.0.0.1:6381",
                "bb\tone\t127.0.0.1:6380",
                "ccc\ttwo\t127.0.0.1:6381");
        assertThat(outcome.err()).isEmpty();
    }

    @Test
    void readsKeysFromStdinWhenNoneAreGiven() {
        Outcome outcome = Cli.runWithStdin(main, "a\r\nbb\n", "locate", "--conf-file=" + conf, "alpha");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines()).containsExactly("a\ttwo\t127.0.0.1:6381", "bb\tone\t127.0.0.1:6380");
    }

    @Test
    void decodesHexKeysAndPrintsThemAsGiven() {
        Outcome outcome = Cli.run(main, "locate", "--hex", "-c" + conf, "alpha", "00ff", "e4b8ad");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines()).containsExactly("00ff\tone\t127.0.0.1:6380", "e4b8ad\ttwo\t127.0.0.1:6381");
    }

    @Test
    void reportsABadHexKeyAndGoesOn() {
        Outcome outcome = Cli.run(main, "locate", "-c", conf, "--hex", "alpha", "zz", "00");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.outLines()).containsExactly("00\ttwo\t127.0.0.1:6381");
        assertThat(outcome.errLines()).singleElement().asString().startsWith("nutjar: locate: key 'zz' is not hex: ");
    }

    @Test
    void takesKeysStartingWithADashAfterDoubleDash() {
        Outcome outcome = Cli.run(main, "locate", "-c", conf, "alpha", "--", "-x");

        assertThat(outcome.outLines()).containsExactly("-x\tone\t127.0.0.1:6380");
    }

    @Test
    void namesThePoolsWhenThePoolIsUnknown() {
        Outcome outcome = Cli.run(main, "locate", "-c", conf, "beta", "k");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: locate: no pool 'beta' in '" + conf + "'; pools: zeta, alpha");
    }

    @Test
    void needsAPool() {
        Outcome outcome = Cli.run(main, "locate", "-c", conf);

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: locate: missing the POOL argument",
                "Usage: nutjar locate [-c conf file] [--hex] POOL [KEY ...]");
    }

    @Test
    void rejectsUnknownOptions() {
        assertThat(Cli.run(main, "locate", "-x", "alpha").errLines().get(0))
                .isEqualTo("nutjar: locate: invalid option -- 'x'");
        assertThat(Cli.run(main, "locate", "--nope", "alpha").errLines().get(0))
                .isEqualTo("nutjar: locate: unrecognized option '--nope'");
        assertThat(Cli.run(main, "locate", "alpha", "-c").errLines().get(0))
                .isEqualTo("nutjar: locate: option -c requires a file name");
    }

    @Test
    void reportsAnInvalidConfiguration() throws Exception {
        String bad = Files.writeString(dir.resolve("bad.yml"), "alpha:\n  listen: 127.0.0.1:1\n").toString();

        Outcome outcome = Cli.run(main, "locate", "-c", bad, "alpha", "k");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: configuration file '" + bad + "' syntax is invalid",
                "nutjar: line 1: alpha: missing required key 'servers'");
    }

    @Test
    void reportsAPoolThatCannotBeRouted() {
        Main unrouted = Cli.withStubProviders(pool -> {
            throw new UnsupportedOperationException("this build has no pool router yet");
        });

        Outcome outcome = Cli.run(unrouted, "locate", "-c", conf, "alpha", "k");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).containsExactly(
                "nutjar: locate: cannot route pool 'alpha': this build has no pool router yet");
    }

    @Test
    void printsItsOwnHelp() {
        Outcome outcome = Cli.run(Cli.refusingToReadConfiguration(), "locate", "-h");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.outLines().get(0)).isEqualTo("Usage: nutjar locate [-c conf file] [--hex] POOL [KEY ...]");
    }
}
