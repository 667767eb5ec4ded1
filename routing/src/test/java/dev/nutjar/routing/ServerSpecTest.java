package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerSpecTest {

    @Test
    void tcpServer() {
        ServerSpec spec = ServerSpec.parse("127.0.0.1:6379:2");
        assertThat(spec.host()).isEqualTo("127.0.0.1");
        assertThat(spec.port()).isEqualTo(6379);
        assertThat(spec.weight()).isEqualTo(2);
        assertThat(spec.nodeName()).isNull();
        assertThat(spec.isUnix()).isFalse();
        assertThat(spec.name()).isEqualTo("127.0.0.1:6379");
        assertThat(spec.id()).isEqualTo("127.0.0.1:6379");
        assertThat(spec.address()).isEqualTo("127.0.0.1:6379");
        assertThat(spec.entry()).isEqualTo("127.0.0.1:6379:2");
    }

    @Test
    void hostIsWhateverIsLeftOfThePortSoIpv6Works() {
        ServerSpec spec = ServerSpec.parse("::1:6379:1");
        assertThat(spec.host()).isEqualTo("::1");
        assertThat(spec.port()).isEqualTo(6379);
        assertThat(spec.name()).isEqualTo("::1:6379");
    }

    @Test
    void hostNamesAreNotResolved() {
        assertThat(ServerSpec.parse("localhost:28001:1").name()).isEqualTo("localhost:28001");
    }

    @Test
    void unixSocketNameKeepsATrailingColon() {
        ServerSpec spec = ServerSpec.parse("/tmp/r.sock:1");
        assertThat(spec.isUnix()).isTrue();
        assertThat(spec.unixPath()).isEqualTo("/tmp/r.sock");
        assertThat(spec.host()).isNull();
        assertThat(spec.port()).isZero();
        assertThat(spec.weight()).isEqualTo(1);
        assertThat(spec.name()).isEqualTo("/tmp/r.sock:");
        assertThat(spec.id()).isEqualTo("/tmp/r.sock");
    }

    @Test
    void namedServerIsKnownByItsName() {
        ServerSpec spec = ServerSpec.parse("10.0.0.1:6379:3 shard-a");
        assertThat(spec.nodeName()).isEqualTo("shard-a");
        assertThat(spec.name()).isEqualTo("shard-a");
        assertThat(spec.id()).isEqualTo("shard-a");
        assertThat(spec.weight()).isEqualTo(3);
        assertThat(spec.address()).isEqualTo("10.0.0.1:6379");
        assertThat(ServerSpec.parse("/tmp/r.sock:1 cache").name()).isEqualTo("cache");
    }

    @Test
    void memcachedPortIsLeftOutOfTheName() {
        ServerSpec spec = ServerSpec.parse("127.0.0.1:11211:1");
        assertThat(spec.name()).isEqualTo("127.0.0.1");
        assertThat(spec.id()).isEqualTo("127.0.0.1:11211");
        assertThat(ServerSpec.parse("127.0.0.1:11211:1 m1").name()).isEqualTo("m1");
    }

    @Test
    void nameBytesAreUtf8() {
        assertThat(ServerSpec.parse("h:1:1 \u00e9").nameBytes()).containsExactly(0xc3, 0xa9);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            127.0.0.1:0:1        | port must be 1..65535 (was: 0)
            127.0.0.1:65536:1    | port must be 1..65535 (was: 65536)
            127.0.0.1:99999999999999999999:1 | port must be 1..65535 (was: 99999999999999999999)
            127.0.0.1:x:1        | port must be a number 1..65535 (was: 'x')
            127.0.0.1::1         | port must be a number 1..65535 (was: '')
            127.0.0.1:6379:0     | weight must be > 0 (was: 0)
            127.0.0.1:6379:-1    | weight must be > 0 (was: -1)
            127.0.0.1:6379:w     | weight must be a positive integer (was: 'w')
            127.0.0.1:6379:      | weight must be a positive integer (was: '')
            127.0.0.1:6379:1 a b | weight must be a positive integer (was: '1 a')
            127.0.0.1:6379:99999999999 | weight is too large (was: 99999999999)
            127.0.0.1:1          | 'missing port: expected "host:port:weight [name]" (was: ''127.0.0.1:1'')'
            127.0.0.1            | 'expected "host:port:weight [name]" or "/path:weight [name]" (was: ''127.0.0.1'')'
            :6379:1              | missing host (was: ':6379:1')
            /tmp/a:b.sock:1      | a unix socket path may not contain ':' (was: '/tmp/a:b.sock')
            /tmp/r.sock:0        | weight must be > 0 (was: 0)
            """)
    void rejectsABadEntryQuotingTheBadValue(String entry, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> ServerSpec.parse(entry)).withMessage(message);
    }

    @Test
    void rejectsAnEmptyNameAfterTheLastSpace() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ServerSpec.parse("127.0.0.1:6379:1 "))
                .withMessage("server name after the last space is empty (was: '127.0.0.1:6379:1 ')");
    }

    @Test
    void twemproxyOrderIsShorterNameFirstThenBytewise() {
        List<ServerSpec> specs = new ArrayList<>();
        for (String name : new String[] {"zeta", "b", "alpha", "cc", "dd"}) {
            specs.add(ServerSpec.parse("h:1:1 " + name));
        }
        specs.sort(ServerSpec.TWEMPROXY_ORDER);
        assertThat(specs).extracting(ServerSpec::name).containsExactly("b", "cc", "dd", "zeta", "alpha");
    }

    @Test
    void twemproxyOrderComparesBytesUnsigned() {
        ServerSpec high = ServerSpec.parse("h:1:1 \u00e9"); // c3 a9
        ServerSpec low = ServerSpec.parse("h:1:1 ab");
        assertThat(ServerSpec.TWEMPROXY_ORDER.compare(low, high)).isNegative();
    }
}
