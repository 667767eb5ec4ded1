#!/usr/bin/env python3
"""Cluster pool against ketama pool and against redis-benchmark --cluster.

Starts three standalone redis-servers and a three-master Redis Cluster
(redis-cli --cluster create, no replicas) on free loopback ports, one Nutjar
with two pools (ketama over the standalone servers, redis_cluster over the
cluster), and runs redis-benchmark SET and GET, pipelined and not, against:

  ketama   Nutjar's ketama pool
  cluster  Nutjar's cluster pool
  direct   the cluster itself, redis-benchmark --cluster (the client routes)

interleaved over several rounds (the order reversed every other round, after
one short warm-up run of each; both sets of servers first get the tagged keys
that --cluster writes, so they hold keyspaces of one size), and prints per workload the median ops/s, the
median of the per-round ratios cluster/ketama and cluster/direct, and the CPU
time per request of each process: Nutjar, the three Redis servers the run
used, and redis-benchmark itself. Ratios taken side by side within a round,
and CPU per request, are what to quote on a busy machine; on two cores the
CPU columns say what the proxy's hop costs against what its batching saves
the servers.

  python3 bench/cluster.py                  # about 2 minutes on 2 cores
  python3 bench/cluster.py --rounds 5 --requests 400000

Python 3 standard library only; needs redis-server, redis-cli, redis-benchmark,
java and cli/target/nutjar.jar (mvn -q -B -DskipTests -pl cli -am package).
Everything listens on 127.0.0.1 and everything started is stopped at exit.
"""

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import HOST, ROOT, CheckFailed, cpu_seconds, free_port, wait_port  # noqa: E402

