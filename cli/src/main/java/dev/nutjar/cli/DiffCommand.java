package dev.nutjar.cli;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.KeySpaceDiff;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.reload.ConfigDiff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code nutjar diff OLD.yml NEW.yml [POOL] [--keys]}: what a reload from OLD to NEW would change,
 * pool by pool, and the exact share of each pool's key space (its 2^32 hashes) that would change
 * server, "from → to". With {@code --keys}, reads keys from stdin, one a line, and prints for each
 * {@code KEY<TAB>server before<TAB>server after<TAB>moves|stays} (POOL required when both files
 * have more than one pool).
 */
final class DiffCommand {
    static final String USAGE = "nutjar diff OLD.yml NEW.yml [POOL] [--keys]";

    private final Function<String, NutjarConfig> configs;

    /** @param configs reads and validates a file, printing why not and returning null when it cannot */
    DiffCommand(Function<String, NutjarConfig> configs) {
        this.configs = configs;
    }

    int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
        boolean keys = false;
        List<String> positional = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--keys")) {
                keys = true;
            } else if (arg.startsWith("-")) {
                err.println("nutjar: diff: unrecognized option '" + arg + "'");
                err.println("Usage: " + USAGE);
                return Main.EXIT_FAILURE;
            } else {
                positional.add(arg);
            }
        }
        if (positional.size() < 2 || positional.size() > 3) {
            err.println("nutjar: diff: give two configuration files and optionally a pool");
            err.println("Usage: " + USAGE);
            return Main.EXIT_FAILURE;
        }
        NutjarConfig before = configs.apply(positional.get(0));
        NutjarConfig after = configs.apply(positional.get(1));
        if (before == null || after == null) {
            return Main.EXIT_FAILURE;
        }
        String pool = positional.size() == 3 ? positional.get(2) : null;
        ConfigDiff diff = ConfigDiff.between(before, after, HashFunctions.registry(), Distributions.registry());
        if (pool != null && diff.pool(pool).isEmpty()) {
            err.println("nutjar: diff: no pool '" + pool + "' in either file");
            return Main.EXIT_FAILURE;
        }
        if (keys) {
            return moves(before, after, pool, in, out, err);
        }
        for (ConfigDiff.PoolChange change : diff.pools()) {
            if (pool == null || change.name().equals(pool)) {
                ConfigDiff.describe(change).forEach(out::println);
            }
        }
        return Main.EXIT_OK;
    }

    /** For each key of stdin, where it lives before and after. */
    private int moves(NutjarConfig before, NutjarConfig after, String pool, InputStream in, PrintStream out,
            PrintStream err) {
        String name = pool;
        if (name == null) {
            if (before.pools().size() != 1 || after.pools().size() != 1) {
                err.println("nutjar: diff: --keys needs a POOL when a file has several pools");
                return Main.EXIT_FAILURE;
            }
            name = after.pools().get(0).name();
        }
        PoolConfig a = before.pool(name).orElse(null);
        PoolConfig b = after.pool(name).orElse(null);
        if (a == null || b == null) {
            err.println("nutjar: diff: pool '" + name + "' is not in both files");
            return Main.EXIT_FAILURE;
        }
        ServerPool from = a.routing(HashFunctions.registry(), Distributions.registry()).build();
        ServerPool to = b.routing(HashFunctions.registry(), Distributions.registry()).build();
        long moved = 0;
        long total = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String key;
            while ((key = reader.readLine()) != null) {
                byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
                ServerSpec x = from.server(from.route(bytes));
                ServerSpec y = to.server(to.route(bytes));
                boolean moves = !KeySpaceDiff.sameServer(x, y);
                moved += moves ? 1 : 0;
                total++;
                out.println(key + "\t" + x.name() + "\t" + y.name() + "\t" + (moves ? "moves" : "stays"));
            }
        } catch (IOException e) {
            err.println("nutjar: diff: reading keys: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        err.println("nutjar: diff: " + moved + " of " + total + " key(s) of pool '" + name + "' move");
        return Main.EXIT_OK;
    }
}
