package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each {@code config/invalid/X.yml} must fail with exactly the errors listed, one a line, in
 * {@code X.errors}: every error of the file, with its line, path and bad value.
 */
class InvalidConfigFixturesTest {

    static Stream<String> fixtures() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(directory())) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yml"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void reportsEveryErrorOfTheFile(String fixture) throws Exception {
        Path file = directory().resolve(fixture);
        List<String> expected = Files.readAllLines(
                directory().resolve(fixture.replaceFirst("\\.yml$", ".errors")), StandardCharsets.UTF_8);

        ConfigException thrown = catchThrowableOfType(ConfigException.class,
                () -> StubProviders.loader().parse(Files.readString(file), fixture));

        assertThat(thrown).as("%s must be rejected", fixture).isNotNull();
        assertThat(thrown.errors()).containsExactlyElementsOf(expected);
        assertThat(thrown.source()).isEqualTo(fixture);
    }

    private static Path directory() throws URISyntaxException {
        return Path.of(InvalidConfigFixturesTest.class.getResource("/config/invalid").toURI());
    }
}
