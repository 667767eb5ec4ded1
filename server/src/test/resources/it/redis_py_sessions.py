"""redis-py through a Nutjar Redis pool: a transaction, a WATCH retry loop, and pub/sub.

Run with Debian's python3-redis: /usr/bin/python3 redis_py_sessions.py PORT. Prints one line per
check, "ok <name>", and exits non-zero at the first that fails.
"""
import sys
import threading

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)


def check(name, got, expected):
    if got != expected:
        print("FAIL %s: got %r, expected %r" % (name, got, expected))
        sys.exit(1)
    print("ok " + name)


r.delete("{py}counter", "{py}list")
with r.pipeline(transaction=True) as pipe:
    pipe.set("{py}counter", 1).incr("{py}counter").rpush("{py}list", "a", "b").lrange("{py}list", 0, -1)
    check("transaction", pipe.execute(), [True, 2, 2, [b"a", b"b"]])

# A pipeline without a transaction, then a transaction, on one connection: replies in order.
with r.pipeline(transaction=False) as pipe:
    pipe.set("plain-1", "x").get("plain-1").incr("{py}counter")
    check("pipeline", pipe.execute(), [True, b"x", 3])


def add_one(pipe):
    value = int(pipe.get("{py}counter"))
    pipe.multi()
    pipe.set("{py}counter", value + 1)


check("watch", r.transaction(add_one, "{py}counter"), [True])
check("watched value", r.get("{py}counter"), b"4")

# Keys on two servers in one transaction: refused, nothing applied.
r.delete("cross-a", "cross-b")
try:
    with r.pipeline(transaction=True) as pipe:
        pipe.set(sys.argv[2], "1").set(sys.argv[3], "2")
        pipe.execute()
    check("cross-server transaction refused", "executed", "an error")
except redis.exceptions.ResponseError as e:
    check("cross-server transaction refused", "transaction" in str(e), True)
check("nothing applied", (r.get(sys.argv[2]), r.get(sys.argv[3])), (None, None))

pubsub = r.pubsub()
pubsub.subscribe("py-news", "py-sport")
pubsub.psubscribe("py-*")
confirmations = [pubsub.get_message(timeout=5) for _ in range(3)]
check("subscribe counts", [(m["type"], m["data"]) for m in confirmations],
      [("subscribe", 1), ("subscribe", 2), ("psubscribe", 3)])


def publish():
    publisher = redis.Redis(host="127.0.0.1", port=port)
    for i in range(20):
        publisher.publish("py-news", "n%d" % i)
    publisher.close()


threading.Thread(target=publish).start()
messages = []
while len(messages) < 40:
    message = pubsub.get_message(timeout=5)
    if message is None:
        break
    messages.append((message["type"], message["data"]))
news = [data for kind, data in messages if kind == "message"]
check("messages in order", news, [b"n%d" % i for i in range(20)])
check("pattern messages", len([1 for kind, _ in messages if kind == "pmessage"]), 20)
pubsub.unsubscribe()
pubsub.punsubscribe()
pubsub.close()
r.close()
print("done")
