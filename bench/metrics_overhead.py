#!/usr/bin/env python3
"""The cost of the admin port's metrics: CPU per request of two Nutjar processes on the same
redis-servers, one with --admin-port (latency histograms and per-command counts recorded, scraped
every --scrape seconds) and one without.

Each round loads both at once, one redis-benchmark each, and reads over the same window of
--window seconds, for each process, the requests its servers answered (its stats port), the CPU
the process used (utime + stime, /proc/PID/stat) and the CPU its event loop used
(/proc/PID/task/TID/schedstat, in nanoseconds). Loaded at the same time, both see the same
machine: on a busy one, what the other programs take moves both alike, and the per-round ratio
on / off keeps what the metrics cost. The loop's figure is the recording's cost alone (scrapes,
the JIT and the collector run on other threads); the process's is the whole cost, scrapes
included. A scrape's own cost is also measured apart, from back-to-back scrapes.

A pair of JVMs keeps its JIT's choices for the whole run, which moves its ratio by a few per cent
however many rounds it runs: --pairs starts a fresh pair that many times. Both processes run one
event loop (--threads 1). Figures to quote come from a quiet machine;
on a busy one, read the median of the per-round ratios and their spread.

  bench/metrics_overhead.py --pairs 4 --rounds 8
  bench/metrics_overhead.py --home /tmp/old    # a copy of bin/ and cli/target/nutjar.jar to compare
"""
import argparse
import glob
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = "127.0.0.1"
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port, proc, what):
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("%s exited with %s" % (what, proc.returncode))
        try:
            socket.create_connection((HOST, port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("%s did not listen on %d" % (what, port))


def process_cpu(pid):
    """utime + stime of the process, in seconds (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def loop_thread(pid):
    """The task id of the process's one event loop thread."""
    deadline = time.time() + 10
    while time.time() < deadline:
        for comm in glob.glob("/proc/%d/task/*/comm" % pid):
            with open(comm) as f:
                if f.read().startswith("nutjar-loop"):
                    return int(comm.split("/")[-2])
        time.sleep(0.1)
    sys.exit("no nutjar-loop thread in process %d" % pid)


def thread_cpu(pid, tid):
    """The thread's time on a CPU, in seconds (/proc/PID/task/TID/schedstat, first field)."""
    with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
        return int(f.read().split()[0]) / 1e9


def answered(stats_port):
    """Replies read from the pools' servers: the stats port's server "responses", summed (-i 100: a tenth of a second old at most)."""
    with socket.create_connection((HOST, stats_port), 5) as s:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    total = 0
    for value in json.loads(data.decode()).values():
        if isinstance(value, dict):
            for server in value.values():
                if isinstance(server, dict):
                    total += server.get("responses", 0)
    return total


class Target:
    """One Nutjar process under test."""

    def __init__(self, name, home, servers, work, admin):
        self.name = name
        self.port, self.stats_port = free_port(), free_port()
        conf = os.path.join(work, name + ".yml")
        with open(conf, "w") as f:
            f.write("bench:\n  listen: %s:%d\n  redis: true\n  servers:\n%s" % (HOST, self.port, servers))
        cmd = [os.path.join(home, "bin", "nutjar"), "-c", conf, "-s", str(self.stats_port), "-a", HOST,
               "-o", os.path.join(work, name + ".log"), "--threads", "1", "-i", "100"]
        self.admin_port = None
        if admin:
            self.admin_port = free_port()
            cmd += ["--admin-port", str(self.admin_port), "--admin-addr", HOST]
        self.proc = subprocess.Popen(cmd)
        wait_port(self.port, self.proc, "nutjar (metrics %s)" % name)
        self.loop = loop_thread(self.proc.pid)

    def sample(self):
        """(process CPU s, loop CPU s, replies) now."""
        return process_cpu(self.proc.pid), thread_cpu(self.proc.pid, self.loop), answered(self.stats_port)


def spread(values):
    """Median, quartiles and extremes of per-round ratios."""
    v = sorted(values)
    q = statistics.quantiles(v, n=4, method="inclusive") if len(v) >= 2 else [v[0]] * 3
    return "median %.3f  quartiles %.3f-%.3f  range %.3f-%.3f" % (statistics.median(v), q[0], q[2], v[0], v[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=8, help="rounds per pair of processes")
    p.add_argument("--pairs", type=int, default=4, help="pairs of processes started afresh, one after the other")
    p.add_argument("--window", type=float, default=3.0, help="seconds measured per round and workload")
    p.add_argument("--scrape", type=float, default=1.0, help="seconds between scrapes of /metrics; 0: none")
    p.add_argument("--home", default=ROOT, help="where bin/nutjar and cli/target/nutjar.jar are")
    a = p.parse_args()

    jar = os.path.join(a.home, "cli", "target", "nutjar.jar")
    if not os.path.exists(jar):
        sys.exit("build it first: mvn -B -q -pl cli -am package -DskipTests")
    work = tempfile.mkdtemp(prefix="nutjar-metrics-")
    procs = []
    try:
        redis_ports = [free_port() for _ in range(2)]
        for port in redis_ports:
            r = subprocess.Popen(["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
                                  "--appendonly", "no"], stdout=subprocess.DEVNULL)
            procs.append(r)
            wait_port(port, r, "redis-server")
        servers = "".join("   - %s:%d:1\n" % (HOST, port) for port in redis_ports)
        workloads = (("GET -c 50", ["-c", "50", "-t", "get"]),
                     ("GET -c 50 -P 16", ["-c", "50", "-P", "16", "-t", "get"]))
        # per workload: per round, per target, (process us/request, loop us/request); and per pair of processes
        rounds = {w: [] for w, _ in workloads}
        pair_medians = {w: [] for w, _ in workloads}
        skipped = 0
        scrape_ms = []
        for pair in range(a.pairs):
            # A fresh pair of JVMs each time: each JIT compiles its own way, which moves a pair's
            # ratio by a few per cent whatever the rounds; the pairs' spread shows how much.
            targets = [Target(name, a.home, servers, work, admin) for name, admin in (("off", False), ("on", True))]
            procs.extend(t.proc for t in targets)
            on = targets[1]
            url = "http://%s:%d/metrics" % (HOST, on.admin_port)
            stop = threading.Event()

            def scrape(url, stop):
                while not stop.wait(a.scrape):
                    try:
                        urllib.request.urlopen(url, timeout=5).read()
                    except OSError as e:  # a slow scrape on a busy machine: the next one is due anyway
                        print("scrape failed: %s" % e, file=sys.stderr)

            if a.scrape > 0:
                threading.Thread(target=scrape, args=(url, stop), daemon=True).start()
            first = {w: len(rounds[w]) for w in rounds}
            for rnd in range(-1, a.rounds):  # round -1 warms both up
                for wname, args in workloads:
                    # Started in turn, first one then the other: neither always has the head start.
                    order = targets if rnd % 2 == 0 else targets[::-1]
                    loads = [subprocess.Popen(["redis-benchmark", "-h", HOST, "-p", str(t.port), "-n", "1000000000",
                                               "-r", "100000", "-q"] + args,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for t in order]
                    try:
                        time.sleep(0.5)
                        before = [t.sample() for t in targets]
                        time.sleep(a.window)
                        after = [t.sample() for t in targets]
                    finally:
                        for load in loads:
                            load.kill()
                            load.wait()
                    if rnd < 0:
                        continue
                    per = []
                    for b, e in zip(before, after):
                        replies = e[2] - b[2]
                        per.append(None if replies <= 0 else ((e[0] - b[0]) / replies * 1e6, (e[1] - b[1]) / replies * 1e6))
                    if None in per:
                        skipped += 1
                    else:
                        rounds[wname].append(per)
            stop.set()
            for w in rounds:
                mine = rounds[w][first[w]:]
                if mine:
                    pair_medians[w].append(tuple(statistics.median(x[1][i] / x[0][i] for x in mine) for i in (0, 1)))
            # A scrape's own cost: back-to-back scrapes of the loaded-then-idle process.
            for _ in range(20):
                urllib.request.urlopen(url, timeout=5).read()
            before, n = process_cpu(on.proc.pid), 100
            for _ in range(n):
                urllib.request.urlopen(url, timeout=5).read()
            scrape_ms.append((process_cpu(on.proc.pid) - before) / n * 1e3)
            for t in targets:
                t.proc.send_signal(signal.SIGTERM)
                t.proc.wait(10)

        print("load average: %s" % open("/proc/loadavg").read().strip())
        print("%d pairs of processes x %d rounds of %.1f s, both processes loaded at once; %d skipped (no replies);"
              " scrape every %.1f s; one scrape costs %s ms of CPU (per pair, 100 back to back)"
              % (a.pairs, a.rounds, a.window, skipped, a.scrape, ", ".join("%.2f" % x for x in scrape_ms)))
        for wname, _ in workloads:
            r = rounds[wname]
            if not r:
                continue
            print(wname)
            for what, i in (("process", 0), ("event loop", 1)):
                med_off = statistics.median(x[0][i] for x in r)
                med_on = statistics.median(x[1][i] for x in r)
                ratios = [x[1][i] / x[0][i] for x in r]
                total = sum(x[1][i] for x in r) / sum(x[0][i] for x in r)
                print("  %-10s CPU us/request off %.3f on %.3f (medians); on/off per round: %s; total %.3f"
                      % (what, med_off, med_on, spread(ratios), total))
                print("  %-10s on/off median of each pair: %s" % ("", " ".join("%.3f" % m[i] for m in pair_medians[wname])))
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
