package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.server.ProxyRunner;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CommandLineOptionsTest {

    @Test
    void defaultsAreNutcrackers() throws Exception {
        CommandLineOptions options = CommandLineOptions.parse();

        assertThat(options).isEqualTo(CommandLineOptions.defaults());
        assertThat(options.help()).isFalse();
        assertThat(options.version()).isFalse();
        assertThat(options.testConf()).isFalse();
        assertThat(options.daemonize()).isFalse();
        assertThat(options.describeStats()).isFalse();
        assertThat(options.verbosity()).isEqualTo(5);
        assertThat(options.outputFile()).as("stderr").isNull();
        assertThat(options.confFile()).isEqualTo("conf/nutcracker.yml");
        assertThat(options.statsPort()).isEqualTo(22222);
        assertThat(options.statsAddr()).isEqualTo("0.0.0.0");
        assertThat(options.statsIntervalMillis()).isEqualTo(30000);
        assertThat(options.pidFile()).as("off").isNull();
        assertThat(options.mbufSize()).isEqualTo(16384);
        assertThat(options.threads()).isEqualTo(CommandLineOptions.AUTOMATIC_THREADS);
        assertThat(options.printsAndExits()).isFalse();
    }

    @Test
    void readsEveryShortFlag() throws Exception {
        CommandLineOptions options = CommandLineOptions.parse("-h", "-V", "-t", "-d", "-D", "-v", "7", "-o", "log.txt",
                "-c", "my.yml", "-s", "2222", "-a", "127.0.0.1", "-i", "1000", "-p", "nutjar.pid", "-m", "512");

        assertThat(options).isEqualTo(new CommandLineOptions(true, true, true, true, true, 7, "log.txt", "my.yml",
                2222, "127.0.0.1", 1000, "nutjar.pid", 512, 0));
    }

    @Test
    void readsEveryLongFlagWithEqualsOrTheNextArgument() throws Exception {
        CommandLineOptions options = CommandLineOptions.parse("--help", "--version", "--test-conf", "--daemonize",
                "--describe-stats", "--verbose=7", "--output", "log.txt", "--conf-file=my.yml", "--stats-port", "2222",
                "--stats-addr=127.0.0.1", "--stats-interval", "1000", "--pid-file=nutjar.pid", "--mbuf-size", "512",
                "--threads=3");

        assertThat(options).isEqualTo(new CommandLineOptions(true, true, true, true, true, 7, "log.txt", "my.yml",
                2222, "127.0.0.1", 1000, "nutjar.pid", 512, 3));
    }

    @Test
    void theAdminPortIsOffUnlessAskedFor() throws Exception {
        assertThat(CommandLineOptions.defaults().hasAdminPort()).isFalse();
        CommandLineOptions options = CommandLineOptions.parse("--admin-port=0", "--admin-addr", "0.0.0.0");
        assertThat(options.hasAdminPort()).isTrue();
        assertThat(options.adminPort()).isZero();
        assertThat(options.adminAddr()).isEqualTo("0.0.0.0");
        assertThat(CommandLineOptions.parse("--admin-port", "9151").adminAddr()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> CommandLineOptions.parse("--admin-port=70000"))
                .hasMessage("option --admin-port value 70000 is not a valid port");
        assertThatThrownBy(() -> CommandLineOptions.parse("--admin-port=x"))
                .hasMessage("option --admin-port requires a number");
    }

    @Test
    void takesAttachedValuesAndCombinedFlags() throws Exception {
        assertThat(CommandLineOptions.parse("-cfile.yml").confFile()).isEqualTo("file.yml");
        assertThat(CommandLineOptions.parse("-s2000").statsPort()).isEqualTo(2000);

        CommandLineOptions combined = CommandLineOptions.parse("-dt");
        assertThat(combined.daemonize()).isTrue();
        assertThat(combined.testConf()).isTrue();

        CommandLineOptions withValue = CommandLineOptions.parse("-dtc", "x.yml");
        assertThat(withValue.daemonize()).isTrue();
        assertThat(withValue.testConf()).isTrue();
        assertThat(withValue.confFile()).isEqualTo("x.yml");

        assertThat(CommandLineOptions.parse("-tcx.yml").confFile()).isEqualTo("x.yml");
    }

    @Test
    void takesTheNextArgumentVerbatimAsAValue() throws Exception {
        assertThat(CommandLineOptions.parse("-c", "-t").confFile()).isEqualTo("-t");
        assertThat(CommandLineOptions.parse("-c", "-t").testConf()).isFalse();
        assertThat(CommandLineOptions.parse("--conf-file", "--help").help()).isFalse();
    }

    @Test
    void acceptsUnambiguousLongPrefixesAsGetoptLongDoes() throws Exception {
        assertThat(CommandLineOptions.parse("--conf=x.yml").confFile()).isEqualTo("x.yml");
        assertThat(CommandLineOptions.parse("--verb", "3").verbosity()).isEqualTo(3);
        assertThat(CommandLineOptions.parse("--test").testConf()).isTrue();
        assertThat(CommandLineOptions.parse("--stats-p=1").statsPort()).isEqualTo(1);
    }

    @Test
    void letsALaterFlagOverrideAnEarlierOne() throws Exception {
        assertThat(CommandLineOptions.parse("-c", "a.yml", "--conf-file=b.yml").confFile()).isEqualTo("b.yml");
    }

    @Test
    void clampsVerbosityAsNutcrackersLoggerDoes() throws Exception {
        assertThat(CommandLineOptions.parse("-v", "0").verbosity()).isZero();
        assertThat(CommandLineOptions.parse("-v", "11").verbosity()).isEqualTo(11);
        assertThat(CommandLineOptions.parse("-v", "99").verbosity()).isEqualTo(11);
    }

    @Test
    void readsAnEmptyOutputFileAsStderr() throws Exception {
        assertThat(CommandLineOptions.parse("-o", "").outputFile()).isNull();
    }

    @Test
    void acceptsTheBoundsOfEveryRange() throws Exception {
        assertThat(CommandLineOptions.parse("-s", "1").statsPort()).isEqualTo(1);
        assertThat(CommandLineOptions.parse("-s", "65535").statsPort()).isEqualTo(65535);
        assertThat(CommandLineOptions.parse("-m", "16777216").mbufSize()).isEqualTo(16777216);
        assertThat(CommandLineOptions.parse("-i", "0").statsIntervalMillis()).isZero();
        assertThat(CommandLineOptions.parse("--threads", "256").threads()).isEqualTo(256);
    }

    @Test
    void passesTheBufferUnitAndThreadsToTheProxy() throws Exception {
        assertThat(ProxyProcess.proxyOptions(CommandLineOptions.parse("-m", "512", "--threads", "3")))
                .extracting(options -> options.mbufSize(), options -> options.threads())
                .containsExactly(512, 3);
        assertThat(ProxyProcess.proxyOptions(CommandLineOptions.defaults()))
                .extracting(options -> options.mbufSize(), options -> options.threads())
                .containsExactly(16384, ProxyRunner.defaultThreads());
    }

    @Test
    void treatsQuestionMarkAsHelp() throws Exception {
        assertThat(CommandLineOptions.parse("-?").help()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-h", "-V", "-D", "--help", "--version", "--describe-stats"})
    void knowsWhichFlagsOnlyPrint(String flag) throws Exception {
        assertThat(CommandLineOptions.parse(flag).printsAndExits()).isTrue();
    }

    @Test
    void endsOptionsAtDoubleDash() throws Exception {
        assertThat(CommandLineOptions.parse("-t", "--").testConf()).isTrue();
        assertThatThrownBy(() -> CommandLineOptions.parse("--", "-t"))
                .isInstanceOf(UsageException.class).hasMessage("unexpected argument '-t'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "-x|invalid option -- 'x'",
        "-tx|invalid option -- 'x'",
        "--foo|unrecognized option '--foo'",
        "-- x|unexpected argument 'x'",
        "--=x|unrecognized option '--=x'",
        "--help=yes|option '--help' doesn't allow an argument",
        "--stats|option '--stats' is ambiguous; possibilities: '--stats-port' '--stats-interval' '--stats-addr'",
        "-s 0|option -s value 0 is not a valid port",
        "-s 65536|option -s value 65536 is not a valid port",
        "-s 99999999999999|option -s value 99999999999999 is not a valid port",
        "-s abc|option -s requires a number",
        "-s ''|option -s requires a number",
        "-s -1|option -s requires a number",
        "-s|option -s requires a number",
        "--stats-port|option -s requires a number",
        "-v x|option -v requires a number",
        "-v -1|option -v requires a number",
        "-v|option -v requires a number",
        "-i 1.5|option -i requires a number",
        "-i|option -i requires a number",
        "-m 0|option -m requires a non-zero number",
        "-m x|option -m requires a non-zero number",
        "-m 511|mbuf chunk size must be between 512 and 16777216 bytes",
        "-m 16777217|mbuf chunk size must be between 512 and 16777216 bytes",
        "-m|option -m requires a number",
        "-c|option -c requires a file name",
        "-o|option -o requires a file name",
        "-p|option -p requires a file name",
        "--conf-file|option -c requires a file name",
        "-a|option -a requires a string",
        "--threads|option --threads requires a number",
        "--threads 0|option --threads value 0 is not between 1 and 256",
        "--threads 257|option --threads value 257 is not between 1 and 256",
        "--threads x|option --threads requires a number",
        "-t extra|unexpected argument 'extra'",
        "-|unexpected argument '-'",
    })
    void rejectsWithNutcrackersMessage(String commandLine, String message) {
        assertThatThrownBy(() -> CommandLineOptions.parse(split(commandLine)))
                .isInstanceOf(UsageException.class)
                .hasMessage(message);
    }

    /** Splits at spaces; '' is an empty argument. */
    private static String[] split(String commandLine) {
        return Arrays.stream(commandLine.split(" "))
                .map(arg -> arg.equals("''") ? "" : arg)
                .toArray(String[]::new);
    }
}
