package dev.nutjar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class VersionTest {

    @Test
    void readsTheVersionTheBuildWroteWhenThereIsNoManifest() throws Exception {
        Properties written = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            written.load(in);
        }

        assertThat(Version.current())
                .isEqualTo(written.getProperty("version"))
                .matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void bannerNamesNutjarAndTheTwemproxyRelease() {
        assertThat(Version.banner()).isEqualTo("This is nutjar-" + Version.current() + " (twemproxy 0.5.0 compatible)");
    }
}
