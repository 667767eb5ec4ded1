#!/usr/bin/env python3
"""The cost of the admin port's metrics: CPU per request of two Nutjar processes on the same
redis-servers, one with --admin-port (latency histograms and per-command counts recorded, scraped
every second) and one without, measured in alternated redis-benchmark rounds.

CPU per request is the process's utime + stime from /proc/PID/stat over a round, divided by the
round's requests. Run it on a quiet machine for figures to quote; on a busy one, read the ratio.

  bench/metrics_overhead.py --rounds 10 --requests 200000
"""
import argparse
import os
import signal
import socket
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


def cpu_ticks(pid):
    """utime + stime of the process, in clock ticks (/proc/PID/stat fields 14 and 15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--requests", type=int, default=200_000)
    p.add_argument("--threads", type=int, default=1, help="nutjar --threads for both")
    a = p.parse_args()

    jar = os.path.join(ROOT, "cli", "target", "nutjar.jar")
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
        targets = {}
        for name, admin in (("off", False), ("on", True)):
            port = free_port()
            conf = os.path.join(work, name + ".yml")
            with open(conf, "w") as f:
                f.write("bench:\n  listen: %s:%d\n  redis: true\n  servers:\n%s" % (HOST, port, servers))
            cmd = [os.path.join(ROOT, "bin", "nutjar"), "-c", conf, "-s", str(free_port()), "-a", HOST,
                   "-o", os.path.join(work, name + ".log"), "--threads", str(a.threads)]
            admin_port = None
            if admin:
                admin_port = free_port()
                cmd += ["--admin-port", str(admin_port), "--admin-addr", HOST]
            proc = subprocess.Popen(cmd)
            procs.append(proc)
            wait_port(port, proc, "nutjar (metrics %s)" % name)
            targets[name] = (port, proc.pid, admin_port)

        stop = threading.Event()

        def scrape():
            url = "http://%s:%d/metrics" % (HOST, targets["on"][2])
            while not stop.wait(1.0):
                urllib.request.urlopen(url, timeout=5).read()

        threading.Thread(target=scrape, daemon=True).start()

        # Pipelined requests cost a tenth as much: eight times as many keep the clock ticks per round comparable.
        workloads = (("GET -c 50", ["-c", "50", "-t", "get"], a.requests),
                     ("GET -c 50 -P 16", ["-c", "50", "-P", "16", "-t", "get"], 8 * a.requests))
        per_request = {(w, t): [] for w, _, _ in workloads for t in targets}
        for rnd in range(-1, a.rounds):  # round -1 warms both up
            order = ["off", "on"] if rnd % 2 == 0 else ["on", "off"]
            for wname, args, requests in workloads:
                for t in order:
                    port, pid, _ = targets[t]
                    before = cpu_ticks(pid)
                    subprocess.run(["redis-benchmark", "-h", HOST, "-p", str(port), "-n", str(requests),
                                    "-r", "100000", "-q"] + args, check=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    used = cpu_ticks(pid) - before
                    if rnd >= 0:
                        per_request[(wname, t)].append(used / TICKS / requests * 1e6)
        stop.set()
        print("load average: %s" % open("/proc/loadavg").read().strip())
        for wname, _, _ in workloads:
            off = sorted(per_request[(wname, "off")])
            on = sorted(per_request[(wname, "on")])
            med_off, med_on = off[len(off) // 2], on[len(on) // 2]
            total_ratio = sum(on) / sum(off)
            print("%-16s CPU us/request  off median %.2f  on median %.2f  on/off: median %.3f, total %.3f"
                  % (wname, med_off, med_on, med_on / med_off, total_ratio))
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
