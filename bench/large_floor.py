#!/usr/bin/env python3
"""How close can any proxy get to direct Redis with large values, on this machine?

Runs issue 17's large-value workloads (redis-benchmark -c 4 -r 8: SET and GET of one
value size, MGET of 4 such keys) against one redis-server directly, through two plain TCP
relays that know no protocol (c/tcp_relay.c: "copy" through a user buffer, as socat does;
"splice", socket to pipe to socket, never in user space), through nutcracker and through
Nutjar, alternated round by round (A B C, C B A, ...). Prints per run and as means: req/s,
the ratio to direct, p99, and the CPU time per request of each process (the proxy, the
redis-servers together, redis-benchmark), from /proc, plus Nutjar's split between its
event loop and the JIT compiler's threads.

  python3 bench/large_floor.py --rounds 3 --requests 1500

Every key is on both redis-servers, so each target finds it wherever it routes.
Python 3 standard library only; needs gcc, redis-server, redis-benchmark, nutcracker, java.
"""

import argparse
import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
TICK = os.sysconf("SC_CLK_TCK")
TARGETS = ("direct", "copy", "splice", "nutcracker", "nutjar")


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        try:
            socket.create_connection((HOST, port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("large_floor: nothing listens on port %d" % port)


def cpu_seconds(pid):
    """utime + stime of the whole process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_seconds(pid):
    """CPU seconds per kind of thread of a JVM: its event loops, the JIT compilers, the rest."""
    seconds = {"loop": 0.0, "compiler": 0.0, "other": 0.0}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        kind = "compiler" if "Compiler" in name else "loop" if "loop" in name else "other"
        fields = raw.rsplit(")", 1)[1].split()
        seconds[kind] += (int(fields[11]) + int(fields[12])) / TICK
    return seconds


class Lab:
    def __init__(self, a):
        self.a = a
        self.procs = []
        self.work = os.path.join(a.out, "work")
        os.makedirs(self.work, exist_ok=True)
        self.log = open(os.path.join(a.out, "large-floor-%s.txt" % datetime.datetime.now().strftime("%Y%m%d-%H%M%S")), "w")

    def out(self, line=""):
        print(line, flush=True)
        self.log.write(line + "\n")
        self.log.flush()

    def spawn(self, cmd, env=None):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.procs.append(proc)
        return proc

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    def start(self, targets):
        relay = os.path.join(self.a.out, "tcp_relay")
        subprocess.run(["gcc", "-O2", "-o", relay, os.path.join(ROOT, "bench", "c", "tcp_relay.c")], check=True)
        self.redis = []
        for _ in range(2):
            port = free_port()
            proc = self.spawn(["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"])
            self.redis.append((port, proc))
        for port, _ in self.redis:
            wait_port(port)
        self.ports = {"direct": (self.redis[0][0], None)}
        for mode in ("copy", "splice"):
            if mode in targets:
                port = free_port()
                self.ports[mode] = (port, self.spawn([relay, mode, str(port), str(self.redis[0][0])]))
        for name in ("nutcracker", "nutjar"):
            if name not in targets:
                continue
            port = free_port()
            yml = os.path.join(self.work, name + ".yml")
            with open(yml, "w") as f:
                f.write("redis_pool:\n  listen: %s:%d\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n"
                        "  timeout: 4000\n  auto_eject_hosts: false\n  servers:\n%s"
                        % (HOST, port, "".join("   - %s:%d:1\n" % (HOST, p) for p, _ in self.redis)))
            cmd = [os.path.join(ROOT, "bin", "nutjar")] if name == "nutjar" else ["nutcracker"]
            cmd += ["-c", yml, "-s", str(free_port()), "-a", HOST, "-o", os.path.join(self.work, name + ".log")]
            self.ports[name] = (port, self.spawn(cmd))
        for port, _ in self.ports.values():
            wait_port(port)
        for port, _ in self.redis:
            subprocess.run(["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "1", "-n", "64", "-r", "8",
                            "-d", str(self.a.size), "-t", "set", "-q"], stdout=subprocess.DEVNULL, check=True)

    def run(self, workload, target, requests):
        """One redis-benchmark run; returns req/s, p99 ms, and CPU us per request by process."""
        port, proc = self.ports[target]
        args = {"set": ["-t", "set", "-d", str(self.a.size)], "get": ["-t", "get"],
                "mget": ["mget"] + ["key:__rand_int__"] * 4}[workload]
        redis_pids = [p.pid for _, p in self.redis]
        proxy0 = cpu_seconds(proc.pid) if proc else 0
        threads0 = thread_seconds(proc.pid) if target == "nutjar" else None
        redis0 = sum(cpu_seconds(p) for p in redis_pids)
        start = time.time()
        bench = subprocess.Popen(["redis-benchmark", "-h", HOST, "-p", str(port), "-c", "4", "-r", "8",
                                  "-n", str(requests), "--csv"] + args,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        output = bench.stdout.read()
        _, _, usage = os.wait4(bench.pid, 0)
        wall = time.time() - start
        fields = re.findall(r'"([0-9.]+)"', output.strip().splitlines()[-1]) if output.strip() else []
        per_request = 1e6 / requests
        row = {
            "rps": float(fields[0]) if fields else requests / wall,
            "p99": float(fields[5]) if len(fields) > 5 else float("nan"),
            "proxy": ((cpu_seconds(proc.pid) if proc else 0) - proxy0) * per_request,
            "redis": (sum(cpu_seconds(p) for p in redis_pids) - redis0) * per_request,
            "bench": (usage.ru_utime + usage.ru_stime) * per_request,
        }
        if threads0 is not None:
            threads1 = thread_seconds(proc.pid)
            row["loop"] = (threads1["loop"] - threads0["loop"]) * per_request
            row["compiler"] = (threads1["compiler"] - threads0["compiler"]) * per_request
        return row


def line(workload, target, r, ratio=""):
    split = "  (loop %5.0f, JIT %5.0f)" % (r["loop"], r["compiler"]) if "loop" in r else ""
    return ("%-5s %-10s %7.0f req/s %5s  p99 %7.2f ms | CPU us/req: proxy %6.0f redis %6.0f bench %6.0f total %6.0f%s"
            % (workload, target, r["rps"], ratio, r["p99"], r["proxy"], r["redis"], r["bench"],
               r["proxy"] + r["redis"] + r["bench"], split))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="measured rounds, after one warm-up round at 1/4")
    p.add_argument("--requests", type=int, default=1500, help="per SET and GET run; an MGET run has a quarter")
    p.add_argument("--size", type=int, default=MIB, help="value size in bytes")
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--only", default="set,get,mget", help="workloads: set, get, mget")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "target", "floor"))
    a = p.parse_args()
    for tool in ("gcc", "redis-server", "redis-benchmark", "nutcracker", "java"):
        if not shutil.which(tool):
            sys.exit("large_floor: %s is not on the PATH" % tool)
    targets = a.targets.split(",")
    workloads = a.only.split(",")
    os.makedirs(a.out, exist_ok=True)
    lab = Lab(a)
    try:
        lab.start(targets)
        lab.out("large_floor: %d-byte values, redis-benchmark -c 4 -r 8, %d rounds of %d requests (MGET: %d); "
                "load average at start %s" % (a.size, a.rounds, a.requests, a.requests // 4,
                                              " ".join(open("/proc/loadavg").read().split()[:3])))
        rows = {}
        for rnd in range(a.rounds + 1):
            order = targets if rnd % 2 == 0 else targets[::-1]
            lab.out("round %d%s (order: %s)" % (rnd, " (warm-up)" if rnd == 0 else "", ", ".join(order)))
            for w in workloads:
                requests = a.requests // 4 if w == "mget" else a.requests
                if rnd == 0:
                    requests = max(50, requests // 4)
                for t in order:
                    r = lab.run(w, t, requests)
                    lab.out("  " + line(w, t, r))
                    if rnd > 0:
                        rows.setdefault((w, t), []).append(r)
        lab.out()
        lab.out("means over %d rounds; ratio = req/s / direct's; load average at end %s"
                % (a.rounds, " ".join(open("/proc/loadavg").read().split()[:3])))
        for w in workloads:
            direct = rows.get((w, "direct"))
            direct_rps = sum(r["rps"] for r in direct) / len(direct) if direct else None
            for t in targets:
                rs = rows[(w, t)]
                mean = {k: sum(r[k] for r in rs) / len(rs) for k in rs[0]}
                lab.out(line(w, t, mean, "%.2f" % (mean["rps"] / direct_rps) if direct_rps else "-"))
        lab.out("raw output: " + lab.log.name)
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
