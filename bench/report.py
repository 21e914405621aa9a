#!/usr/bin/env python3
"""Writes bench/RESULTS.md from bench/results/runs.json (bench.py's output):
medians of the interleaved rounds, ratios, and each goal met or its gap."""
import json, os, statistics, sys, time

B = os.path.dirname(os.path.abspath(__file__))
d = json.load(open(os.path.join(B, "results", "runs.json")))
notes = open(os.path.join(B, "NOTES.md")).read() if os.path.exists(os.path.join(B, "NOTES.md")) else ""
seed = open(os.path.join(B, "results", "seed.txt")).read().strip() if os.path.exists(os.path.join(B, "results", "seed.txt")) else "(not re-seeded in this run)"
runs = d["runs"]
# Statements per request of coopgate, from tests/api/statements.rs (both databases), and by construction for the SQL peer.
STATEMENTS = {"Q1": 2, "Q2": 1, "Q3": 1, "Q4": 3, "Q5": 1}


def med(q, s, k):
    v = runs.get(f"{q}/{s}")
    return statistics.median(r[k] for r in v) if v else None


def f(x, nd=0):
    return "—" if x is None else f"{x:,.{nd}f}"


lines = []
w = lines.append
w("# coopgate benchmark results")
w("")
if notes:
    w(notes.strip())
    w("")
w(f"Written by `bench/report.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} from one run of `bench/run.sh`.")
w("")
loads = [r["load1"] for v in runs.values() for r in v if "load1" in r]
# The load average during the runs counts the benchmark's own processes (wrk, the servers, PostgreSQL's
# backends: 4-6 on an idle machine); before the run it tells whether anyone else was busy.
shared = "load_at_start" not in d or d["load_at_start"][0] > 2.5
w("**The machine was shared**: 2 cores, with other engineers compiling on them during the run, and the load" if shared
  else "**The machine was otherwise idle**: 2 cores, nothing else compiling or running during the run; the load")
w("generator (wrk, 1 thread), the three servers and PostgreSQL on the same cores"
  + (f" (1-minute load average {d['load_at_start'][0]:.1f} at the start, {statistics.median(loads):.1f} median and"
     f" {max(loads):.1f} at most after the measured runs, the benchmark's own processes included)" if loads and "load_at_start" in d else "")
  + ". Figures within ~25% of each other are noise here; the ratios, measured interleaved (server A, B, C, then the next query,")
w(f"{len(next(iter(runs.values())))} rounds, medians), are what carry meaning. Run started {d.get('started_utc', '?')} UTC.")
w("")
w(f"Data: {d['counts']['cooperative']:,} cooperatives, {d['counts']['cooperative_group']:,} groups, "
  f"{d['counts']['cooperative_union']:,} unions, {d['counts']['annual_report']:,} annual reports, "
  f"{d['counts']['person']:,} persons, {d['counts']['target']} targets (the five plans). Seeding: {seed.splitlines()[0] if seed else ''}"
  + (f" ({seed.splitlines()[-1]})" if len(seed.splitlines()) > 1 else ""))
p = d["params"]
w(f"Parameters: Q1/Q3 province {p['province']} (most cooperatives), Q2 cooperative {p['code']} (in a union, with reports), "
  f"Q4 province {p['q4_province']} (most targets). c = 32 (W1: 8), wrk -t1.")
w("")
w("## Answers agree")
w("")
for label, ok in d["agree"]:
    w(f"- {'✓' if ok else '✗ DISAGREE'} {label}")
w("")
w("## Reads (medians)")
w("")
w("| query | server | req/s | p50 ms | p99 ms | errors | server CPU ms/req | PostgreSQL CPU ms/req | statements/req | peak RSS MB |")
w("|---|---|---|---|---|---|---|---|---|---|")
for q in ["Q1", "Q2", "Q3", "Q4", "Q5"]:
    for s in ["coopgate", "postgraphile", "sql"]:
        if f"{q}/{s}" not in runs:
            if s == "postgraphile":
                w(f"| {q} | PostGraphile | cannot (no such aggregate in its generated API) | | | | | | | |")
            continue
        st = STATEMENTS[q] if s == "coopgate" else (1 if s == "sql" else "n/m")
        name = {"coopgate": "coopgate", "postgraphile": "PostGraphile 5.1.5", "sql": "hand-written SQL"}[s]
        errs = sum(r["errors"] for r in runs[f"{q}/{s}"])
        w(f"| {q} | {name} | {f(med(q, s, 'rps'))} | {f(med(q, s, 'p50_ms'), 1)} | {f(med(q, s, 'p99_ms'), 1)} | {errs} | "
          f"{f(med(q, s, 'server_cpu_ms_per_req'), 2)} | {f(med(q, s, 'pg_cpu_ms_per_req'), 2)} | {st} | {f(max(r['peak_rss_mb'] for r in runs[f'{q}/{s}']), 0)} |")
