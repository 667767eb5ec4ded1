#!/usr/bin/env python3
"""The cluster pool's own cost: one server behind a ketama pool and a redis_cluster pool.

bench/cluster.py compares a cluster pool over a cluster with a ketama pool over standalone
servers, so its ratios include what cluster mode costs the servers themselves. This takes
the servers out: one cluster-enabled redis-server owning every slot, behind both a ketama
pool and a redis_cluster pool of one Nutjar, and redis-benchmark -c 50 -P 16 SET and GET
against each pool, alternated (the order reversed every other round, after a warm-up run
of each). Prints per round the ops/s and the CPU us per request of Nutjar and of the server,
then the medians of the per-round ratios cluster / ketama.

  python3 bench/cluster_proxy_cost.py --rounds 4

Python 3 standard library only; needs what bench/cluster.py needs.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import Bench  # noqa: E402
from e2e import HOST, ROOT, cpu_seconds, free_port, wait_port  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--requests", type=int, default=800_000, help="per run")
    p.add_argument("--keyspace", type=int, default=100_000, help="redis-benchmark -r")
    p.add_argument("--nutjar", default=os.path.join(ROOT, "bin", "nutjar"), help="the launcher to run")
    args = p.parse_args()
    args.threads = 0
    bench = Bench(args)
    try:
        port, server = bench.redis("node", "--cluster-enabled", "yes", "--cluster-port", str(free_port()),
                                   "--cluster-config-file", "nodes-one.conf")
        subprocess.run(["redis-cli", "-p", str(port), "cluster", "addslotsrange", "0", "16383"], check=True,
                       stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while b"cluster_state:ok" not in subprocess.run(["redis-cli", "-p", str(port), "cluster", "info"],
                                                        stdout=subprocess.PIPE).stdout:
            if time.monotonic() > deadline:
                sys.exit("the one-node cluster did not become ok")
            time.sleep(0.2)
        pools = {"ketama": free_port(), "cluster": free_port()}
        yml = os.path.join(bench.work, "nutjar.yml")
        with open(yml, "w") as f:
            f.write("ketama:\n  listen: %s:%d\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n"
                    "  servers:\n   - %s:%d:1 s0\n" % (HOST, pools["ketama"], HOST, port))
            f.write("cluster:\n  listen: %s:%d\n  redis: true\n  redis_cluster: true\n  servers:\n   - %s:%d:1\n"
                    % (HOST, pools["cluster"], HOST, port))
        nutjar = bench.spawn("nutjar", [args.nutjar, "-c", yml, "-s", str(free_port()), "-a", HOST,
                                        "-o", os.path.join(bench.work, "nutjar.out")])
        for pool_port in pools.values():
            wait_port(pool_port, nutjar, "nutjar")

        def run(pool, test, requests):
            cmd = ["redis-benchmark", "-h", HOST, "-p", str(pools[pool]), "-c", "50", "-n", str(requests),
                   "-r", str(args.keyspace), "-P", "16", "-t", test, "--csv"]
            nutjar0, server0 = cpu_seconds(nutjar.pid), cpu_seconds(server.pid)
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout.decode()
            rows = [line for line in out.splitlines() if line.startswith('"')]
            return (float(rows[1].split('","')[1].strip('"')),
                    (cpu_seconds(nutjar.pid) - nutjar0) / requests * 1e6,
                    (cpu_seconds(server.pid) - server0) / requests * 1e6)

        for pool in pools:
            for test in ("set", "get"):
                run(pool, test, args.requests // 10)
        print("busy-machine caveat: compare the per-round ratios, not the absolute figures")
        results = {}
        for rnd in range(args.rounds):
            order = ["ketama", "cluster"] if rnd % 2 == 0 else ["cluster", "ketama"]
            for test in ("set", "get"):
                cells = []
                for pool in order:
                    got = run(pool, test, args.requests)
                    results.setdefault((test, pool), []).append(got)
                    cells.append("%s %8.0f ops/s, CPU us/req nutjar %.2f server %.2f" % (pool, *got))
                print("round %d %s -P 16: %s" % (rnd + 1, test, " | ".join(cells)), flush=True)
        print("\nmedians of the per-round ratios, cluster / ketama")
        for test in ("set", "get"):
            c, k = results[(test, "cluster")], results[(test, "ketama")]
            ratio = lambda i: statistics.median(x[i] / y[i] for x, y in zip(c, k))
            print("%s -P 16: ops/s %.3f, Nutjar CPU per request %.3f, server CPU per request %.3f"
                  % (test, ratio(0), ratio(1), ratio(2)))
    finally:
        bench.stop()


if __name__ == "__main__":
    main()
