#!/usr/bin/env python3
"""End-to-end comparison of Nutjar with twemproxy (nutcracker) 0.5.

Starts two redis-servers and two memcacheds on free loopback ports, Nutjar and
nutcracker with the same pools, checks that both proxies return correct data,
then runs every workload against Nutjar, nutcracker and one backend directly,
interleaved over several rounds (A B C, C B A, ...), and prints per workload:
ops/s, p50 and p99 latency, CPU time per request of the process serving the
port, and the ratios to nutcracker. Then the slow-reader check: a client
pipelines GETs and never reads its replies while another measures latency.

  python3 bench/e2e.py                      # the comparison, about 10 minutes on 2 cores
  python3 bench/e2e.py --idle-heap 10000    # heap cost of idle connections instead
  python3 bench/e2e.py --pool A.json B.json  # the summary and targets over the rounds of saved runs

See bench/README.md. Python 3 standard library only; needs redis-server,
redis-benchmark, memcached, nutcracker, java (and jcmd for --idle-heap).
Everything listens on 127.0.0.1 and everything started is stopped at exit.
"""

import argparse
import ctypes
import datetime
import json
import math
import os
import random
import resource
import select
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUTJAR_JAR = os.path.join(ROOT, "cli", "target", "nutjar.jar")
BENCH_JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
CLK_TCK = os.sysconf("SC_CLK_TCK")
HOST = "127.0.0.1"

# ---------------------------------------------------------------------------
# Output: everything printed goes to stdout and to the raw output file.


class Out:
    def __init__(self):
        self.file = None

    def open(self, path):
        self.file = open(path, "w", encoding="utf-8")

    def __call__(self, *parts, end="\n"):
        text = " ".join(str(p) for p in parts) + end
        sys.stdout.write(text)
        sys.stdout.flush()
        if self.file:
            self.file.write(text)
            self.file.flush()


out = Out()


class CheckFailed(Exception):
    pass


# ---------------------------------------------------------------------------
# Processes


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_parent():
    # PR_SET_PDEATHSIG: a child is killed if the harness itself is killed (SIGKILL included).
    _libc.prctl(1, signal.SIGKILL, 0, 0, 0)


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kb(pid, key):
    """A 'kB' line of /proc/PID/status (VmRSS, VmHWM), in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def open_files_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return 0


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_port(port, proc, name, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CheckFailed("%s exited with status %s before listening on %d" % (name, proc.returncode, port))
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise CheckFailed("%s did not listen on %d within %d s" % (name, port, timeout))


def rst_close(sock):
    """Closes with a RST: no TIME_WAIT left behind, and a peer's unread input is dropped."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


# ---------------------------------------------------------------------------
# Minimal clients for the checks and the preload


class RespClient:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(parts)

    def call(self, *args):
        self.sock.sendall(self.encode(*args))
        return self.read()

    def read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise CheckFailed("connection closed or bad reply: %r" % line)
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)
            return data[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise CheckFailed("bad RESP reply: %r" % line)

    def close(self):
        self.file.close()
        self.sock.close()


class MemcacheClient:
    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def set(self, key, value):
        self.sock.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (key.encode(), len(value), value))
        return self.file.readline().strip()

    def get_multi(self, keys):
        self.sock.sendall(b"get " + b" ".join(k.encode() for k in keys) + b"\r\n")
        found = []
        while True:
            line = self.file.readline()
            if line == b"END\r\n":
                return found
            parts = line.split()
            if not parts or parts[0] != b"VALUE":
                raise CheckFailed("bad memcached reply: %r" % line)
            data = self.file.read(int(parts[3]) + 2)[:-2]
            found.append((parts[1].decode(), data))

    def close(self):
        self.file.close()
        self.sock.close()


def key(i, prefix="key:"):
    return "%s%012d" % (prefix, i)  # redis-benchmark's __rand_int__, and LoadGen's keys


# ---------------------------------------------------------------------------


class Target:
    """A place to send a workload: a proxy (both pools) or the first backend of each pool."""

    def __init__(self, name, redis_port, mc_port, redis_proc, mc_proc, proxy):
        self.name = name
        self.redis_port = redis_port
        self.mc_port = mc_port
        self.redis_proc = redis_proc
        self.mc_proc = mc_proc
        self.proxy = proxy

    def port(self, kind):
        return self.redis_port if kind == "redis" else self.mc_port

    def proc(self, kind):
        return self.redis_proc if kind == "redis" else self.mc_proc


class Workload:
    def __init__(self, name, kind, clients, pipeline, requests, klass, bench_args=None, op=None,
                 value=3, keyspace=None, prefix="key:", idle=0, large=0):
        self.name = name
        self.kind = kind  # redis (redis-benchmark) or memcache (LoadGen)
        self.clients = clients
        self.pipeline = pipeline
        self.requests = max(1, int(requests))
        self.klass = klass  # small, pipelined, large: which CPU target applies
        self.bench_args = bench_args or []
        self.op = op
        self.value = value
        self.keyspace = keyspace
        self.prefix = prefix
        self.idle = idle
        # The value size of the "key:" keys below keyspace that a large-value workload reads or
        # writes (redis-benchmark -t set|get has no other key): loaded before it runs, put back
        # to the small preload value before any other workload.
        self.large = large


def workloads(a):
    n = a.requests
    big_value = "x" * a.big_value
    mget = ["mget"] + ["key:__rand_int__"] * 10
    return [
        Workload("set", "redis", 50, 1, n, "small", ["-t", "set"]),
        Workload("get", "redis", 50, 1, n, "small", ["-t", "get"]),
        Workload("set -P 16", "redis", 50, 16, n * 10, "pipelined", ["-t", "set"]),
        Workload("get -P 16", "redis", 50, 16, n * 10, "pipelined", ["-t", "get"]),
        Workload("mget 10 keys", "redis", 50, 1, n / 2, "small", mget),
        Workload("set 16 KiB", "redis", 10, 1, n / 5, "large", ["set", "big:__rand_int__", big_value],
                 keyspace=a.big_keys),
        Workload("get 16 KiB", "redis", 10, 1, n / 5, "large", ["get", "big:__rand_int__"], keyspace=a.big_keys),
        Workload("mc get", "memcache", 50, 1, n, "small", op="get"),
        Workload("mc set", "memcache", 50, 1, n, "small", op="set"),
        Workload("get, %d idle" % a.idle, "redis", 50, 1, n, "small", ["-t", "get"], idle=a.idle),
    ] + large_workloads(a)


MIB = 1 << 20


