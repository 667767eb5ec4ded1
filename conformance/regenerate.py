#!/usr/bin/env python3
"""Regenerates the twemproxy conformance vectors black-box, from the nutcracker binary.

Each file's header (the leading '#' lines) and key column are the input; the script runs the
real nutcracker in front of real redis-server/memcached processes and writes the other columns
from what it observes:

* placement/<pool_id>.tsv: the pool of the header's nutcracker_config is started as written
  (only its listen address is replaced), every key is SET through it, and each backend is then
  read directly to see which one holds the key.
* hash_vectors.tsv: a modula pool sends a key to slot `hash % total_weight`, and its slots go to
  the servers in name order, `weight` consecutive slots each. A pool of b servers of weight b**k
  therefore reveals digit k of the hash in base b. Pools in bases 25 and 24 (coprime) give the
  hash modulo 25**4 and modulo 24**3, and the Chinese remainder theorem gives the 32-bit hash,
  since 25**4 * 24**3 > 2**32. nutcracker never hashes the empty key (it uses 0), so that one row
  holds the functions' values for zero bytes, worked out from their published definitions.

Python 3 standard library only; it speaks RESP and the memcached text protocol itself.

    conformance/regenerate.py              # rewrite every file in place
    conformance/regenerate.py --check      # regenerate into a temp dir, compare byte for byte
    conformance/regenerate.py --check --pools defaults_3s,unix_ketama_fnv1a_64 --no-hash

The placement files name their backends (127.0.0.1:280xx, localhost:280xx,
/tmp/vectors/run/uN.sock) and those names decide the ring, so those addresses must be free.
Everything else uses free loopback ports (the hash pools' servers, nutcracker's stats) or unix
sockets in a temp dir (every proxy listener).
"""

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
HASH_FUNCTIONS = ["one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64",
                  "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins"]
# (base, digits): servers of weight base**k for k < digits reveal the hash modulo base**digits.
HASH_BASES = [(25, 4), (24, 3)]
BATCH = 200


# ---------------------------------------------------------------- files

def read_vectors(path):
    """Returns (header lines, column line, rows as lists of fields) of a vectors file."""
    header, columns, rows = [], None, []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if columns is None:
            if line.startswith("#"):
                header.append(line)
            else:
                columns = line
        elif line:
            rows.append(line.split("\t"))
    if columns is None:
        raise SystemExit(f"{path}: no column line")
    return header, columns, rows


