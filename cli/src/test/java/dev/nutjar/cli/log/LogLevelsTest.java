package dev.nutjar.cli.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** SLF4J's levels on nutcracker's {@code -v}, and Netty's loggers kept to warnings. */
class LogLevelsTest {
    private final SinkLogger proxy = new SinkLogger("dev.nutjar.server.proxy.ClientSession");
    private final SinkLogger netty = new SinkLogger("io.netty.util.internal.PlatformDependent0");

    @AfterEach
    void restore() {
        LogSink.verbosity(LogSink.DEFAULT_VERBOSITY);
        System.clearProperty(LogSink.LIBRARY_LOG_PROPERTY);
    }

    @Test
    void connectionLinesStartAtSix() {
        LogSink.verbosity(5);
        assertThat(proxy.isInfoEnabled()).isTrue();
        assertThat(proxy.isDebugEnabled()).isFalse();
        LogSink.verbosity(6);
        assertThat(proxy.isDebugEnabled()).isTrue();
        assertThat(proxy.isTraceEnabled()).isFalse();
        LogSink.verbosity(7);
        assertThat(proxy.isTraceEnabled()).isTrue();
    }

    @Test
    void nettyOnlyWarnsEvenAtEleven() {
        LogSink.verbosity(11);
        assertThat(netty.isDebugEnabled()).isFalse();
        assertThat(netty.isInfoEnabled()).isFalse();
        assertThat(netty.isWarnEnabled()).isTrue();
        LogSink.verbosity(3);
        assertThat(netty.isWarnEnabled()).isFalse();
    }

    @Test
    void nettyDebugWhenAskedFor() {
        System.setProperty(LogSink.LIBRARY_LOG_PROPERTY, "true");
        LogSink.verbosity(11);
        assertThat(netty.isDebugEnabled()).isTrue();
    }
}
