#!/usr/bin/env bash
# Nutjar against nutcracker with redis-benchmark, both in front of the same two
# redis-servers, interleaved in one run (A B, B A, ...). Prints requests/s per
# round and the Nutjar/nutcracker ratio of the medians.
#
#   bench/redis-vs-nutcracker.sh [rounds] [requests]
#
# Needs redis-server, redis-benchmark and nutcracker (apt-get install -y
# redis-server redis-tools nutcracker). Everything runs on 127.0.0.1 and is
# stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
requests=${2:-200000}
clients=50
keyspace=100000

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d /tmp/nutjar-bench-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

r1=$(free_port); r2=$(free_port)
for p in $r1 $r2; do
  redis-server --port "$p" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >"$work/redis-$p.log" 2>&1 &
  pids+=($!)
done
nj=$(free_port); nc=$(free_port); njs=$(free_port); ncs=$(free_port)
pool() {
  cat <<YAML
bench:
  listen: 127.0.0.1:$1
  redis: true
  hash: fnv1a_64
  distribution: ketama
  timeout: 5000
  servers:
   - 127.0.0.1:$r1:1
   - 127.0.0.1:$r2:1
YAML
}
pool "$nj" >"$work/nutjar.yml"
pool "$nc" >"$work/nutcracker.yml"
[ -f server/target/nutjar.jar ] || mvn -q -B -DskipTests -pl server -am package
bin/nutjar -c "$work/nutjar.yml" -s "$njs" -a 127.0.0.1 -o "$work/nutjar.log" &
pids+=($!)
nutcracker -c "$work/nutcracker.yml" -s "$ncs" -a 127.0.0.1 -o "$work/nutcracker.log" &
pids+=($!)
for port in $r1 $r2 $nj $nc; do
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
# Both proxies must return correct data before anything is measured.
redis-cli -p "$nj" set bench:check nutjar >/dev/null
[ "$(redis-cli -p "$nc" get bench:check)" = "nutjar" ] || { echo "nutcracker did not read what Nutjar wrote" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1)"
echo "redis-benchmark -c $clients -n $requests -r $keyspace, $rounds rounds, interleaved"
run() { # port pipeline test -> rps
  redis-benchmark -h 127.0.0.1 -p "$1" -c "$clients" -n "$requests" -r "$keyspace" -P "$2" -t "$3" --csv 2>/dev/null \
    | awk -F'"' 'NR==2 {print $4}'
}
# Warm both up (the JIT compiles Nutjar's hot path in the first seconds) before measuring.
for port in $nj $nc; do
  for t in set get; do
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$requests" -r "$keyspace" -t "$t" -q >/dev/null 2>&1
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$clients" -n "$requests" -r "$keyspace" -P 16 -t "$t" -q >/dev/null 2>&1
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '%-14s %-6s %12s %12s\n' workload round nutjar nutcracker
for workload in "set 1" "get 1" "set 16" "get 16"; do
  set -- $workload
  test=$1; pipeline=$2
  : >"$work/a"; : >"$work/b"
  for round in $(seq "$rounds"); do
    if (( round % 2 )); then a=$(run "$nj" "$pipeline" "$test"); b=$(run "$nc" "$pipeline" "$test");
    else b=$(run "$nc" "$pipeline" "$test"); a=$(run "$nj" "$pipeline" "$test"); fi
    echo "$a" >>"$work/a"; echo "$b" >>"$work/b"
    printf '%-14s %-6s %12s %12s\n' "$test -P $pipeline" "$round" "$a" "$b"
  done
  ma=$(median <"$work/a"); mb=$(median <"$work/b")
  printf '%-14s %-6s %12s %12s   ratio %.2f\n' "$test -P $pipeline" median "$ma" "$mb" "$(awk -v a="$ma" -v b="$mb" 'BEGIN {print a / b}')"
done