def write_vectors(path, header, columns, rows):
    lines = header + [columns] + ["\t".join(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def nutcracker_config(header):
    """The header's nutcracker_config block: one pool, as nutcracker loaded it."""
    lines, inside = [], False
    for line in header:
        text = line[2:]
        if text.startswith("nutcracker_config: |"):
            inside = True
        elif inside and text.startswith("  "):
            lines.append(text[2:])
        elif inside:
            break
    if not lines:
        raise ValueError("no nutcracker_config in the header")
    return lines


def server_entries(config_lines):
    """The pool's servers in config order: (entry, id, backend) with backend ('tcp', port) or ('unix', path)."""
    servers, inside = [], False
    for line in config_lines:
        stripped = line.strip()
        if stripped == "servers:":
            inside = True
        elif inside and stripped.startswith("- "):
            entry = stripped[2:].strip()
            address, _, name = entry.partition(" ")
            location = address.rsplit(":", 1)[0]  # drop the weight
            if location.startswith("/"):
                backend, ident = ("unix", location), location
            else:
                host, port = location.rsplit(":", 1)
                backend, ident = ("tcp", int(port)), location
            servers.append((entry, name or ident, backend))
        elif inside:
            break
    return servers


def with_listen(config_lines, listen):
    return [line[:line.index("listen:")] + "listen: " + listen if line.strip().startswith("listen:") else line
            for line in config_lines]


# ---------------------------------------------------------------- wire

class Connection:
    def __init__(self, address):
        family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(address)
        self.reader = self.sock.makefile("rb")

    def close(self):
        self.reader.close()
        self.sock.close()

    def line(self):
        line = self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise IOError("connection closed")
        return line[:-2]

    # RESP
    def resp(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise IOError("error reply: " + rest.decode("latin-1"))
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.reader.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.resp() for _ in range(n)]
        raise IOError(f"bad reply {line!r}")

    def redis(self, commands):
        """Sends the commands pipelined, a batch at a time; returns their replies."""
        replies = []
        for start in range(0, len(commands), BATCH):
            batch = commands[start:start + BATCH]
            out = bytearray()
            for args in batch:
                out += b"*%d\r\n" % len(args)
                for arg in args:
                    out += b"$%d\r\n%s\r\n" % (len(arg), arg)
            self.sock.sendall(out)
            replies += [self.resp() for _ in batch]
        return replies

    def memcache_set(self, keys):
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            self.sock.sendall(b"".join(b"set %s 0 0 1\r\nv\r\n" % key for key in batch))
            for key in batch:
                if self.line() != b"STORED":
                    raise IOError(f"set {key.hex()} not stored")

    def memcache_held(self, keys):
        held = set()
        for start in range(0, len(keys), BATCH):
            batch = keys[start:start + BATCH]
            self.sock.sendall(b"".join(b"get %s\r\n" % key for key in batch))
            for key in batch:
                line = self.line()
                if line.startswith(b"VALUE "):
                    self.reader.read(int(line.split()[3]) + 2)
                    held.add(key)
                    line = self.line()
                if line != b"END":
                    raise IOError(f"get {key.hex()}: {line!r}")
        return held


def redis_keys(address, db):
    conn = Connection(address)
    try:
        conn.redis([[b"SELECT", b"%d" % db]])
        keys, cursor = set(), b"0"
        while True:
            cursor, batch = conn.redis([[b"SCAN", cursor, b"COUNT", b"1000"]])[0]
            keys.update(batch)
            if cursor == b"0":
                return keys
    finally:
        conn.close()


# ---------------------------------------------------------------- processes

class Processes:
    """Starts servers and proxies and stops every one of them on exit."""

    def __init__(self, workdir, nutcracker):
        self.workdir = workdir
        self.nutcracker_binary = nutcracker
        self.children = []
        self.count = 0
        self.made_dirs = []

    def make_dirs(self, path):
        """Creates path and its missing parents; stop_all removes them again if left empty."""
        missing = [p for p in [path, *path.parents] if not p.exists()]
        path.mkdir(parents=True, exist_ok=True)
        self.made_dirs += missing

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop_all()

    def _start(self, argv, address, name):
        """Starts a child, its output to <name>.log in the work dir, and waits until it accepts."""
        log = open(self.workdir / f"{name}.log", "wb")
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 cwd=self.workdir)
        log.close()
        self.children.append(child)
        if not accepting(address, child):
            output = (self.workdir / f"{name}.log").read_text(errors="replace")
            raise SystemExit(f"{name} did not start ({' '.join(map(str, argv))}):\n{output}")
        return child

    def redis(self, backend, databases=16):
        kind, where = backend
        argv = ["redis-server", "--save", "", "--appendonly", "no", "--databases", str(databases),
                "--dir", str(self.workdir), "--loglevel", "warning"]
        if kind == "tcp":
            argv += ["--port", str(where), "--bind", "127.0.0.1", "-::1"]
            address = ("127.0.0.1", where)
        else:
            argv += ["--port", "0", "--unixsocket", where, "--unixsocketperm", "700"]
            address = where
        self.count += 1
        return self._start(argv, address, f"redis-{self.count}")

    def memcached(self, port):
        argv = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "64"]
        if os.geteuid() == 0:
            argv += ["-u", "root"]  # memcached refuses root unless told
        return self._start(argv, ("127.0.0.1", port), f"memcached-{port}")

    def nutcracker(self, config_lines, listens):
        self.count += 1
        conf = self.workdir / f"nutcracker-{self.count}.yml"
        conf.write_text("\n".join(config_lines) + "\n")
        # Its log goes to stderr, which _start captures and shows if it does not start.
        argv = [self.nutcracker_binary, "-c", str(conf), "-s", str(free_ports(1)[0]), "-a", "127.0.0.1"]
        child = self._start(argv, listens[0], f"nutcracker-{self.count}")
        for listen in listens[1:]:
            if not accepting(listen, child):
                raise SystemExit(f"nutcracker does not listen on {listen}")
        return child

    def stop(self, child):
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.children.remove(child)

    def stop_all(self):
        for child in list(self.children):
            self.stop(child)
        for path in self.made_dirs:  # deepest first
            try:
                path.rmdir()
            except OSError:
                pass


def accepting(address, child, seconds=10):
    """Waits until address accepts a connection; False if the child exits or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            Connection(address).close()
            return True
        except OSError:
            if child.poll() is not None or time.monotonic() > deadline:
                return False
            time.sleep(0.02)


def free_ports(count):
    """Ports free now: all bound at once, so they differ, then released for the servers."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket()
            held.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def require_free(backend):
    kind, where = backend
    if kind == "unix":
        if os.path.exists(where):
            raise SystemExit(f"{where} exists: another run of this script, or something else, uses it")
        return
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", where))
        except OSError:
            raise SystemExit(f"port {where} is in use; the placement files name their backends' "
                             "addresses (the names decide the ring), so it must be free")


