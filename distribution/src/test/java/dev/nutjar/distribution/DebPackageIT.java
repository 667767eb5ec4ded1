package dev.nutjar.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The .deb, read with {@code dpkg-deb} rather than installed: the archive's tree under
 * /opt/nutjar, the command on the PATH, the host files where Debian keeps them, the operator's
 * files as conffiles, and a control file that names the Java it needs.
 */
class DebPackageIT {
    private static final Path DEB = Path.of(System.getProperty("nutjar.deb", "target/nutjar.deb"));
    private static final String VERSION = System.getProperty("nutjar.version", "unknown");

    private static String dpkgDeb(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("dpkg-deb"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("dpkg-deb %s: %s", String.join(" ", args), output).isZero();
        return output;
    }

    @Test
    void installsTheArchiveUnderOptAndTheHostFilesWhereDebianKeepsThem() throws Exception {
        List<String> entries = dpkgDeb("-c", DEB.toString()).lines().toList();

        assertThat(entries).anySatisfy(line -> assertThat(line).startsWith("-rwxr-xr-x").endsWith(" ./opt/nutjar/bin/nutjar"));
        assertThat(entries).anySatisfy(line -> assertThat(line).endsWith(" ./opt/nutjar/lib/nutjar-cli-" + VERSION + ".jar"));
        assertThat(entries).anySatisfy(line -> assertThat(line).endsWith(" ./opt/nutjar/plugins/README"));
        assertThat(entries).anySatisfy(line -> assertThat(line).startsWith("l")
                .endsWith(" ./usr/bin/nutjar -> /opt/nutjar/bin/nutjar"));
        for (String file : List.of("./lib/systemd/system/nutjar.service", "./etc/default/nutjar",
                "./etc/logrotate.d/nutjar", "./etc/nutjar/nutjar.yml", "./usr/share/doc/nutjar/copyright")) {
            assertThat(entries).anySatisfy(line -> assertThat(line).startsWith("-rw-r--r--").endsWith(" " + file));
        }
    }

    @Test
    void controlNamesThePackageItsJavaAndTheOperatorsConffiles() throws Exception {
        String info = dpkgDeb("-I", DEB.toString());

        assertThat(info).contains("Package: nutjar", "Architecture: all", "java17-runtime-headless", "postinst");
        assertThat(info).containsPattern("Version: " + VERSION.replace("-SNAPSHOT", "") + "\\S*");
        assertThat(dpkgDeb("-f", DEB.toString(), "Package")).isEqualTo("nutjar\n");
        String conffiles = dpkgDeb("--info", DEB.toString(), "conffiles");
        assertThat(conffiles.lines().toList())
                .containsExactlyInAnyOrder("/etc/default/nutjar", "/etc/logrotate.d/nutjar", "/etc/nutjar/nutjar.yml");
    }
}
