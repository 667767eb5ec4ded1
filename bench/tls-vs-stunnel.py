#!/usr/bin/env python3
"""TLS for clients: stunnel in front of nutcracker against Nutjar terminating TLS itself.

What operators run today in front of twemproxy, which has no TLS, is stunnel (Debian's stunnel4)
terminating TLS and passing plain text to nutcracker. This starts, on free loopback ports:

  * two redis-servers (plain text), the backends of every target;
  * stunnel4 (TLS) -> nutcracker (plain), the same pool;
  * Nutjar with the same pool and `tls:` set, on the OpenSSL engine (BoringSSL, netty-tcnative);
  * the same Nutjar on the JDK's engine (-Dnutjar.tls.provider=jdk), unless --no-jdk.

and drives each with `redis-benchmark --tls` (GET and SET, -c 50, with and without -P 16), the
targets alternated round by round so that a busy machine disturbs them alike. Throughput is
redis-benchmark's; CPU per request is utime+stime from /proc/PID/stat over the round, stunnel's and
nutcracker's added together. Certificates (P-256) are made with openssl in a temporary directory.

    bench/tls-vs-stunnel.py [--rounds 3] [--requests 200000] [--threads N] [--no-jdk]

Prints a Markdown table of medians and ratios to stdout, per-round lines to stderr.
"""

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from e2e import HOST, CheckFailed, cpu_seconds, free_port, wait_port  # noqa: E402  (the same helpers)


class Target:
    def __init__(self, name, port, procs):
        self.name, self.port, self.procs = name, port, procs
        self.rps = {}
        self.cpu = {}

    def cpu_now(self):
        return sum(cpu_seconds(p.pid) for p in self.procs)


