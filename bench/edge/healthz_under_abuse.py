#!/usr/bin/env python3
"""Load check of issue 10: /healthz p99 while the abuse cases run.

Bounded loops, no assertion: prints the figures. Usage:
    bench/edge/healthz_under_abuse.py [PORT] [ROUNDS]
against a running `coopgate serve` (release build, production profile for
the real figure). Abuse run in threads meanwhile: hostile documents (40k
variable definitions, 20k unused fragments, 50k arguments), slow-header
sockets (a header line every 2 s), 40 aliased `statistics`, and a flood of
idle connections.
"""
import json, socket, statistics, sys, threading, time, urllib.request

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
URL = f"http://127.0.0.1:{PORT}"
stop = threading.Event()

def post(doc):
    req = urllib.request.Request(URL + "/graphql", data=json.dumps({"query": doc}).encode(),
                                 headers={"content-type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10).read()
    except Exception:
        pass

DOCS = [
    "query Q(%s) { __typename }" % ", ".join(f"$v{i}: Int" for i in range(40_000)),
    "{ __typename } " + " ".join(f"fragment f{i} on Query {{ __typename }}" for i in range(20_000)),
    "{ __typename(%s) }" % ", ".join(f"a{i}: 1" for i in range(50_000)),
    "{ %s }" % " ".join(f"s{i}: statistics {{ cooperatives }}" for i in range(40)),
]
counts = {"documents": 0, "slow sockets": 0, "idle sockets": 0}

def documents():
    while not stop.is_set():
        for d in DOCS:
            post(d); counts["documents"] += 1

def slow_headers():
    socks = []
    while not stop.is_set() and len(socks) < 300:
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
            s.sendall(b"GET /healthz HTTP/1.1\r\n"); socks.append(s); counts["slow sockets"] += 1
        except OSError:
            time.sleep(0.05)
        for s in list(socks):
            try:
                s.sendall(b"x-slow: 1\r\n")
            except OSError:
                socks.remove(s)
        time.sleep(0.02)
    for s in socks:
        s.close()

def idle():
    socks = []
    for _ in range(500):
        if stop.is_set():
            break
        try:
            socks.append(socket.create_connection(("127.0.0.1", PORT), timeout=2)); counts["idle sockets"] += 1
        except OSError:
            time.sleep(0.05)
    stop.wait()
    for s in socks:
        s.close()

threads = [threading.Thread(target=f, daemon=True) for f in (documents, documents, slow_headers, idle)]
for t in threads:
    t.start()
time.sleep(1)
lat, failed = [], 0
for _ in range(ROUNDS):
    t = time.perf_counter()
    try:
        urllib.request.urlopen(URL + "/healthz", timeout=5).read()
        lat.append((time.perf_counter() - t) * 1000)
    except Exception:
        failed += 1
    time.sleep(0.05)
stop.set()
lat.sort()
if lat:
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    print(f"/healthz: {len(lat)} answered, {failed} failed; p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1]:.1f} ms")
print("abuse sent:", counts)