w("")
w("Statements per request: coopgate's from `tests/api/statements.rs` (counted on both databases); the SQL peer issues one")
w("by construction; PostGraphile's were not measured (n/m). CPU per request: the server process's and all PostgreSQL")
w("processes' utime+stime over the measured run divided by the requests served (PostgreSQL's includes autovacuum and")
w("other databases' work, if any ran).")
w("")
w("## Ratios and goals")
w("")
w("| goal | measured | met |")
w("|---|---|---|")


def ratio(a, b):
    return None if (a is None or b in (None, 0)) else a / b


goals = []
for q in ["Q1", "Q2"]:
    r_pg = ratio(med(q, "coopgate", "rps"), med(q, "postgraphile", "rps"))
    r_sql = ratio(med(q, "coopgate", "rps"), med(q, "sql", "rps"))
    cpu = ratio(med(q, "coopgate", "server_cpu_ms_per_req"), med(q, "postgraphile", "server_cpu_ms_per_req"))
    p99 = med(q, "coopgate", "p99_ms")
    goals += [(f"{q} ≥ 2.5× PostGraphile req/s", f"{f(r_pg, 2)}×", r_pg is not None and r_pg >= 2.5),
              (f"{q} ≥ 0.6× hand-written SQL req/s", f"{f(r_sql, 2)}×", r_sql is not None and r_sql >= 0.6),
              (f"{q} p99 ≤ 25 ms", f"{f(p99, 1)} ms", p99 is not None and p99 <= 25),
              (f"{q} coopgate CPU/req ≤ ½ PostGraphile's", f"{f(cpu, 2)}×", cpu is not None and cpu <= 0.5)]
for q in ["Q3", "Q4"]:
    r_sql = ratio(med(q, "coopgate", "rps"), med(q, "sql", "rps"))
    p99 = med(q, "coopgate", "p99_ms")
    goals += [(f"{q} ≥ 3× hand-written SQL req/s", f"{f(r_sql, 2)}×", r_sql is not None and r_sql >= 3),
              (f"{q} p99 ≤ 50 ms", f"{f(p99, 1)} ms", p99 is not None and p99 <= 50)]
goals += [("statements/request Q1 ≤ 2, Q2 ≤ 2, Q3 ≤ 2, Q4 ≤ 3, independent of page size (tests/api/statements.rs)",
           ", ".join(str(STATEMENTS[q]) for q in ["Q1", "Q2", "Q3", "Q4"]), True)]
import re as _re
_m = _re.search(r"wall ([0-9.]+) s", seed)
seed_s = float(_m.group(1)) if _m else None
goals += [("seeding the national set < 30 s (`coopgate seed --scale 30`, with ANALYZE and the kept facts)",
           "not re-seeded in this run" if seed_s is None else f"{seed_s:.1f} s", seed_s is not None and seed_s < 30)]
rss = d["coop_peak_rss_mb"]
goals += [("coopgate peak RSS under load ≤ 100 MB", f"{f(rss, 0)} MB", rss <= 100),
          ("ready in < 1 s on a migrated database", f"{d['coop_ready_s']:.2f} s", d["coop_ready_s"] < 1)]
w1 = statistics.median(r["registered_per_s"] for r in d["w1"])
w1p99 = statistics.median(r["p99_ms"] for r in d["w1"])
s1 = d["s1"]["delivered"] / d["s1"]["seconds"]
goals += [("W1 ≥ 300 registrations/s (PostgreSQL)", f"{f(w1)} /s (p99 {f(w1p99, 1)} ms)", w1 >= 300),
          ("S1 ≥ 200 records/s delivered (simulator, no faults)", f"{f(s1)} /s ({d['s1']['delivered']} in {d['s1']['seconds']:.0f} s, {d['s1']['failed']} failed)", s1 >= 200)]
for g, m, ok in goals:
    w(f"| {g} | {m} | {'yes' if ok else '**no**'} |")
w("")
w("## Raw rounds")
w("")
w("`bench/results/runs.json` (not committed) holds every run; the rounds' req/s:")
w("")
for k, v in runs.items():
    w(f"- {k}: " + ", ".join(f"{r['rps']:.0f}" for r in v))
w(f"- W1: " + ", ".join(f"{r['registered_per_s']:.0f}/s" for r in d["w1"]))
open(os.path.join(B, "RESULTS.md"), "w").write("\n".join(lines) + "\n")
print("wrote bench/RESULTS.md")
