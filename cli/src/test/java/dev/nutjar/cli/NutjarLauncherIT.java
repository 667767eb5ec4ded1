package dev.nutjar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.Distribution;
import dev.nutjar.server.Version;
import dev.nutjar.server.testplugin.PluginDistribution;
import dev.nutjar.server.testplugin.PluginHashFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code bin/nutjar} as an operator would: a real process on the shaded jar, from the
 * repository root ({@code nutjar.project.dir}).
 */
class NutjarLauncherIT {

    private static final Path PROJECT = Path.of(System.getProperty("nutjar.project.dir", "..")).toAbsolutePath().normalize();
    private static final Path LAUNCHER = PROJECT.resolve("bin/nutjar");

    @TempDir
    Path dir;

    record Outcome(int status, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Outcome nutjar(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        return run(command, environment);
    }

    /** Runs {@code command} from the repository root with no NUTJAR_ variables but {@code environment}'s. */
    private Outcome run(List<String> command, Map<String, String> environment) throws Exception {
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(PROJECT.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("NUTJAR_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Outcome(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Outcome nutjar(String... args) throws Exception {
        return nutjar(Map.of(), args);
    }

    @Test
    void launcherIsExecutable() {
        assertThat(LAUNCHER).isRegularFile().isExecutable();
    }

    @Test
    void acceptsTheFivePoolNutcrackerSample() throws Exception {
        Outcome outcome = nutjar("-t", "-c", "conf/nutcracker.yml");

        assertThat(outcome.errLines()).containsExactly("nutjar: configuration file 'conf/nutcracker.yml' syntax is ok");
        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).isEmpty();
    }

    @Test
    void acceptsTheAnnotatedConfiguration() throws Exception {
        Outcome outcome = nutjar("--test-conf", "--conf-file=conf/nutjar.yml");

        assertThat(outcome.errLines()).containsExactly("nutjar: configuration file 'conf/nutjar.yml' syntax is ok");
        assertThat(outcome.status()).isZero();
    }

    @Test
    void listsEveryErrorOfABadFile() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yml"), """
                alpha:
                  listen: 127.0.0.1:22121
                  redis: yes
                  servers:
                   - 127.0.0.1:6379:0
                beta:
                  listen: 127.0.0.1:22121
                  servers:
                   - 127.0.0.1:6380:1
                """);

        Outcome outcome = nutjar("-t", "-c", bad.toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines()).first()
                .isEqualTo("nutjar: configuration file '" + bad + "' syntax is invalid");
        assertThat(outcome.errLines()).contains(
                "nutjar: line 3: alpha.redis: must be true or false (was: 'yes')",
                "nutjar: line 5: alpha.servers[0]: weight must be > 0 (was: 0)",
                "nutjar: line 7: beta.listen: pools 'alpha' and 'beta' have the same listen address '127.0.0.1:22121'");
    }

    @Test
    void printsTheVersionFromTheJarManifest() throws Exception {
        Outcome outcome = nutjar("-V");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out()).isEqualTo(Version.banner() + "\n\n");
    }

    @Test
    void rejectsABadFlagLikeNutcracker() throws Exception {
        Outcome outcome = nutjar("-s", "0");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines().get(0)).isEqualTo("nutjar: option -s value 0 is not a valid port");
    }

    @Test
    void findsHashFunctionsAndDistributionsInPluginJars() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        writePluginJar(Files.createDirectories(home.resolve("plugins")).resolve("test-plugin.jar"));
        Path conf = writePluginConfiguration();

        Outcome outcome = nutjar(Map.of("NUTJAR_HOME", home.toString()), "-t", "-c", conf.toString());

        assertThat(outcome.errLines()).containsExactly("nutjar: configuration file '" + conf + "' syntax is ok");
        assertThat(outcome.status()).isZero();
    }

    @Test
    void addsNutjarClasspathToTheClassPath() throws Exception {
        Path jar = dir.resolve("extra.jar");
        writePluginJar(jar);
        Path conf = writePluginConfiguration();

        Outcome outcome = nutjar(Map.of("NUTJAR_CLASSPATH", jar.toString()), "-t", "-c", conf.toString());

        assertThat(outcome.errLines()).containsExactly("nutjar: configuration file '" + conf + "' syntax is ok");
    }

    @Test
    void withoutThePluginItsNamesAreUnknown() throws Exception {
        Path conf = writePluginConfiguration();

        Outcome outcome = nutjar("-t", "-c", conf.toString());

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.errLines()).anySatisfy(line ->
                assertThat(line).startsWith("nutjar: line 3: plugged.hash: unknown hash function 'it_plugin_hash'"));
    }

    @Test
    void allowsNettyItsUnsafeMemoryAccessFromJava24() throws Exception {
        Outcome outcome = nutjar(Map.of("JAVA_HOME", fakeJdk("25.0.3", true).toString()), "-V");

        assertThat(outcome.status()).isZero();
        assertThat(outcome.out().lines())
                .contains("-XX:+UseSerialGC", "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED")
                .endsWith("dev.nutjar.cli.Main", "-V");
    }

    @Test
    void passesAnOlderJavaNoFlagItWouldRefuse() throws Exception {
        Outcome outcome = nutjar(Map.of("JAVA_HOME", fakeJdk("17.0.15", true).toString()), "-V");

        assertThat(outcome.out().lines()).contains("-XX:+UseSerialGC").noneMatch(arg -> arg.startsWith("--"));
    }

    @Test
    void asksJavaItsVersionWhenItsHomeHasNoReleaseFile() throws Exception {
        Outcome outcome = nutjar(Map.of("JAVA_HOME", fakeJdk("26", false).toString()), "-V");

        assertThat(outcome.out().lines()).contains("--sun-misc-unsafe-memory-access=allow");
    }

    @Test
    void nutjarJavaOptsAddToTheDefaultsAndTheLaterFlagWins() throws Exception {
        Path jdk = fakeJdk("25.0.3", true);

        Outcome outcome = nutjar(Map.of("JAVA_HOME", jdk.toString(), "NUTJAR_JAVA_OPTS", "-Xmx1g -XX:+UseZGC"), "-V");

        List<String> args = outcome.out().lines().toList();
        assertThat(args).contains("-XX:MaxDirectMemorySize=256m", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseZGC");
        assertThat(args.indexOf("-Xmx1g")).as("after the default, so that it wins").isGreaterThan(args.indexOf("-Xmx256m"));
        assertThat(args).as("one collector: the JVM refuses two").doesNotContain("-XX:+UseSerialGC");
        assertThat(args).endsWith("-cp", jar(), "dev.nutjar.cli.Main", "-V");
    }

    @Test
    void nutjarDefaultJavaOptsReplaceTheDefaultsButNotTheFlagsTheJvmNeeds() throws Exception {
        Path jdk = fakeJdk("25.0.3", true);

        Outcome outcome = nutjar(Map.of("JAVA_HOME", jdk.toString(), "NUTJAR_DEFAULT_JAVA_OPTS", "-Xmx2g",
                "NUTJAR_JAVA_OPTS", "-Dextra=1"), "-V");

        assertThat(outcome.out().lines()).containsExactly("-Xmx2g", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-Dextra=1", "-cp", jar(), "dev.nutjar.cli.Main", "-V");
    }

    @Test
    void aJavaHomeWithoutJavaIsAnErrorNamingIt() throws Exception {
        Path notAJdk = Files.createDirectories(dir.resolve("not-a-jdk"));

        Outcome outcome = nutjar(Map.of("JAVA_HOME", notAJdk.toString()), "-V");

        assertThat(outcome.status()).isEqualTo(1);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.errLines()).containsExactly("nutjar: JAVA_HOME is '" + notAJdk
                + "', which has no bin/java; set it to a Java 17+ installation or unset it");
    }

    /**
     * A shell without job control starts background commands with SIGINT ignored; the launcher
     * gives the JVM SIGINT back, so that Ctrl-C or {@code kill -INT} stops it as it stops nutcracker.
     */
    @Test
    void theJvmStartedInTheBackgroundOfAScriptDoesNotIgnoreSigint() throws Exception {
        Path jdk = fakeJdk("21.0.7", true, "grep '^SigIgn:' /proc/$$/status");
        String script = "\"$0\" -V & wait $!";

        Outcome control = runScript("sh -c \"grep '^SigIgn:' /proc/\\$\\$/status\" & wait $!", Map.of());
        Outcome outcome = runScript(script, Map.of("JAVA_HOME", jdk.toString()));

        assertThat(sigintIgnored(control.out())).as("the shell ignores SIGINT in background commands").isTrue();
        assertThat(outcome.status()).as(outcome.err()).isZero();
        assertThat(sigintIgnored(outcome.out())).as("SIGINT ignored in: %s", outcome.out()).isFalse();
    }

    /** Whether the {@code SigIgn:} line of /proc/PID/status has SIGINT's bit (signal 2: 0x2). */
    private static boolean sigintIgnored(String status) {
        String mask = status.lines().filter(line -> line.startsWith("SigIgn:")).findFirst()
                .orElseThrow(() -> new AssertionError("no SigIgn line in: " + status)).substring(7).trim();
        return (Long.parseUnsignedLong(mask, 16) & 0x2) != 0;
    }

    /** Runs {@code bash -c script} with bin/nutjar as {@code $0}: a non-interactive shell, no job control. */
    private Outcome runScript(String script, Map<String, String> environment) throws Exception {
        return run(List.of("bash", "-c", script, LAUNCHER.toString()), environment);
    }

    /**
     * In a source tree whose jar is missing, the launcher builds it with Maven in batch mode, with
     * no progress bars and no colors, and what the build prints reaches the log without terminal
     * escape codes (some Maven versions print color resets even then).
     */
    @Test
    void buildsAMissingJarWithoutEscapeCodesInTheLog() throws Exception {
        Path tree = dir.resolve("tree");
        Path launcher = Files.createDirectories(tree.resolve("bin")).resolve("nutjar");
        Files.copy(LAUNCHER, launcher);
        Path tools = Files.createDirectories(dir.resolve("tools"));
        Path mvn = tools.resolve("mvn");
        Files.writeString(mvn, """
                #!/bin/sh
                printf '%%s\\n' "$@" > "%s"
                printf '\\033[0m\\033[0m\\033[1mBUILD SUCCESS\\033[m\\n'
                mkdir -p cli/target && cp "%s" cli/target/nutjar.jar
                """.formatted(dir.resolve("mvn-args.txt"), jar()));
        assertThat(mvn.toFile().setExecutable(true)).isTrue();
        Path jdk = fakeJdk("21.0.7", true);

        Outcome outcome = run(List.of(launcher.toString(), "-V"), Map.of("JAVA_HOME", jdk.toString(),
                "PATH", tools + java.io.File.pathSeparator + System.getenv("PATH")));
        String log = outcome.err();

        assertThat(outcome.status()).as(log).isZero();
        assertThat(Files.readAllLines(dir.resolve("mvn-args.txt")))
                .contains("-B", "--no-transfer-progress", "-Dstyle.color=never", "-pl", "cli", "-am", "package");
        assertThat(log).contains("is missing; building it", "BUILD SUCCESS").doesNotContain("\u001b");
        assertThat(outcome.out().lines())
                .endsWith("-cp", tree.resolve("cli/target/nutjar.jar").toString(), "dev.nutjar.cli.Main", "-V");
    }

    /** The source tree's runnable jar, as bin/nutjar names it. */
    private static String jar() {
        try {
            return PROJECT.resolve("cli/target/nutjar.jar").toRealPath().toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A Java home whose {@code java} prints its arguments, one per line, and answers
     * {@code -version} as a JVM of {@code version} would; with a release file naming it, or none.
     */
    private Path fakeJdk(String version, boolean releaseFile) throws IOException {
        return fakeJdk(version, releaseFile, "printf '%s\\n' \"$@\"");
    }

    /** A Java home whose {@code java} runs {@code body} (a shell command) when not asked its version. */
    private Path fakeJdk(String version, boolean releaseFile, String body) throws IOException {
        Path home = dir.resolve("jdk-" + version + (releaseFile ? "" : "-bare"));
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                if [ "$1" = -version ]; then echo 'openjdk version "%s" 2026-09-15' >&2; exit 0; fi
                """.formatted(version) + body + "\n");
        assertThat(java.toFile().setExecutable(true)).isTrue();
        if (releaseFile) {
            Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        }
        return home;
    }

    private Path writePluginConfiguration() throws IOException {
        return Files.writeString(dir.resolve("plugin.yml"), """
                plugged:
                  listen: 127.0.0.1:22199
                  hash: it_plugin_hash
                  distribution: it_plugin_distribution
                  servers:
                   - 127.0.0.1:6379:1
                """);
    }

    /** A third-party jar: the two test plugin classes and their service files. */
    private static void writePluginJar(Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> type : List.of(PluginHashFunction.class, PluginDistribution.class)) {
                String entry = type.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(entry));
                try (InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
            writeService(out, HashFunction.class, PluginHashFunction.class);
            writeService(out, Distribution.class, PluginDistribution.class);
        }
    }

    private static void writeService(OutputStream jar, Class<?> service, Class<?> provider) throws IOException {
        ((JarOutputStream) jar).putNextEntry(new JarEntry("META-INF/services/" + service.getName()));
        jar.write((provider.getName() + "\n").getBytes(StandardCharsets.UTF_8));
        ((JarOutputStream) jar).closeEntry();
    }
}
