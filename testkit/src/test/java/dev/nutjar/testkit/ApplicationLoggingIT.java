package dev.nutjar.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.nutjar.server.EmbeddedProxy;
import dev.nutjar.server.Nutjar;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * An application that logs with Logback embeds the proxy: SLF4J still binds to Logback (the
 * proxy's jars carry no SLF4J provider), and Logback formats both the application's lines and the
 * proxy's with the application's pattern.
 */
class ApplicationLoggingIT {
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private OutputStreamAppender<ILoggingEvent> appender;

    @BeforeEach
    void captureWithTheApplicationsPattern() {
        assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("app-format|%level|%logger{0}|%msg%n");
        encoder.start();
        appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(output);
        appender.start();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    @AfterEach
    void stopCapturing() {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(appender);
        appender.stop();
    }

    @Test
    void logbackFormatsTheApplicationsLinesAndTheProxys() throws Exception {
        org.slf4j.Logger application = LoggerFactory.getLogger("com.example.Shop");
        application.info("order {} shipped", 42);
        try (EmbeddedProxy proxy = Nutjar.builder().redisPool("cache", "127.0.0.1:1:1").threads(1).start()) {
            application.info("proxy on port {}", proxy.address("cache").getPort());
        }
        application.info("proxy stopped");

        String lines = output.toString(StandardCharsets.UTF_8);
        assertThat(lines).contains("app-format|INFO|Shop|order 42 shipped\n");
        assertThat(lines).containsPattern("app-format\\|INFO\\|Shop\\|proxy on port [1-9][0-9]*\n");
        assertThat(lines).contains("app-format|INFO|Shop|proxy stopped\n");
        assertThat(lines).contains("app-format|INFO|ProxyServer|pool 'cache' listening on");
    }
}