# (name, redis-benchmark -t, clients, pipeline)
WORKLOADS = [
    ("set c50", "set", 50, 1),
    ("get c50", "get", 50, 1),
    ("set c50 P16", "set", 50, 16),
    ("get c50 P16", "get", 50, 16),
]


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="nutjar-cluster-bench-")
        self.procs = []

    def spawn(self, name, cmd):
        log = open(os.path.join(self.work, name + ".log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=self.work)
        self.procs.append(proc)
        return proc

    def redis(self, name, *extra):
        port = free_port()
        proc = self.spawn("%s-%d" % (name, port), [
            "redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--dir", self.work] + list(extra))
        wait_port(port, proc, name)
        return port, proc

    def start(self):
        a = self.args
        self.standalone, self.standalone_procs = zip(*[self.redis("standalone") for _ in range(3)])
        # The bus port is chosen too: the default, the port + 10000, is past 65535 for one free port in five.
        self.cluster, self.cluster_procs = zip(*[self.redis("cluster", "--cluster-enabled", "yes", "--cluster-port",
                                                            str(free_port()), "--cluster-config-file", "nodes-%d.conf" % i)
                                                 for i in range(3)])
        subprocess.run(["redis-cli", "--cluster", "create"] + ["%s:%d" % (HOST, p) for p in self.cluster]
                       + ["--cluster-replicas", "0", "--cluster-yes"], check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not all(b"cluster_state:ok" in subprocess.run(
                ["redis-cli", "-p", str(p), "cluster", "info"], stdout=subprocess.PIPE).stdout for p in self.cluster):
            if time.monotonic() > deadline:
                sys.exit("the cluster did not become ok")
            time.sleep(0.2)
        self.ketama_port, self.cluster_port = free_port(), free_port()
        yml = os.path.join(self.work, "nutjar.yml")
        with open(yml, "w") as f:
            f.write("ketama:\n  listen: %s:%d\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n"
                    "  servers:\n" % (HOST, self.ketama_port))
            for i, p in enumerate(self.standalone):
                f.write("   - %s:%d:1 s%d\n" % (HOST, p, i))
            f.write("cluster:\n  listen: %s:%d\n  redis: true\n  redis_cluster: true\n  servers:\n"
                    % (HOST, self.cluster_port))
            for p in self.cluster:
                f.write("   - %s:%d:1\n" % (HOST, p))
        cmd = [a.nutjar, "-c", yml, "-s", str(free_port()), "-a", HOST,
               "-o", os.path.join(self.work, "nutjar.out")]
        if a.threads:
            cmd += ["--threads", str(a.threads)]
        self.nutjar = self.spawn("nutjar", cmd)
        wait_port(self.ketama_port, self.nutjar, "nutjar")
        wait_port(self.cluster_port, self.nutjar, "nutjar")
        self.fill()

    def fill(self):
        """Gives both sets of servers the keys redis-benchmark --cluster writes, before anything is measured.

        --cluster rewrites each node's keys as key:{tag}:N with a tag of that node's slots, so the
        direct runs add up to a keyspace of keys to each cluster node that the standalone servers
        never get: a bigger keyspace costs each command more. Each server of both sets gets as many
        (a tag of its own on the standalone ones), written up front so no run sees it grow.
        """
        keyspace = self.args.keyspace
        fills = [["-p", str(self.cluster[0]), "--cluster", "-n", str(9 * keyspace), "-t", "set"]]
        fills += [["-p", str(port), "-n", str(3 * keyspace), "SET", "key:{s%d}:__rand_int__" % i, "xxx"]
                  for i, port in enumerate(self.standalone)]
        for fill in fills:
            subprocess.run(["redis-benchmark", "-h", HOST, "-c", "50", "-P", "16", "-r", str(keyspace), "-q"] + fill,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run(self, target, test, clients, pipeline, requests):
        """ops/s, and CPU us per request of Nutjar, of the servers used and of redis-benchmark."""
        port = {"ketama": self.ketama_port, "cluster": self.cluster_port, "direct": self.cluster[0]}[target]
        servers = self.standalone_procs if target == "ketama" else self.cluster_procs
        cmd = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", str(clients), "-n", str(requests),
               "-r", str(self.args.keyspace), "-P", str(pipeline), "-t", test, "--csv"]
        if target == "direct":
            cmd.append("--cluster")
        nutjar0 = cpu_seconds(self.nutjar.pid)
        servers0 = sum(cpu_seconds(proc.pid) for proc in servers)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        per_request = lambda seconds: seconds / requests * 1e6
        # Nutjar idles while redis-benchmark goes straight at the cluster: not counted then.
        cpu = {"nutjar": per_request(cpu_seconds(self.nutjar.pid) - nutjar0) if target != "direct" else 0.0,
               "redis": per_request(sum(cpu_seconds(proc.pid) for proc in servers) - servers0),
               "bench": per_request(children1.ru_utime + children1.ru_stime - children0.ru_utime - children0.ru_stime)}
        rows = [line for line in p.stdout.decode().splitlines() if line.startswith('"')]
        errors = [line for line in p.stderr.decode().splitlines() if "rror" in line]
        if p.returncode != 0 or len(rows) < 2 or errors:
            sys.exit("redis-benchmark against %s failed: %s" % (target, (errors or [p.stderr.decode()[:200]])[0]))
        return float(rows[1].split('","')[1].strip('"')), cpu

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=200_000, help="per run (pipelined runs: x4)")
    p.add_argument("--keyspace", type=int, default=100_000, help="redis-benchmark -r")
    p.add_argument("--threads", type=int, default=0, help="nutjar --threads (0: nutjar's default)")
    p.add_argument("--nutjar", default=os.path.join(ROOT, "bin", "nutjar"), help="the launcher to run")
    p.add_argument("--pipelined-only", action="store_true", help="only the -P 16 workloads")
    args = p.parse_args()
    workloads = [w for w in WORKLOADS if w[3] > 1 or not args.pipelined_only]
    bench = Bench(args)
    try:
        bench.start()
    except CheckFailed as e:
        bench.stop()
        sys.exit(str(e))
    try:
        targets = ["ketama", "cluster", "direct"]
        results = {w[0]: {t: [] for t in targets} for w in workloads}
        cpu = {w[0]: {t: [] for t in targets} for w in workloads}
        for name, test, clients, pipeline in workloads:
            for target in targets:
                bench.run(target, test, clients, pipeline, args.requests // 10)
        print("busy-machine caveat: compare the per-round ratios, not the absolute figures")
        print("CPU: us per request of nutjar / the three redis-servers used / redis-benchmark")
        for rnd in range(args.rounds):
            order = targets if rnd % 2 == 0 else list(reversed(targets))
            for name, test, clients, pipeline in workloads:
                requests = args.requests * (4 if pipeline > 1 else 1)
                for target in order:
                    rps, cpu_us = bench.run(target, test, clients, pipeline, requests)
                    results[name][target].append(rps)
                    cpu[name][target].append(cpu_us)
                row, c = results[name], cpu[name]
                print("round %d %-12s ketama %9.0f  cluster %9.0f  direct %9.0f  cluster/ketama %.3f  "
                      "cluster/direct %.3f  CPU ketama %s  cluster %s  direct %s" % (
                          rnd + 1, name, row["ketama"][-1], row["cluster"][-1], row["direct"][-1],
                          row["cluster"][-1] / row["ketama"][-1], row["cluster"][-1] / row["direct"][-1],
                          cpu_text(c["ketama"][-1]), cpu_text(c["cluster"][-1]), cpu_text(c["direct"][-1])),
                      flush=True)
        print("\nmedians over %d rounds (ops/s; ratios are medians of the per-round ratios)" % args.rounds)
        print("%-12s %10s %10s %10s %15s %15s" % ("workload", "ketama", "cluster", "direct", "cluster/ketama",
                                                  "cluster/direct"))
        for name, *_ in workloads:
            r = results[name]
            vs_ketama = statistics.median(c / k for c, k in zip(r["cluster"], r["ketama"]))
            vs_direct = statistics.median(c / d for c, d in zip(r["cluster"], r["direct"]))
            print("%-12s %10.0f %10.0f %10.0f %15.3f %15.3f" % (
                name, statistics.median(r["ketama"]), statistics.median(r["cluster"]),
                statistics.median(r["direct"]), vs_ketama, vs_direct))
        print("\nmedian CPU us per request: nutjar / redis-servers / redis-benchmark = total")
        print("%-12s %26s %26s %26s" % ("workload", "ketama", "cluster", "direct"))
        for name, *_ in workloads:
            print("%-12s %26s %26s %26s" % (name, *(cpu_text(median_cpu(cpu[name][t])) for t in targets)))
    finally:
        bench.stop()


def median_cpu(runs):
    return {k: statistics.median(run[k] for run in runs) for k in runs[0]}


def cpu_text(c):
    return "%.2f/%.2f/%.2f=%.2f" % (c["nutjar"], c["redis"], c["bench"], c["nutjar"] + c["redis"] + c["bench"])


if __name__ == "__main__":
    main()