# ---------------------------------------------------------------- placement

def regenerate_placement(source, target, procs):
    header, columns, rows = read_vectors(source)
    config = nutcracker_config(header)
    servers = server_entries(config)
    protocol = "memcache" if any(line.strip() == "redis: false" for line in config) else "redis"
    keys = [bytes.fromhex(row[0]) for row in rows]
    backends = sorted({backend for _, _, backend in servers})
    if len(backends) != len(servers):
        raise SystemExit(f"{source.name}: two servers share a backend; placement could not be told apart")

    started = []
    try:
        for backend in backends:
            require_free(backend)
            if backend[0] == "unix":
                procs.make_dirs(Path(backend[1]).parent)
            started.append(procs.memcached(backend[1]) if protocol == "memcache" else procs.redis(backend))
        listen = str(procs.workdir / f"proxy-{source.stem}.sock")
        proxy = procs.nutcracker(with_listen(config, listen), [listen])
        started.append(proxy)
        conn = Connection(listen)
        try:
            if protocol == "memcache":
                conn.memcache_set(keys)
            else:
                for reply in conn.redis([[b"SET", key, b"v"] for key in keys]):
                    if reply != b"OK":
                        raise IOError(f"SET: {reply!r}")
        finally:
            conn.close()

        holders = {}
        for backend in backends:
            if protocol == "memcache":
                direct = Connection(("127.0.0.1", backend[1]))
                try:
                    held = direct.memcache_held(keys)
                finally:
                    direct.close()
            else:
                held = redis_keys(("127.0.0.1", backend[1]) if backend[0] == "tcp" else backend[1], 0)
            for key in held:
                if key in holders:
                    raise SystemExit(f"{source.name}: key {key.hex()} is on two backends")
                holders[key] = backend
    finally:
        for child in reversed(started):
            procs.stop(child)

    index_of = {backend: i for i, (_, _, backend) in enumerate(servers)}
    out = []
    for key, row in zip(keys, rows):
        if key not in holders:
            raise SystemExit(f"{source.name}: key {key.hex()} is on no backend")
        i = index_of[holders[key]]
        out.append([row[0], str(i), servers[i][1]])
    write_vectors(target, header, columns, out)


# ---------------------------------------------------------------- hash vectors

def empty_key_values():
    """What each function returns for zero bytes, from its definition: the initial state, or
    for md5 digest bytes 0..3 of md5("") as little-endian (nutcracker never hashes "")."""
    md5 = int.from_bytes(hashlib.md5(b"").digest()[:4], "little")
    fnv64_basis_low32 = 0xcbf29ce484222325 & 0xffffffff
    fnv32_basis = 0x811c9dc5
    jenkins = (0xdeadbeef + 0 + 13) & 0xffffffff  # lookup3: a = b = c = 0xdeadbeef + len + initval
    return {"one_at_a_time": 0, "md5": md5, "crc16": 0, "crc32": 0, "crc32a": 0,
            "fnv1_64": fnv64_basis_low32, "fnv1a_64": fnv64_basis_low32, "fnv1_32": fnv32_basis,
            "fnv1a_32": fnv32_basis, "hsieh": 0, "murmur": 0, "jenkins": jenkins}


def hash_pools():
    """(base, digit) of every pool one function needs."""
    return [(base, k) for base, digits in HASH_BASES for k in range(digits)]


