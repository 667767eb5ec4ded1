package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListenAddressTest {

    @Test
    void splitsTcpAtTheLastColon() {
        ListenAddress address = ListenAddress.parse("::1:22121");

        assertThat(address.isUnix()).isFalse();
        assertThat(address.host()).isEqualTo("::1");
        assertThat(address.port()).isEqualTo(22121);
        assertThat(address).hasToString("::1:22121");
    }

    @Test
    void readsAUnixSocketWithOctalPermissions() {
        ListenAddress address = ListenAddress.parse("/tmp/nutjar.sock 0666");

        assertThat(address.isUnix()).isTrue();
        assertThat(address.unixPath()).isEqualTo("/tmp/nutjar.sock");
        assertThat(address.permissions()).isEqualTo(0666);
        assertThat(address.host()).isNull();
        assertThat(address.port()).isZero();
    }

    @Test
    void readsAUnixSocketWithoutPermissions() {
        ListenAddress address = ListenAddress.parse("/tmp/nutjar.sock");

        assertThat(address.unixPath()).isEqualTo("/tmp/nutjar.sock");
        assertThat(address.permissions()).isZero();
    }

    @ParameterizedTest(name = "''{0}'' -> 0{1}")
    @CsvSource({
        "777, 777",
        "0600, 600",
        "0, 0",
        "abc, 0",
        "0999, 0",
        "066x, 66",
        "+644, 644",
        "-0, 0",
    })
    void readsPermissionsAsStrtolDoes(String text, String octal) {
        assertThat(ListenAddress.parse("/tmp/s " + text).permissions()).isEqualTo(Integer.parseInt(octal, 8));
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1|expected \"host:port\" or \"/path/to.sock [permissions]\" (was: '127.0.0.1')",
        "127.0.0.1:65536|port must be 0..65535 (was: 65536)",
        "127.0.0.1:99999999999999|port must be 0..65535 (was: 99999999999999)",
        "127.0.0.1:-1|port must be a number 0..65535 (was: '-1')",
        "127.0.0.1: 80|port must be a number 0..65535 (was: ' 80')",
        ":6379|missing host before the port (was: ':6379')",
        "[]:6379|missing host before the port (was: '[]:6379')",
        "/tmp/s 1000|socket permissions must be an octal number up to 0777 (was: '1000')",
        "/tmp/s -7|socket permissions must be an octal number up to 0777 (was: '-7')",
    })
    void rejectsWithTheBadValue(String text, String message) {
        assertThatThrownBy(() -> ListenAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void comparesSocketsNotSpelling() {
        assertThat(ListenAddress.parse("/tmp/s 0600").sameSocketAs(ListenAddress.parse("/tmp/s"))).isTrue();
        assertThat(ListenAddress.parse("[::1]:1").sameSocketAs(ListenAddress.parse("::1:1"))).isTrue();
        assertThat(ListenAddress.parse("127.0.0.1:1").sameSocketAs(ListenAddress.parse("localhost:1"))).isFalse();
        assertThat(ListenAddress.parse("127.0.0.1:1").sameSocketAs(ListenAddress.parse("127.0.0.1:2"))).isFalse();
        assertThat(ListenAddress.parse("127.0.0.1:1").sameSocketAs(ListenAddress.parse("/tmp/s"))).isFalse();
    }

    @Test
    void portZeroAsksForAnyFreePortAndNeverClashes() {
        ListenAddress any = ListenAddress.parse("127.0.0.1:0");
        assertThat(any.port()).isZero();
        assertThat(any.host()).isEqualTo("127.0.0.1");
        assertThat(any.sameSocketAs(ListenAddress.parse("127.0.0.1:0"))).isFalse();
    }
}
