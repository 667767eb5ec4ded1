package dev.nutjar.cli;

import dev.nutjar.cli.log.LogSink;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs process signal handlers through {@code sun.misc.Signal}, the JDK's only way to handle
 * SIGHUP, SIGTTIN and the like. It is reached by name, once, so that the code compiles without
 * the "internal proprietary API" warning; {@code jdk.unsupported} exports it to every module.
 */
final class Signals {
    /** The source of the lines this class logs, in nutcracker's format. */
    static final String SOURCE = "Signals";
    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private static final Class<?> HANDLER_TYPE;
    private static final MethodHandle NEW_SIGNAL;
    private static final MethodHandle HANDLE;

    static {
        try {
            Class<?> signalType = Class.forName("sun.misc.Signal");
            HANDLER_TYPE = Class.forName("sun.misc.SignalHandler");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            NEW_SIGNAL = lookup.findConstructor(signalType, MethodType.methodType(void.class, String.class));
            HANDLE = lookup.findStatic(signalType, "handle", MethodType.methodType(HANDLER_TYPE, signalType, HANDLER_TYPE));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Signals() {}

    /**
     * Handles SIG{@code name}: logs it by name and number whatever the log level, as nutcracker
     * does ({@code signal 2 (SIGINT) received, exiting}), then runs {@code action}; only warns
     * when the signal cannot be handled here.
     *
     * @param what what the signal does, for the log line; null for nothing
     */
    static void handleAndLog(String name, int number, String what, Runnable action) {
        String line = "signal " + number + " (SIG" + name + ") received" + (what == null ? "" : ", " + what);
        try {
            handle(name, () -> {
                LogSink.always(SOURCE, line);
                action.run();
            });
        } catch (IllegalArgumentException e) {
            log.warn("cannot handle SIG{} ({}): {}", name, number, e.getMessage());
        }
    }

    /**
     * Runs {@code action} on the JVM's signal thread each time the process receives SIG{@code name}.
     *
     * @param name the signal's name without {@code SIG}: {@code TERM}, {@code HUP}, ...
     * @throws IllegalArgumentException when this platform has no such signal, or the JVM keeps it
     */
    static void handle(String name, Runnable action) {
        InvocationHandler onSignal = (proxy, method, args) -> invoke(proxy, method, args, action);
        Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {HANDLER_TYPE}, onSignal);
        try {
            Object signal = NEW_SIGNAL.invoke(name);
            HANDLE.invoke(signal, handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot handle SIG" + name, e);
        }
    }

    /** The handler's one method runs the action; Object's methods answer as for any object. */
    private static Object invoke(Object proxy, Method method, Object[] args, Runnable action) {
        return switch (method.getName()) {
            case "handle" -> {
                action.run();
                yield null;
            }
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> "signal handler " + action;
            default -> throw new UnsupportedOperationException(method.toString());
        };
    }
}
