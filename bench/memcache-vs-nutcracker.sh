#!/usr/bin/env bash
# Nutjar against nutcracker with memcslap (libmemcached-tools), both in front of
# the same two memcached, interleaved in one run (A B, B A, ...). Prints ops/s
# per round and the Nutjar/nutcracker ratio of the medians.
#
#   bench/memcache-vs-nutcracker.sh [rounds] [ops-per-thread]
#
# memcslap's --execute-number is per thread: with 50 threads and the default
# 4000, each run is 200,000 operations. Needs memcached, memcslap and
# nutcracker (apt-get install -y memcached libmemcached-tools nutcracker).
# Everything runs on 127.0.0.1 and is stopped at exit; each memcslap run is
# cut off after 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
per_thread=${2:-4000}
threads=50

for tool in memcached memcslap nutcracker python3; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (apt-get install -y memcached libmemcached-tools nutcracker)" >&2; exit 1; }
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/nutjar-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

m1=$(free_port); m2=$(free_port)
user=()
[ "$(id -u)" = 0 ] && user=(-u root) # memcached refuses to run as root unless told to
for p in $m1 $m2; do
  memcached -p "$p" -U 0 -l 127.0.0.1 -m 256 "${user[@]}" >"$work/memcached-$p.log" 2>&1 &
  pids+=($!)
done
nj=$(free_port); nc=$(free_port); njs=$(free_port); ncs=$(free_port)
pool() {
  cat <<YAML
bench:
  listen: 127.0.0.1:$1
  hash: fnv1a_64
  distribution: ketama
  timeout: 5000
  servers:
   - 127.0.0.1:$m1:1
   - 127.0.0.1:$m2:1
YAML
}
pool "$nj" >"$work/nutjar.yml"
pool "$nc" >"$work/nutcracker.yml"
[ -f cli/target/nutjar.jar ] || mvn -q -B -DskipTests -pl cli -am package
bin/nutjar -c "$work/nutjar.yml" -s "$njs" -a 127.0.0.1 -o "$work/nutjar.log" &
pids+=($!)
nutcracker -c "$work/nutcracker.yml" -s "$ncs" -a 127.0.0.1 -o "$work/nutcracker.log" &
pids+=($!)

# One request, one reply line (python: no nc needed).
ask() { # port request -> first reply line
  python3 - "$1" "$2" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
    print(s.makefile("rb").readline().decode().strip())
except OSError:
    print("")
PY
}
for port in $m1 $m2 $nj $nc; do
  for _ in $(seq 100); do [[ "$(ask "$port" 'version\r\n')" == VERSION* ]] && break; sleep 0.1; done
done
# Both proxies must return correct data before anything is measured.
[ "$(ask "$nj" 'set bench:check 0 0 6\r\nnutjar\r\n')" = STORED ] || { echo "Nutjar did not store" >&2; exit 1; }
[ "$(ask "$nc" 'get bench:check\r\n')" = "VALUE bench:check 0 6" ] || { echo "nutcracker did not read what Nutjar wrote" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(memcached -V), $(nutcracker -V 2>&1 | head -1), $(memcslap --version 2>&1 | head -1)"
echo "memcslap --concurrency=$threads --execute-number=$per_thread --test=set|get, $rounds rounds, interleaved"
run() { # port test -> ops/s
  local out
  out=$(timeout 120 memcslap --servers="127.0.0.1:$1" --concurrency="$threads" --execute-number="$per_thread" --test="$2" 2>&1) \
    || { echo "memcslap failed against port $1: $out" >&2; exit 1; }
  echo "$out" >>"$work/memcslap.log"
  # "Time to get 200000 keys by 50 threads: 4.012 seconds."
  echo "$out" | awk -v t="$2" '$1 == "Time" && $3 == t && $6 == "by" {keys = $4; secs = $(NF-1)} END {if (secs > 0) printf "%.0f\n", keys / secs}'
}
# Warm both up (the JIT compiles Nutjar's hot path in the first seconds) before measuring.
for port in $nj $nc; do
  for t in set get; do
    timeout 120 memcslap --servers="127.0.0.1:$port" --concurrency="$threads" --execute-number=$((per_thread / 4 + 1)) --test="$t" >/dev/null 2>&1
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-8s %-6s %12s %12s\n' test round nutjar nutcracker
for test in set get; do
  : >"$work/a"; : >"$work/b"
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then a=$(run "$nj" "$test"); b=$(run "$nc" "$test");
    else b=$(run "$nc" "$test"); a=$(run "$nj" "$test"); fi
    [ -n "$a" ] && [ -n "$b" ] || { echo "no figure from memcslap; its output:" >&2; tail -20 "$work/memcslap.log" >&2; exit 1; }
    echo "$a" >>"$work/a"; echo "$b" >>"$work/b"
    printf '%-8s %-6s %12s %12s\n' "$test" "$round" "$a" "$b"
  done
  ma=$(median <"$work/a"); mb=$(median <"$work/b")
  printf '%-8s %-6s %12s %12s   ratio %.2f\n' "$test" median "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print a / b}')"
done
# Neither proxy may have answered with an error meanwhile.
for p in $nj $nc; do
  [ "$(ask "$p" 'get bench:check\r\n')" = "VALUE bench:check 0 6" ] || { echo "port $p lost bench:check" >&2; exit 1; }
done