def large_workloads(a):
    """redis-benchmark -c 4 -r 8 -d SIZE -t set|get, as issue 17 measured: a few seconds each."""
    n = a.requests
    ws = []
    for size, requests in ((MIB, n / 25), (16 * MIB, n / 2500)):
        label = "%d MiB" % (size // MIB)
        ws.append(Workload("set " + label, "redis", 4, 1, requests, "large", ["-t", "set", "-d", str(size)],
                           keyspace=a.large_keys, large=size))
        ws.append(Workload("get " + label, "redis", 4, 1, requests, "large", ["-t", "get"],
                           keyspace=a.large_keys, large=size))
    mget = ["mget"] + ["key:__rand_int__"] * 4
    ws.append(Workload("mget 4 x 1 MiB", "redis", 4, 1, n / 100, "large", mget, keyspace=a.large_keys, large=MIB))
    return ws


class Loader:
    """LoadGen --serve: one warmed-up JVM for every memcached run and latency probe."""

    def __init__(self, harness):
        self.harness = harness
        self.proc = None

    def start(self):
        self.proc = self.harness.spawn(
            "loadgen",
            ["java", "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-cp", BENCH_JAR,
             "dev.nutjar.bench.load.LoadGen", "--serve"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, **opts):
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        seconds = float(opts.get("seconds", 60))
        grace = float(opts.get("grace", 10))
        line = " ".join("%s=%s" % kv for kv in opts.items()) + "\n"
        self.proc.stdin.write(line.encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + seconds + grace + 30
        fd = self.proc.stdout.fileno()
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.harness.stop(self.proc)
                self.proc = None
                return {"ok": False, "error": "LoadGen did not answer in time; restarted"}
            chunk = os.read(fd, 65536)
            if not chunk:
                self.proc = None
                return {"ok": False, "error": "LoadGen exited"}
            data += chunk
        return json.loads(data.decode())


class Harness:
    def __init__(self, a):
        self.a = a
        self.procs = []
        self.work = tempfile.mkdtemp(prefix="nutjar-e2e-")
        self.loader = Loader(self)
        self.idle_socks = []
        self.loaded_size = 0

    # -- processes ----------------------------------------------------------

    def spawn(self, name, cmd, stdin=None, stdout=None, env=None):
        log = open(os.path.join(self.work, name + ".log"), "ab")
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout if stdout else log, stderr=log,
                                preexec_fn=_die_with_parent, env=env, cwd=self.work)
        self.procs.append((name, proc))
        return proc

    def stop(self, proc, timeout=10):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def cleanup(self):
        for s in self.idle_socks:
            rst_close(s)
        self.idle_socks = []
        for _, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for _, proc in reversed(self.procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.a.keep:
            out("logs and configuration kept in", self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def start_all(self):
        a = self.a
        self.redis = []
        self.mc = []
        for i in range(2):
            port = free_port()
            proc = self.spawn("redis-%d" % port,
                              ["redis-server", "--port", str(port), "--bind", HOST, "--save", "",
                               "--appendonly", "no", "--daemonize", "no", "--maxclients", "20000"])
            self.redis.append((port, proc))
        for i in range(2):
            port = free_port()
            cmd = ["memcached", "-p", str(port), "-l", HOST, "-U", "0", "-c", "20000", "-m", "256"]
            if os.geteuid() == 0:
                cmd += ["-u", "root"]
            proc = self.spawn("memcached-%d" % port, cmd)
            self.mc.append((port, proc))
        for port, proc in self.redis + self.mc:
            wait_port(port, proc, "backend")

        self.nj_redis, self.nj_mc, self.nj_stats = free_port(), free_port(), free_port()
        self.nc_redis, self.nc_mc, self.nc_stats = free_port(), free_port(), free_port()
        for name, rp, mp in (("nutjar", self.nj_redis, self.nj_mc), ("nutcracker", self.nc_redis, self.nc_mc)):
            with open(os.path.join(self.work, name + ".yml"), "w") as f:
                f.write(self.pools(rp, mp))
        nj_cmd = [os.path.join(ROOT, "bin", "nutjar"), "-c", os.path.join(self.work, "nutjar.yml"),
                  "-s", str(self.nj_stats), "-a", HOST, "-o", os.path.join(self.work, "nutjar.out")]
        if a.threads:
            nj_cmd += ["--threads", str(a.threads)]
        if a.admin:
            # Its metrics recorded on the request path, and scraped as Prometheus would.
            nj_cmd += ["--admin-port", str(free_port()), "--admin-addr", HOST]
        self.nutjar = self.spawn("nutjar", nj_cmd)
        self.nutcracker = self.spawn(
            "nutcracker",
            ["nutcracker", "-c", os.path.join(self.work, "nutcracker.yml"), "-s", str(self.nc_stats),
             "-a", HOST, "-o", os.path.join(self.work, "nutcracker.out")])
        for port, proc, name in ((self.nj_redis, self.nutjar, "nutjar"), (self.nj_mc, self.nutjar, "nutjar"),
                                 (self.nc_redis, self.nutcracker, "nutcracker"),
                                 (self.nc_mc, self.nutcracker, "nutcracker")):
            wait_port(port, proc, name)
        self.targets = [
            Target("nutjar", self.nj_redis, self.nj_mc, self.nutjar, self.nutjar, True),
            Target("nutcracker", self.nc_redis, self.nc_mc, self.nutcracker, self.nutcracker, True),
            Target("direct", self.redis[0][0], self.mc[0][0], self.redis[0][1], self.mc[0][1], False),
        ]
        self.relay = self.start_relay() if a.relay else None
        self.loader.start()

    def start_relay(self):
        """The floor for large values: a plain TCP relay (c/tcp_relay.c, copying) to the direct redis."""
        if not shutil.which("gcc"):
            out("no gcc: the large workloads run without the plain relay")
            return None
        binary = os.path.join(self.work, "tcp_relay")
        subprocess.run(["gcc", "-O2", "-o", binary, os.path.join(ROOT, "bench", "c", "tcp_relay.c")], check=True)
        port = free_port()
        proc = self.spawn("relay", [binary, "copy", str(port), str(self.redis[0][0])])
        wait_port(port, proc, "relay")
        return Target("relay", port, None, proc, None, True)

    def targets_for(self, w):
        """Where workload w runs: the proxies and direct; for large values also the plain relay."""
        return self.targets + [self.relay] if w.large and self.relay else self.targets

    def pools(self, redis_port, mc_port):
        # The same pools for both proxies; only the listen ports differ.
        def servers(backends):
            return "".join("   - %s:%d:1\n" % (HOST, port) for port, _ in backends)
        return ("redis_pool:\n  listen: %s:%d\n  redis: true\n  hash: fnv1a_64\n  distribution: ketama\n"
                "  timeout: 5000\n  servers:\n%s"
                "memcache_pool:\n  listen: %s:%d\n  hash: fnv1a_64\n  distribution: ketama\n"
                "  timeout: 5000\n  servers:\n%s") % (HOST, redis_port, servers(self.redis),
                                                      HOST, mc_port, servers(self.mc))

    def nutjar_event_loops(self):
        try:
            with open(os.path.join(self.work, "nutjar.out"), errors="replace") as f:
                for line in f:
                    if "event loop" in line:
                        return line.strip().split("] ", 1)[-1]
        except OSError:
            pass
        return "?"

    # -- checks and preload -------------------------------------------------

    def check(self):
        """Both proxies place keys alike, spread them over both servers, and return correct data."""
        rnd = random.Random(7)
        nj, nc = RespClient(self.nj_redis), RespClient(self.nc_redis)
        backends = [RespClient(p) for p, _ in self.redis]
        try:
            # Keys of the benchmarks' form: both proxies must spread these over both servers.
            check_keys = [key(i) for i in rnd.sample(range(self.a.keyspace), 200)]
            values = {}
            for i, k in enumerate(check_keys):
                v = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64)))
                values[k] = v
                writer, reader = (nj, nc) if i % 2 == 0 else (nc, nj)
                if writer.call("SET", k, v) != "OK":
                    raise CheckFailed("SET %s failed" % k)
                got = reader.call("GET", k)
                if got != v:
                    raise CheckFailed("redis: GET %s through one proxy returned %r, the other wrote %r" % (k, got, v))
            redis_split = [0, 0]
            for k, v in values.items():
                found = [b.call("GET", k) == v for b in backends]
                if sum(found) != 1:
                    raise CheckFailed("redis: %s is on %d backends, not 1" % (k, sum(found)))
                redis_split[found.index(True)] += 1
            if min(redis_split) == 0:
                raise CheckFailed("redis: all keys on one backend: %s" % redis_split)
            keys = list(values)[:30] + ["e2e:check:missing"]
            expected = [values.get(k) for k in keys]
            for name, c in (("nutjar", nj), ("nutcracker", nc)):
                got = c.call("MGET", *keys)
                if got != expected:
                    raise CheckFailed("redis: MGET through %s returned wrong values" % name)
            big = bytes(rnd.randrange(256) for _ in range(16384))
            nj.call("SET", "e2e:check:big", big)
            if nc.call("GET", "e2e:check:big") != big:
                raise CheckFailed("redis: a 16 KiB value written through nutjar read back wrong through nutcracker")
            nj.call("DEL", "e2e:check:big")
        finally:
            for c in [nj, nc] + backends:
                c.close()
        mnj, mnc = MemcacheClient(self.nj_mc), MemcacheClient(self.nc_mc)
        mbackends = [MemcacheClient(p) for p, _ in self.mc]
        try:
            values = {}
            for i, k in enumerate(check_keys):
                v = ("v%d-" % i).encode() + bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randrange(1, 64)))
                values[k] = v
                writer, reader = (mnj, mnc) if i % 2 == 0 else (mnc, mnj)
                if writer.set(k, v) != b"STORED":
                    raise CheckFailed("memcached: set %s failed" % k)
                if reader.get_multi([k]) != [(k, v)]:
                    raise CheckFailed("memcached: get %s through one proxy differs from what the other wrote" % k)
            mc_split = [0, 0]
            for k in values:
                found = [bool(b.get_multi([k])) for b in mbackends]
                if sum(found) != 1:
                    raise CheckFailed("memcached: %s is on %d backends, not 1" % (k, sum(found)))
                mc_split[found.index(True)] += 1
            if min(mc_split) == 0:
                raise CheckFailed("memcached: all keys on one backend: %s" % mc_split)
            keys = list(values)[:30]
            keys.insert(5, "e2e:check:missing")
            expected = sorted((k, values[k]) for k in keys if k in values)
            for name, c in (("nutjar", mnj), ("nutcracker", mnc)):
                # Compared as sets: nutcracker does not always keep the keys' order (clients match by key).
                if sorted(c.get_multi(keys)) != expected:
                    raise CheckFailed("memcached: a 31-key get through %s returned wrong values" % name)
        finally:
            for c in [mnj, mnc] + mbackends:
                c.close()
        return redis_split, mc_split

    def preload(self):
        """Every benchmark key on every backend, so a GET hits whichever way it is routed."""
        a = self.a
        batch = 1000

        def load(port, commands, reply):
            with socket.create_connection((HOST, port), timeout=30) as s:
                f = s.makefile("rb")
                for start in range(0, len(commands), batch):
                    chunk = commands[start:start + batch]
                    s.sendall(b"".join(chunk))
                    expected = reply * len(chunk)
                    got = f.read(len(expected))
                    if got != expected:
                        raise CheckFailed("preload of %d failed: %r" % (port, got[:100]))

        small = [RespClient.encode("SET", key(i), "xxx") for i in range(a.keyspace)]
        big_value = b"x" * a.big_value
        big = [RespClient.encode("SET", key(i, "big:"), big_value) for i in range(a.big_keys)]
        for port, _ in self.redis:
            load(port, small + big, b"+OK\r\n")
        mc = [b"set %s 0 0 3\r\nxxx\r\n" % key(i).encode() for i in range(a.keyspace)]
        for port, _ in self.mc:
            load(port, mc, b"STORED\r\n")

    # -- one run ------------------------------------------------------------

    def load_values(self, size, count):
        """The first count "key:" keys hold values of size bytes on both redis backends (0: the preload's)."""
        if self.loaded_size == size:
            return
        value = b"x" * size if size else b"xxx"
        for port, _ in self.redis:
            c = RespClient(port, timeout=60)
            try:
                for i in range(count):
                    if c.call("SET", key(i), value) != "OK":
                        raise CheckFailed("loading %d-byte values into %d failed" % (size, port))
            finally:
                c.close()
        self.loaded_size = size

    def open_idle(self, target, kind, count):
        proc = target.proc(kind)
        before = fd_count(proc.pid)
        for _ in range(count):
            s = socket.create_connection((HOST, target.port(kind)), timeout=10)
            self.idle_socks.append(s)
        deadline = time.monotonic() + 30
        while fd_count(proc.pid) < before + count:
            if time.monotonic() > deadline:
                raise CheckFailed("%s accepted only %d of %d idle connections"
                                  % (target.name, fd_count(proc.pid) - before, count))
            time.sleep(0.05)

    def close_idle(self):
        for s in self.idle_socks:
            rst_close(s)
        self.idle_socks = []

    def run(self, w, target, scale=1.0):
        a = self.a
        proc = target.proc(w.kind)
        port = target.port(w.kind)
        requests = max(1, int(w.requests * scale))
        keyspace = w.keyspace or a.keyspace
        r = {"workload": w.name, "target": target.name}
        try:
            if w.kind == "redis":
                self.load_values(w.large or 0, keyspace if w.large else a.large_keys)
            if w.idle:
                self.open_idle(target, w.kind, w.idle)
            cpu0 = cpu_seconds(proc.pid)
            t0 = time.monotonic()
            if w.kind == "redis":
                cmd = ["redis-benchmark", "-h", HOST, "-p", str(port), "-c", str(w.clients), "-n", str(requests),
                       "-r", str(keyspace), "-P", str(w.pipeline), "--csv"] + w.bench_args
                try:
                    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       timeout=a.run_timeout, preexec_fn=_die_with_parent)
                    stdout, stderr = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
                    rows = [line for line in stdout.splitlines() if line.startswith('"')]
                    errors = [line for line in stderr.splitlines() if "rror" in line]
                    if p.returncode != 0 or len(rows) < 2 or errors:
                        r.update(ok=False, error="redis-benchmark exit %d: %s" % (
                            p.returncode, (errors or stderr.splitlines() or ["no output"])[0][:200]))
                    else:
                        # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",...
                        values = rows[1].rsplit('","', 7)[1:]
                        values = [float(v.strip('"')) for v in values]
                        r.update(ok=True, requests=requests, rps=values[0], avg_ms=values[1], p50_ms=values[3],
                                 p95_ms=values[4], p99_ms=values[5], max_ms=values[6])
                except subprocess.TimeoutExpired:
                    r.update(ok=False, error="redis-benchmark did not finish in %d s" % a.run_timeout)
            else:
                res = self.loader.run(port=port, protocol="memcache", op=w.op, connections=w.clients,
                                      pipeline=w.pipeline, requests=requests, seconds=a.run_timeout, grace=10,
                                      keyspace=keyspace, value=w.value)
                r.update(res)
                if res.get("ok") and res.get("misses"):
                    r.update(ok=False, error="%d misses: preloaded keys not found" % res["misses"])
            r["wall_s"] = time.monotonic() - t0
            r["cpu_s"] = cpu_seconds(proc.pid) - cpu0
            if r.get("ok") and r.get("requests"):
                r["cpu_us_per_req"] = r["cpu_s"] / r["requests"] * 1e6
        except (CheckFailed, OSError) as e:
            r.update(ok=False, error=str(e))
        finally:
            self.close_idle()
        return r

    # -- the slow reader ----------------------------------------------------

    def slow_reader(self, target):
        """A client pipelines GETs and never reads; another measures GET latency meanwhile."""
        a = self.a
        pid = target.redis_proc.pid
        probe = dict(port=target.redis_port, protocol="resp", op="get", connections=4, pipeline=1,
                     keyspace=a.keyspace, rate=a.probe_rate, grace=10)
        base = self.loader.run(seconds=a.probe_seconds, requests=int(a.probe_rate * a.probe_seconds) + 1, **probe)

        rnd = random.Random(11)
        chunk = b"".join(RespClient.encode("GET", key(rnd.randrange(a.keyspace))) for _ in range(1900))
        sock = socket.create_connection((HOST, target.redis_port), timeout=10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        sock.setblocking(False)
        client_port = sock.getsockname()[1]
        state = {"sent": 0, "stopped": "", "rss_max": 0, "timeline": [], "rss_start": status_kb(pid, "VmRSS")}
        done = threading.Event()

        def sample(t0, last):
            rss = status_kb(pid, "VmRSS")
            state["rss_max"] = max(state["rss_max"], rss)
            now = time.monotonic()
            if now - last >= 5:
                state["timeline"].append((round(now - t0), rss // 1024))
                return now
            return last

        def sender():
            t0 = time.monotonic()
            last = t0 - 5
            view = memoryview(chunk)
            offset = 0
            try:
                while True:
                    last = sample(t0, last)
                    if done.is_set():
                        state["stopped"] = "probe finished"
                        break
                    if state["sent"] >= a.slow_bytes:
                        state["stopped"] = "%d MiB sent" % (a.slow_bytes >> 20)
                        break
                    if time.monotonic() - t0 >= a.slow_seconds:
                        state["stopped"] = "%d s elapsed" % a.slow_seconds
                        break
                    if state["rss_max"] >= a.slow_rss_cap_mb * 1024:
                        state["stopped"] = "proxy RSS reached the %d MiB cap" % a.slow_rss_cap_mb
                        break
                    # Pace: at most 16 KiB at a time and never more than 32 KiB unread in the proxy's
                    # socket, so a proxy that buffers without bound (nutcracker holds some 16 KB per
                    # outstanding GET) cannot overshoot the RSS cap by much.
                    if proxy_rx_queue(target.redis_port, client_port) > 32 * 1024:
                        # The proxy is not reading: wait without spinning, so this loop does not
                        # take the CPU the probe and the proxy share (2 cores).
                        time.sleep(0.05)
                        continue
                    try:
                        n = sock.send(view[offset:offset + 16 * 1024])
                    except BlockingIOError:
                        select.select([], [sock], [], 0.05)
                        continue
                    state["sent"] += n
                    offset = (offset + n) % len(chunk)
            except OSError as e:
                state["stopped"] = "proxy closed the connection (%s)" % e.__class__.__name__
            state["seconds"] = time.monotonic() - t0
            # Hold the connection, still not reading, until the probe is done.
            while not done.wait(0.1):
                last = sample(t0, last)

        thread = threading.Thread(target=sender, daemon=True)
        thread.start()
        time.sleep(1)
        loaded = self.loader.run(seconds=a.slow_seconds, requests=int(a.probe_rate * a.slow_seconds) + 1, **probe)
        state["rss_end"] = status_kb(pid, "VmRSS")
        done.set()
        thread.join(30)
        rst_close(sock)
        state.update(base=base, loaded=loaded)
        return state

    # -- idle connections and the heap --------------------------------------

    def heap_used_kb(self, pid):
        subprocess.run(["jcmd", str(pid), "GC.run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=60, check=True)
        text = subprocess.run(["jcmd", str(pid), "GC.heap_info"], stdout=subprocess.PIPE, timeout=60,
                              check=True).stdout.decode()
        used = 0
        found = False
        for line in text.splitlines():
            words = line.replace(",", " ").split()
            if "total" in words and "used" in words and ("generation" in words or "heap" in words):
                used += int(words[words.index("used") + 1].rstrip("K"))
                found = True
        if not found:
            raise CheckFailed("could not read the heap from jcmd GC.heap_info:\n" + text)
        return used


def count_syscalls(h, ws, scale):
    """Syscalls per request of each proxy, from strace -c -f attached during one run per workload."""
    if shutil.which("strace") is None:
        out("\nsyscalls: strace is not installed; skipped")
        return
    out("")
    out("syscalls per request (strace -c -f on the proxy during one run of %.0f%% of the requests; strace slows"
        " the proxy, so batches grow: compare the two proxies, not with the rounds above)" % (scale * 100))
    out("%-16s %-11s %9s %9s  %s" % ("workload", "proxy", "requests", "per req", "the most frequent"))
    for w in ws:
        for target in h.targets[:2]:
            pid = target.proc(w.kind).pid
            with tempfile.NamedTemporaryFile(prefix="strace-", suffix=".txt", delete=False) as f:
                path = f.name
            tracer = subprocess.Popen(["strace", "-c", "-f", "-q", "-o", path, "-p", str(pid)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
            r = h.run(w, target, scale)
            tracer.send_signal(signal.SIGINT)
            try:
                tracer.wait(30)
            except subprocess.TimeoutExpired:
                tracer.kill()
                tracer.wait()
            calls = {}
            with open(path) as f:
                for line in f:
                    words = line.split()
                    # "% time seconds usecs/call calls [errors] syscall"
                    if len(words) >= 5 and words[0][0].isdigit() and words[-1] not in ("total",):
                        calls[words[-1]] = int(words[3])
            os.unlink(path)
            # futex and restart_syscall are the JVM's idle threads and timed waits, not the request path.
            io = {k: v for k, v in calls.items() if k not in ("futex", "restart_syscall")}
            n = int(w.requests * scale) if r.get("ok") else 0
            top = sorted(io.items(), key=lambda kv: -kv[1])[:4]
            out("%-16s %-11s %9s %9s  %s" % (
                w.name, target.name, fmt(n, ","), fmt(sum(io.values()) / n if n else None, ".2f"),
                ", ".join("%s %.2f" % (k, v / n) for k, v in top) if n else r.get("error")))


def proxy_rx_queue(proxy_port, client_port):
    """Bytes the proxy has not read yet from our connection: its socket's receive queue.

    Asked of the kernel for that one socket (sock_diag, by its addresses and ports), not read
    from /proc/net/tcp: reading that walks the whole established-connection table, 3.4 ms of
    kernel time here (262,144 buckets), and 20 times a second it raised the latency probe's p99
    from 0.27 ms to 1.6 ms with no slow reader at all.
    """
    netlink_sock_diag, sock_diag_by_family, nlm_f_request, nlmsg_error = 4, 20, 1, 2
    address = socket.inet_aton(HOST) + bytes(12)
    # struct inet_diag_req_v2: family, protocol, ext, pad, states; then inet_diag_sockid: ports
    # (big-endian), source and destination addresses, interface, cookie (none: ~0).
    request = (struct.pack("=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 0xFFFFFFFF)
               + struct.pack("!HH", proxy_port, client_port) + address + address
               + struct.pack("=III", 0, 0xFFFFFFFF, 0xFFFFFFFF))
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, netlink_sock_diag) as s:
            s.send(struct.pack("=IHHII", 16 + len(request), sock_diag_by_family, nlm_f_request, 0, 0) + request)
            reply = s.recv(8192)
    except OSError:
        # No sock_diag here (a sandbox without netlink): the slow way, rather than report the
        # error as the proxy's, which the slow reader's loop would.
        return proxy_rx_queue_from_proc(proxy_port, client_port)
    if struct.unpack_from("=H", reply, 4)[0] == nlmsg_error:
        return 0  # no such connection (any more)
    # After the netlink header: struct inet_diag_msg: family, state, timer, retrans, the 48-byte
    # inet_diag_sockid (ports first), expires, then rqueue. The lookup falls back to the listening
    # socket when the connection is gone: that is no answer either.
    if struct.unpack_from("!H", reply, 16 + 4 + 2)[0] != client_port:
        return 0
    return struct.unpack_from("=I", reply, 16 + 4 + 48 + 4)[0]


def proxy_rx_queue_from_proc(proxy_port, client_port):
    """proxy_rx_queue's answer from the rx_queue column of /proc/net/tcp."""
    local, remote = ":%04X" % proxy_port, ":%04X" % client_port
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            if parts[1].endswith(local) and parts[2].endswith(remote):
                return int(parts[4].split(":")[1], 16)
    return 0


# ---------------------------------------------------------------------------
# Reporting


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def fmt_rate(v):
    """ops/s: whole numbers, but a tenth where there are few (16 MiB values)."""
    return fmt(v, ",.1f" if v is not None and v < 100 else ",.0f")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(x, y):
    return x / y if x is not None and y else None


def machine():
    def cmd(*c):
        try:
            p = subprocess.run(c, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            return p.stdout.decode(errors="replace").strip()
        except (OSError, subprocess.TimeoutExpired):
            return "(unavailable)"
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    lines = [
        "nproc: %s; CPU: %s; memory: %d MiB" % (cmd("nproc"), model,
                                                os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20),
        "kernel: %s" % os.uname().release,
        "load average at start: %s" % " ".join(open("/proc/loadavg").read().split()[:3]),
    ]
    lines += ["java -version: " + line for line in cmd("java", "-version").splitlines()]
    lines.append("nutjar: %s; commit %s%s" % (
        cmd(os.path.join(ROOT, "bin", "nutjar"), "-V").splitlines()[-1] if os.path.exists(NUTJAR_JAR) else "?",
        cmd("git", "-C", ROOT, "rev-parse", "--short", "HEAD"),
        " (uncommitted changes)" if cmd("git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no") else ""))
    lines.append("NUTJAR_JAVA_OPTS: %s" % os.environ.get("NUTJAR_JAVA_OPTS", "(unset: bin/nutjar's defaults)"))
    lines.append("%s; %s; %s; %s" % (cmd("nutcracker", "-V").splitlines()[0], cmd("redis-server", "--version"),
                                     cmd("memcached", "-V"), cmd("redis-benchmark", "--version")))
    return lines


def print_round(results, order):
    out("%-16s %-11s %11s %9s %9s %12s %10s %7s  %s" % (
        "workload", "target", "ops/s", "p50 ms", "p99 ms", "CPU us/req", "requests", "wall s", "note"))
    for r in results:
        note = "" if r.get("ok") else "FAILED: " + str(r.get("error", "?"))
        out("%-16s %-11s %11s %9s %9s %12s %10s %7s  %s" % (
            r["workload"], r["target"], fmt_rate(r.get("rps")), fmt(r.get("p50_ms"), ".3f"),
            fmt(r.get("p99_ms"), ".3f"), fmt(r.get("cpu_us_per_req"), ".2f"), fmt(r.get("requests"), ","),
            fmt(r.get("wall_s"), ".1f"), note))


def summarize(a, ws, all_results):
    """Medians over the rounds, the ratios to nutcracker, and the issue's targets."""
    rows = []
    for w in ws:
        m = {}
        for t in ("nutjar", "nutcracker", "direct", "relay"):
            runs = [r for r in all_results if r["workload"] == w.name and r["target"] == t and r.get("ok")]
            m[t] = {k: median([r.get(k) for r in runs]) for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_req")}
            m[t]["n"] = len(runs)
        rows.append((w, m))

    out("%-16s %-9s | %11s %11s %11s %6s | %7s %7s | %7s %7s %6s | %7s %7s %6s" % (
        "workload", "class", "nutjar", "nutcracker", "direct", "ratio", "p50 nj", "p50 nc",
        "p99 nj", "p99 nc", "ratio", "CPU nj", "CPU nc", "ratio"))
    out("%-16s %-9s | %11s %11s %11s %6s | %7s %7s | %7s %7s %6s | %7s %7s %6s" % (
        "", "", "ops/s", "ops/s", "ops/s", "", "ms", "ms", "ms", "ms", "", "us/req", "us/req", ""))
    ratios = []
    for w, m in rows:
        nj, nc, d = m["nutjar"], m["nutcracker"], m["direct"]
        tput = ratio(nj["rps"], nc["rps"])
        if tput:
            ratios.append(tput)
        out("%-16s %-9s | %11s %11s %11s %6s | %7s %7s | %7s %7s %6s | %7s %7s %6s" % (
            w.name, w.klass, fmt_rate(nj["rps"]), fmt_rate(nc["rps"]), fmt_rate(d["rps"]),
            fmt(tput, ".2f"), fmt(nj["p50_ms"], ".3f"), fmt(nc["p50_ms"], ".3f"),
            fmt(nj["p99_ms"], ".3f"), fmt(nc["p99_ms"], ".3f"), fmt(ratio(nj["p99_ms"], nc["p99_ms"]), ".2f"),
            fmt(nj["cpu_us_per_req"], ".2f"), fmt(nc["cpu_us_per_req"], ".2f"),
            fmt(ratio(nj["cpu_us_per_req"], nc["cpu_us_per_req"]), ".2f")))
    geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios)) if ratios else None
    out("")
    out("geometric mean of the throughput ratios (nutjar / nutcracker) over %d workloads: %s"
        % (len(ratios), fmt(geo, ".3f")))
    return rows, geo


def verdicts(rows, geo, rss):
    out("")
    out("targets (issue)                                   measured                          verdict")

    def line(target, measured, ok):
        out("%-49s %-33s %s" % (target, measured, "-" if ok is None else ("met" if ok else "MISSED")))

    line("throughput geometric mean >= 1.25x nutcracker", fmt(geo, ".2f") + "x", None if geo is None else geo >= 1.25)
    pipe = [(w.name, ratio(m["nutjar"]["rps"], m["nutcracker"]["rps"])) for w, m in rows if w.klass == "pipelined"]
    line("pipelined >= 2x", ", ".join("%s %sx" % (n, fmt(x, ".2f")) for n, x in pipe),
         all(x is not None and x >= 2 for _, x in pipe) if pipe else None)
    tputs = [(w.name, ratio(m["nutjar"]["rps"], m["nutcracker"]["rps"])) for w, m in rows]
    below = [n for n, x in tputs if x is not None and x < 1.0]
    line("no workload below 1.0x", ("below: " + ", ".join(below)) if below else "none below",
         not below and all(x is not None for _, x in tputs))
    p99s = [(w.name, ratio(m["nutjar"]["p99_ms"], m["nutcracker"]["p99_ms"])) for w, m in rows]
    above = [n for n, x in p99s if x is not None and x > 1.0]
    line("p99 <= nutcracker's on every workload", ("above: " + ", ".join(above)) if above else "none above",
         not above and all(x is not None for _, x in p99s))
    for klass, limit in (("small", 0.85), ("pipelined", 0.3)):
        cpus = [(w.name, ratio(m["nutjar"]["cpu_us_per_req"], m["nutcracker"]["cpu_us_per_req"]))
                for w, m in rows if w.klass == klass]
        worst = max((x for _, x in cpus if x is not None), default=None)
        line("CPU/request <= %.2fx nutcracker's (%s)" % (limit, klass), "worst %sx" % fmt(worst, ".2f"),
             all(x is not None and x <= limit for _, x in cpus) if cpus else None)
    large = [(w.name, ratio(m["nutjar"]["rps"], m["nutcracker"]["rps"]), ratio(m["nutjar"]["rps"], m["direct"]["rps"]))
             for w, m in rows if w.large]
    line("large values (1, 16 MiB) >= 1.0x nutcracker", ", ".join("%s %sx" % (n, fmt(x, ".2f")) for n, x, _ in large),
         all(x is not None and x >= 1.0 for _, x, _ in large) if large else None)
    line("large values within 20% of direct", ", ".join("%s %sx" % (n, fmt(d, ".2f")) for n, _, d in large),
         all(d is not None and d >= 0.8 for _, _, d in large) if large else None)
    floor = [(w.name, ratio(m["relay"]["rps"], m["direct"]["rps"])) for w, m in rows if w.large and m["relay"]["n"]]
    if floor:
        line("  (the floor: a plain TCP relay / direct)", ", ".join("%s %sx" % (n, fmt(x, ".2f")) for n, x in floor),
             None)
    nj_rss = rss.get("nutjar")
    line("peak RSS < 160 MB (nutjar, whole JVM)", "%s MB" % fmt(nj_rss and nj_rss * 1024 / 1e6, ".1f"),
         None if nj_rss is None else nj_rss * 1024 < 160e6)
    line("10,000 idle connections < 5 KB heap each", "see --idle-heap", None)


# ---------------------------------------------------------------------------
# Modes


def comparison(h, a):
    ws = workloads(a)
    if a.only:
        wanted = [s.strip() for s in a.only.split(",")]
        ws = [w for w in ws if any(s in w.name for s in wanted)]
    out("checking both proxies' data and placement ...", end="")
    redis_split, mc_split = h.check()
    out(" ok; 200 random benchmark keys fall %d / %d on the two redis servers, %d / %d on the two memcacheds"
        % tuple(redis_split + mc_split))
    t = time.monotonic()
    h.preload()
    out("preloaded %d keys (3 B) and %d keys (%d B) into each backend in %.1f s"
        % (a.keyspace, a.big_keys, a.big_value, time.monotonic() - t))
    out("nutjar: " + h.nutjar_event_loops())
    out("")

    if a.warmup > 0:
        out("warm-up (not counted): every workload once on every target, %.0f%% of the requests" % (a.warmup * 100))
        for w in ws:
            line = []
            for target in h.targets_for(w):
                r = h.run(w, target, a.warmup)
                line.append("%s %s" % (target.name, fmt_rate(r.get("rps")) if r.get("ok") else "FAILED " + str(r.get("error"))))
            out("  %-16s %s" % (w.name, "; ".join(line)))
        out("")

    results = []
    for rnd in range(1, a.rounds + 1):
        order = h.targets if rnd % 2 == 1 else list(reversed(h.targets))
        out("round %d of %d (order: %s; the relay %s for large values)"
            % (rnd, a.rounds, ", ".join(t.name for t in order), "last" if rnd % 2 == 1 else "first"))
        round_results = []
        for w in ws:
            targets = h.targets_for(w)
            for target in targets if rnd % 2 == 1 else list(reversed(targets)):
                r = h.run(w, target)
                r["round"] = rnd
                round_results.append(r)
        print_round(round_results, order)
        results += round_results
        out("")

    rss = {"nutjar": status_kb(h.nutjar.pid, "VmHWM"), "nutcracker": status_kb(h.nutcracker.pid, "VmHWM")}
    out("summary: medians over %d rounds; ratio = nutjar / nutcracker; CPU = the serving process's user+system "
        "CPU time per request (for direct: the backend's)" % a.rounds)
    rows, geo = summarize(a, ws, results)
    out("peak RSS (VmHWM) so far: nutjar %.1f MB (the whole JVM: heap, metaspace, code cache, thread stacks, "
        "direct buffers); nutcracker %.1f MB" % (rss["nutjar"] * 1024 / 1e6, rss["nutcracker"] * 1024 / 1e6))
    verdicts(rows, geo, rss)

    if a.syscalls > 0:
        count_syscalls(h, ws, a.syscalls)

    slow = {}
    if a.slow_seconds > 0:
        out("")
        out("slow reader: one client pipelines GETs and never reads a reply (until %d MiB sent, %d s, or the proxy's "
            "RSS reaches %d MiB);" % (a.slow_bytes >> 20, a.slow_seconds, a.slow_rss_cap_mb))
        out("meanwhile a probe sends %d GET/s over 4 connections for %d s; 'base' is the same probe for %d s "
            "without the slow reader" % (a.probe_rate, a.slow_seconds, a.probe_seconds))
        out("%-11s %9s %-40s %9s %9s %9s | %8s %8s | %8s %8s | %s" % (
            "proxy", "sent MB", "sending stopped by", "RSS0 MB", "RSSmax MB", "RSSend MB",
            "p50 base", "p50 slow", "p99 base", "p99 slow", "probe"))
        for target in h.targets[:2]:
            s = h.slow_reader(target)
            slow[target.name] = s
            base, loaded = s["base"], s["loaded"]
            probe_note = "%s requests, %s errors" % (fmt(loaded.get("requests"), ","), loaded.get("errors", "?"))
            if not loaded.get("ok"):
                probe_note += "; FAILED: %s" % loaded.get("error", "errors or timeout")
            out("%-11s %9.1f %-40s %9.1f %9.1f %9.1f | %8s %8s | %8s %8s | %s" % (
                target.name, s["sent"] / 1e6, s["stopped"] + " after %.0f s" % s.get("seconds", 0),
                s["rss_start"] * 1024 / 1e6, s["rss_max"] * 1024 / 1e6, s["rss_end"] * 1024 / 1e6,
                fmt(base.get("p50_ms"), ".3f"), fmt(loaded.get("p50_ms"), ".3f"),
                fmt(base.get("p99_ms"), ".3f"), fmt(loaded.get("p99_ms"), ".3f"), probe_note))
            out("%-11s RSS MiB every 5 s: %s" % ("", " ".join("%ds:%d" % tr for tr in s["timeline"])))
    return {"results": results, "peak_rss_kb": rss, "geomean": geo, "slow_reader": slow}


def pool(a):
    """The summary and the targets over every round of the saved runs named, as if one run."""
    results, rss, runs = [], {}, []
    for path in a.pool:
        try:
            with open(path) as f:
                report = json.load(f)
        except (OSError, ValueError) as e:
            sys.exit("e2e: cannot read %s: %s" % (path, e))
        if "results" not in report:
            sys.exit("e2e: %s holds no rounds (an --idle-heap run?)" % path)
        rounds = max((r.get("round", 0) for r in report["results"]), default=0)
        runs.append("%s (%d rounds)" % (os.path.basename(path), rounds))
        results += report["results"]
        for name, kb in (report.get("peak_rss_kb") or {}).items():
            if kb is not None:
                rss[name] = max(kb, rss.get(name, 0))
    names = {r["workload"] for r in results}
    ws = [w for w in workloads(a) if w.name in names]
    unknown = sorted(names - {w.name for w in ws})
    if unknown:
        sys.exit("e2e: workloads not in this harness (another --idle?): %s" % ", ".join(unknown))
    out("command: python3 " + " ".join(shlex.quote(x) for x in sys.argv))
    out("pooled: %s" % ", ".join(runs))
    out("summary: medians over the rounds of all %d runs; ratio = nutjar / nutcracker; CPU = the serving "
        "process's user+system CPU time per request (for direct: the backend's)" % len(runs))
    rows, geo = summarize(a, ws, results)
    out("peak RSS (VmHWM), the highest of the runs: nutjar %s MB, nutcracker %s MB" % (
        fmt(rss.get("nutjar") and rss["nutjar"] * 1024 / 1e6, ".1f"),
        fmt(rss.get("nutcracker") and rss["nutcracker"] * 1024 / 1e6, ".1f")))
    verdicts(rows, geo, rss)


def idle_heap(h, a):
    n = a.idle_heap
    out("idle connections: %d to each proxy's redis pool; heap from jcmd GC.heap_info after jcmd GC.run "
        "(a full GC), RSS from /proc" % n)
    out("open-files limit: harness %d, nutjar %d, nutcracker %d" % (
        resource.getrlimit(resource.RLIMIT_NOFILE)[0], open_files_limit(h.nutjar.pid),
        open_files_limit(h.nutcracker.pid)))
    h.check()
    h.preload()
    for target in h.targets[:2]:
        for op in ("set", "get"):
            h.loader.run(port=target.redis_port, protocol="resp", op=op, connections=50, pipeline=1,
                         requests=a.requests, seconds=30, keyspace=a.keyspace)
    out("%-11s %-34s %12s %12s %14s %14s" % ("proxy", "state", "heap KiB", "RSS KiB", "heap B/conn", "RSS B/conn"))
    report = {}
    for target in h.targets[:2]:
        pid = target.redis_proc.pid
        java = target.name == "nutjar"
        heap = (lambda: h.heap_used_kb(pid)) if java else (lambda: None)
        base_heap, base_rss = heap(), status_kb(pid, "VmRSS")
        rows = [("before", base_heap, base_rss)]
        h.open_idle(target, "redis", n)
        rows.append(("%d connected, no request" % n, heap(), status_kb(pid, "VmRSS")))
        for i, s in enumerate(h.idle_socks):
            s.sendall(RespClient.encode("GET", key(i % a.keyspace)))
        for s in h.idle_socks:
            f = s.makefile("rb")
            if f.readline() != b"$3\r\n" or f.readline() != b"xxx\r\n":
                raise CheckFailed("%s: an idle connection's GET got a wrong reply" % target.name)
            f.close()
        rows.append(("%d idle after one GET each" % n, heap(), status_kb(pid, "VmRSS")))
        h.close_idle()
        time.sleep(2)
        rows.append(("all closed again", heap(), status_kb(pid, "VmRSS")))
        for state, hp, rss in rows:
            per_heap = None if hp is None or base_heap is None or state == "before" else (hp - base_heap) * 1024 / n
            per_rss = None if state == "before" else (rss - base_rss) * 1024 / n
            out("%-11s %-34s %12s %12s %14s %14s" % (target.name, state, fmt(hp, ","), fmt(rss, ","),
                                                     fmt(per_heap, ",.0f"), fmt(per_rss, ",.0f")))
        report[target.name] = rows
    nj_rows = report["nutjar"]
    worst = max((hp - nj_rows[0][1]) * 1024 / n for _, hp, _ in nj_rows[1:3])
    out("")
    out("target: 10,000 idle client connections cost < 5 KB of heap each: nutjar %.0f B/connection (worst of the "
        "two idle states) with %d connections: %s" % (worst, n, "met" if worst < 5000 else "MISSED"))
    return report


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rounds", type=int, default=5, help="measured rounds, each running every workload on every target")
    p.add_argument("--requests", type=int, default=200_000,
                   help="requests per run of a small-request workload (pipelined: 10x; mget: 1/2; 16 KiB: 1/5; "
                        "1 MiB: 1/25; 16 MiB: 1/2500; mget of 1 MiB values: 1/100)")
    p.add_argument("--threads", type=int, default=0, help="nutjar --threads (0: nutjar's default)")
    p.add_argument("--admin", action="store_true",
                   help="run nutjar with its admin port on (latency histograms and per-command counts recorded)")
    p.add_argument("--warmup", type=float, default=1.0,
                   help="fraction of each run's requests in the warm-up pass (0: no warm-up)")
    p.add_argument("--keyspace", type=int, default=100_000, help="small keys (redis-benchmark -r)")
    p.add_argument("--big-keys", type=int, default=1000, help="16 KiB keys")
    p.add_argument("--big-value", type=int, default=16384, help=argparse.SUPPRESS)
    p.add_argument("--no-relay", dest="relay", action="store_false",
                   help="run the large workloads without the plain TCP relay (c/tcp_relay.c) beside the proxies")
    p.add_argument("--large-keys", type=int, default=8,
                   help="keys of the 1 MiB and 16 MiB workloads (redis-benchmark -r)")
    p.add_argument("--idle", type=int, default=1000, help="idle connections during the last GET workload")
    p.add_argument("--run-timeout", type=int, default=120, help="seconds before one run is abandoned")
    p.add_argument("--slow-seconds", type=int, default=60, help="slow-reader check duration (0: skip it)")
    p.add_argument("--slow-bytes", type=int, default=1 << 30, help="the slow reader stops after sending this much")
    p.add_argument("--slow-rss-cap-mb", type=int, default=1024,
                   help="the slow reader stops sending when the proxy's RSS reaches this (protects the machine)")
    p.add_argument("--probe-rate", type=int, default=2000, help="GET/s of the latency probe in the slow-reader check")
    p.add_argument("--probe-seconds", type=int, default=5, help="duration of the probe's baseline")
    p.add_argument("--syscalls", type=float, default=0.2, metavar="F",
                   help="after the rounds, count each proxy's syscalls per request with strace -c -f during one "
                        "run of every workload at F of its requests (0: skip it)")
    p.add_argument("--only", help="comma-separated substrings: run only the workloads whose names contain one")
    p.add_argument("--idle-heap", type=int, default=0, metavar="N",
                   help="instead of the comparison: heap and RSS cost of N idle connections to each proxy")
    p.add_argument("--pool", nargs="+", metavar="JSON",
                   help="instead of a run: the summary and the targets over every round of these saved runs "
                        "(their .json files), taken together")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "target", "e2e"),
                   help="directory for the raw output (.txt) and every run's figures (.json)")
    p.add_argument("--keep", action="store_true", help="keep the work directory (logs, configurations)")
    a = p.parse_args()
    if a.pool:
        pool(a)
        return 0

    for tool in ("redis-server", "redis-benchmark", "memcached", "nutcracker", "java") + (("jcmd",) if a.idle_heap else ()):
        if not shutil.which(tool):
            sys.exit("e2e: %s is not on the PATH" % tool)
    if not (os.path.exists(NUTJAR_JAR) and os.path.exists(BENCH_JAR)):
        print("e2e: building cli/target/nutjar.jar and bench/target/benchmarks.jar", file=sys.stderr)
        subprocess.run(["mvn", "-q", "-B", "-DskipTests", "-pl", "cli,bench", "-am", "package"], cwd=ROOT, check=True)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by the proxies and backends
    needed = max(a.idle, a.idle_heap) + 1000
    if hard < needed:
        sys.exit("e2e: the open-files limit (ulimit -n: %d) is below the %d needed; raise it" % (hard, needed))

    os.makedirs(a.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(a.out, "e2e-%s%s" % ("idle-heap-" if a.idle_heap else "", stamp))
    out.open(base + ".txt")

    def on_signal(signum, frame):
        raise SystemExit("e2e: stopped by signal %d" % signum)
    # Also SIGINT: a shell starting us in the background would otherwise have it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    started = time.monotonic()
    out("command: python3 " + " ".join(shlex.quote(x) for x in sys.argv))
    out("settings: " + ", ".join("%s=%s" % kv for kv in sorted(vars(a).items())))
    for line in machine():
        out(line)
    h = Harness(a)
    status = 0
    try:
        h.start_all()
        out("backends: redis %s, memcached %s; nutjar pid %d, nutcracker pid %d" % (
            " ".join(str(p) for p, _ in h.redis), " ".join(str(p) for p, _ in h.mc), h.nutjar.pid, h.nutcracker.pid))
        if a.idle_heap:
            report = {"idle_heap": idle_heap(h, a)}
        else:
            report = comparison(h, a)
        with open(base + ".json", "w") as f:
            json.dump(report, f, indent=1, default=str)
    except CheckFailed as e:
        out("e2e: FAILED: %s" % e)
        status = 1
    finally:
        out("load average at end: %s; took %.0f s" % (" ".join(open("/proc/loadavg").read().split()[:3]),
                                                       time.monotonic() - started))
        h.cleanup()
        out("raw output: %s.txt (and .json)" % base)
    return status


if __name__ == "__main__":
    sys.exit(main())