def openssl(work, *args):
    subprocess.run(["openssl", *args], cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def certificates(work):
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(work, "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=bench CA")
    openssl(work, "req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(work, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl(work, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")


def benchmark(work, port, test, clients, pipeline, requests):
    """One redis-benchmark run over TLS; its requests per second."""
    out = subprocess.run(
        ["redis-benchmark", "--tls", "--cacert", os.path.join(work, "ca.crt"), "-h", HOST, "-p", str(port),
         "-c", str(clients), "-P", str(pipeline), "-n", str(requests), "-r", "100000", "-d", "32",
         "-t", test, "--csv", "-q"],
        check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        cells = [c.strip('"') for c in line.split(",")]
        if cells and cells[0].upper() == test.upper():
            return float(cells[1])
    sys.exit("no %s line in redis-benchmark's output: %s" % (test, out))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200000, help="per run without pipelining; x5 with -P 16")
    parser.add_argument("--threads", type=int, default=0, help="Nutjar's --threads (default: its own)")
    parser.add_argument("--no-jdk", action="store_true", help="skip the JDK-engine Nutjar")
    a = parser.parse_args()
    for tool in ("redis-server", "redis-benchmark", "nutcracker", "stunnel4", "openssl"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            sys.exit("%s is not installed" % tool)

    work = tempfile.mkdtemp(prefix="nutjar-tls-bench-")
    procs = []

    def spawn(name, cmd, env=None):
        log = open(os.path.join(work, name + ".log"), "w")
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
        procs.append(proc)
        return proc

    try:
        run(a, work, spawn)
    except CheckFailed as e:
        sys.exit(str(e))


def run(a, work, spawn):
    """Starts the targets and measures them; prints the table."""
    certificates(work)
    backends = []
    for _ in range(2):
        port = free_port()
        proc = spawn("redis-%d" % port, ["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
                                         "--appendonly", "no"])
        wait_port(port, proc, "redis-server")
        backends.append(port)
    servers = "".join("   - %s:%d:1\n" % (HOST, p) for p in backends)

    nc_port, nc_stats = free_port(), free_port()
    with open(os.path.join(work, "nutcracker.yml"), "w") as f:
        f.write("bench:\n  listen: %s:%d\n  redis: true\n  servers:\n%s" % (HOST, nc_port, servers))
    nutcracker = spawn("nutcracker", ["/usr/sbin/nutcracker", "-c", "nutcracker.yml", "-s", str(nc_stats),
                                      "-a", HOST])
    wait_port(nc_port, nutcracker, "nutcracker")
    st_port = free_port()
    with open(os.path.join(work, "stunnel.conf"), "w") as f:
        f.write("foreground = yes\npid =\ndebug = 3\nsocket = l:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n"
                "[redis]\naccept = %s:%d\nconnect = %s:%d\ncert = server.crt\nkey = server.key\n"
                % (HOST, st_port, HOST, nc_port))
    stunnel = spawn("stunnel", ["stunnel4", "stunnel.conf"])
    wait_port(st_port, stunnel, "stunnel4")
    targets = [Target("stunnel+nutcracker", st_port, [stunnel, nutcracker])]

    engines = [("openssl", "")] + ([] if a.no_jdk else [("jdk", "-Dnutjar.tls.provider=jdk")])
    for engine, flag in engines:
        port, stats = free_port(), free_port()
        with open(os.path.join(work, "nutjar-%s.yml" % engine), "w") as f:
            f.write("bench:\n  listen: %s:%d\n  redis: true\n  tls:\n    cert: server.crt\n"
                    "    key: server.key\n  servers:\n%s" % (HOST, port, servers))
        cmd = [os.path.join(ROOT, "bin", "nutjar"), "-c", "nutjar-%s.yml" % engine, "-s", str(stats), "-a", HOST]
        if a.threads:
            cmd += ["--threads", str(a.threads)]
        env = dict(os.environ, NUTJAR_JAVA_OPTS=(os.environ.get("NUTJAR_JAVA_OPTS", "") + " " + flag).strip())
        nutjar = spawn("nutjar-" + engine, cmd, env)
        wait_port(port, nutjar, "nutjar")
        targets.append(Target("nutjar (%s)" % engine, port, [nutjar]))

    workloads = [("get", 50, 1), ("set", 50, 1), ("get", 50, 16), ("set", 50, 16)]
    for t in targets:  # warm-up: the JIT, connection pools, TLS session state
        for test, clients, pipeline in workloads:
            benchmark(work, t.port, test, clients, pipeline, a.requests // 4)
    for r in range(a.rounds):
        for w in workloads:
            test, clients, pipeline = w
            requests = a.requests * (5 if pipeline > 1 else 1)
            order = targets[r % len(targets):] + targets[:r % len(targets)]
            for t in order:
                before = t.cpu_now()
                rps = benchmark(work, t.port, test, clients, pipeline, requests)
                cpu_us = (t.cpu_now() - before) * 1e6 / requests
                t.rps.setdefault(w, []).append(rps)
                t.cpu.setdefault(w, []).append(cpu_us)
                print("round %d %-4s -c %d -P %-2d %-20s %10.0f req/s %6.2f us CPU/req"
                      % (r + 1, test.upper(), clients, pipeline, t.name, rps, cpu_us), file=sys.stderr)

    base = targets[0]
    print("| workload | target | req/s (median) | CPU us/req (median) | throughput vs stunnel | CPU/req vs stunnel |")
    print("| --- | --- | --- | --- | --- | --- |")
    for w in workloads:
        test, clients, pipeline = w
        label = "%s -c %d%s" % (test.upper(), clients, " -P %d" % pipeline if pipeline > 1 else "")
        b_rps, b_cpu = statistics.median(base.rps[w]), statistics.median(base.cpu[w])
        for t in targets:
            rps, cpu = statistics.median(t.rps[w]), statistics.median(t.cpu[w])
            print("| %s | %s | %.0f | %.2f | %.2fx | %.2fx |" % (label, t.name, rps, cpu, rps / b_rps, cpu / b_cpu))


if __name__ == "__main__":
    main()
