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

Both processes run one event loop (--threads 1). Figures to quote come from a quiet machine;
on a busy one, read the median of the per-round ratios and their spread.

  bench/metrics_overhead.py --rounds 20
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
    p.add_argument("--rounds", type=int, default=20)
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
        targets = []
        for name, admin in (("off", False), ("on", True)):
            targets.append(Target(name, a.home, servers, work, admin))
            procs.append(targets[-1].proc)
        off, on = targets
        url = "http://%s:%d/metrics" % (HOST, on.admin_port)
        stop = threading.Event()

        def scrape():
            while not stop.wait(a.scrape):
                urllib.request.urlopen(url, timeout=5).read()

        if a.scrape > 0:
            threading.Thread(target=scrape, daemon=True).start()

        workloads = (("GET -c 50", ["-c", "50", "-t", "get"]),
                     ("GET -c 50 -P 16", ["-c", "50", "-P", "16", "-t", "get"]))
        # per workload: per round, per target, (process us/request, loop us/request)
        rounds = {w: [] for w, _ in workloads}
        skipped = 0
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
        # A scrape's own cost: back-to-back scrapes of the loaded-then-idle process.
        for _ in range(20):
            urllib.request.urlopen(url, timeout=5).read()
        before, n = process_cpu(on.proc.pid), 100
        for _ in range(n):
            urllib.request.urlopen(url, timeout=5).read()
        scrape_ms = (process_cpu(on.proc.pid) - before) / n * 1e3

        print("load average: %s" % open("/proc/loadavg").read().strip())
        print("%d rounds of %.1f s, both processes loaded at once; %d skipped (no replies); scrape every %.1f s;"
              " one scrape costs %.2f ms of CPU (%d back to back)" % (a.rounds, a.window, skipped, a.scrape,
                                                                      scrape_ms, n))
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