def regenerate_hash_vectors(source, target, procs):
    header, columns, rows = read_vectors(source)
    names = columns.split("\t")
    if names != ["key_hex", "len"] + HASH_FUNCTIONS:
        raise SystemExit(f"{source.name}: unexpected columns {names}")
    keys = [bytes.fromhex(row[0]) for row in rows]
    observed = [key for key in keys if key]
    pools = hash_pools()
    servers = max(base for base, _ in HASH_BASES)
    databases = len(HASH_FUNCTIONS) * len(pools)
    # TCP, not unix sockets: nutcracker 0.5.0 sends redis_db's SELECT only after a connect that
    # completed later, never after one that completed at once, as a unix socket's does.
    ports = free_ports(servers)
    started = [procs.redis(("tcp", port), databases) for port in ports]
    try:
        for f, function in enumerate(HASH_FUNCTIONS):
            config, listens = [], []
            for p, (base, k) in enumerate(pools):
                listen = str(procs.workdir / f"{function}-b{base}-d{k}.sock")
                listens.append(listen)
                # Names of one length sort like their numbers: server i holds slots i*w .. i*w+w-1.
                config += [f"{function}_b{base}_d{k}:", f"  listen: {listen}", f"  hash: {function}",
                           "  distribution: modula", "  redis: true", f"  redis_db: {f * len(pools) + p}",
                           "  auto_eject_hosts: false", "  timeout: 5000", "  servers:"]
                config += [f"   - 127.0.0.1:{ports[i]}:{base ** k} s{i:02d}" for i in range(base)]
            proxy = procs.nutcracker(config, listens)
            try:
                for listen in listens:
                    conn = Connection(listen)
                    try:
                        if any(reply != b"OK" for reply in conn.redis([[b"SET", key, b"v"] for key in observed])):
                            raise SystemExit(f"{function}: a SET through {listen} failed")
                    finally:
                        conn.close()
            finally:
                procs.stop(proxy)

        # digits[(function index, pool index)][key] = the server that holds the key
        digits = {}
        for server, port in enumerate(ports):
            for db in range(databases):
                for key in redis_keys(("127.0.0.1", port), db):
                    where = digits.setdefault(divmod(db, len(pools)), {})
                    if key in where:
                        raise SystemExit(f"key {key.hex()} on two servers of one pool")
                    where[key] = server
    finally:
        for child in started:
            procs.stop(child)

    empty = empty_key_values()
    out = []
    for key, row in zip(keys, rows):
        values = []
        for f, function in enumerate(HASH_FUNCTIONS):
            if not key:
                values.append(str(empty[function]))
                continue
            residues, moduli = [], []
            for base, digits_in_base in HASH_BASES:
                residue = 0
                for k in range(digits_in_base):
                    p = pools.index((base, k))
                    server = digits.get((f, p), {}).get(key)
                    if server is None:
                        raise SystemExit(f"{function}: key {key.hex()} is on no server of pool b{base}_d{k}")
                    residue += server * base ** k
                residues.append(residue)
                moduli.append(base ** digits_in_base)
            values.append(str(chinese_remainder(residues, moduli)))
        out.append([row[0], str(len(key))] + values)
    write_vectors(target, header, columns, out)


def chinese_remainder(residues, moduli):
    value, modulus = 0, 1
    for residue, m in zip(residues, moduli):
        step = ((residue - value) * pow(modulus, -1, m)) % m
        value, modulus = value + modulus * step, modulus * m
    if modulus <= 0xffffffff:
        raise AssertionError("the moduli do not cover 32 bits")
    if value > 0xffffffff:
        raise SystemExit(f"recovered {value}, above 32 bits: the pools disagree")
    return value


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate into a temp dir and compare with the committed files; exit 1 on a difference")
    parser.add_argument("--pools", help="comma-separated placement pool ids (default: every placement file)")
    parser.add_argument("--no-hash", action="store_true", help="skip hash_vectors.tsv")
    parser.add_argument("--no-placement", action="store_true", help="skip the placement files")
    parser.add_argument("--nutcracker", default=shutil.which("nutcracker") or "/usr/sbin/nutcracker")
    args = parser.parse_args()

    for binary in (args.nutcracker, "redis-server", "memcached"):
        if not shutil.which(binary):
            raise SystemExit(f"{binary} not found (Debian: apt-get install nutcracker redis-server memcached)")

    placement = sorted((HERE / "placement").glob("*.tsv"))
    if args.pools:
        wanted = args.pools.split(",")
        placement = [p for p in placement if p.stem in wanted]
        if len(placement) != len(wanted):
            raise SystemExit(f"unknown pool among {wanted}")
    if args.no_placement:
        placement = []
    jobs = ([] if args.no_hash else [HERE / "hash_vectors.tsv"]) + placement

    with tempfile.TemporaryDirectory(prefix="nutjar-conformance-") as tmp:
        workdir = Path(tmp)
        out_dir = workdir / "out" if args.check else HERE
        (out_dir / "placement").mkdir(parents=True, exist_ok=True)
        different = []
        with Processes(workdir, args.nutcracker) as procs:
            for source in jobs:
                target = out_dir / source.relative_to(HERE)
                started = time.monotonic()
                if source.name == "hash_vectors.tsv":
                    regenerate_hash_vectors(source, target, procs)
                else:
                    regenerate_placement(source, target, procs)
                same = target.read_bytes() == source.read_bytes() if args.check else None
                if same is False:
                    different.append(source.relative_to(HERE))
                verdict = {None: "written", True: "identical", False: "DIFFERENT"}[same]
                print(f"{source.relative_to(HERE)}: {verdict} ({time.monotonic() - started:.1f} s)", flush=True)
        if args.check:
            print(f"{len(jobs) - len(different)} of {len(jobs)} files identical byte for byte")
            if different:
                shutil.copytree(out_dir, HERE.parent / "target" / "conformance-check", dirs_exist_ok=True)
                print("the regenerated files are in target/conformance-check/")
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
