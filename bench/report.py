#!/usr/bin/env python3
"""Turns a bench/run.sh output directory (results.jsonl, machine.json) into
Markdown: the ratio table (exidx / peer), the absolute numbers, the goals of
the benchmark issue and whether they are met, and the ListExecutions model.

    bench/report.py DIR > DIR/RESULTS.md
"""
import json
import statistics
import sys
from collections import defaultdict

PEERS = ["sqlite", "postgres"]
NAMES = {"exidx": "exidx", "sqlite": "SQLite", "postgres": "PostgreSQL"}
SHAPES = ["none", "agent", "status", "agent+status"]
RANGES = ["recent", "deep"]
CALL_MS = 100  # Assumed latency of one ListExecutions call (not measured here).


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if abs(v) >= 1000 and digits == 0:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def rfmt(r):
    return "–" if r is None else f"{r:.2f}x"


def main():
    out = sys.argv[1]
    rows = load(f"{out}/results.jsonl")
    machine = json.load(open(f"{out}/machine.json"))
    p = print

    ingest = {}
    for r in rows:
        if r["figure"] == "ingest":
            ingest[(r["engine"], r["durability"], r["batch"])] = r
    # Concurrent clients (engine_bench's ingest-concurrent cells).
    concurrent = {}
    for r in rows:
        if r["figure"] == "ingest-concurrent":
            concurrent[(r["engine"], r["durability"], r["batch"])] = r
    clients = sorted({r["clients"] for r in concurrent.values()})
    clients_label = "/".join(str(c) for c in clients) or "N"
    queries = {}
    for r in rows:
        if r["figure"] == "query":
            queries[(r["engine"], r["size"], r["shape"], r["range"])] = r
    sizes = sorted({r["size"] for r in rows if r["figure"] == "query"})
    disk = {(r["engine"], r["size"]): r for r in rows if r["figure"] == "disk"}
    load_rows = {(r["engine"], r["size"]): r for r in rows if r["figure"] == "load"}
    rss = {r["engine"]: r for r in rows if r["figure"] == "rss"}
    baseline = {(r["size"], r["shape"], r["range"]): r for r in rows if r["figure"] == "baseline"}
    # Ratios at the largest size every engine reached; growth per engine from
    # its smallest size to its largest.
    reached = defaultdict(set)
    for r in rows:
        if r["figure"] == "query":
            reached[r["engine"]].add(r["size"])
    common = set(sizes)
    for e in NAMES:
        if reached[e]:
            common &= reached[e]
    small, large = (sizes[0], max(common)) if sizes else (None, None)
    top = {e: max(reached[e]) if reached[e] else None for e in NAMES}

    p(f"# exidx benchmark: RocksDB store vs SQLite and PostgreSQL\n")
    p(f"- command: `{machine['command']}` (from the repository root; writes its own copy of this file)")
    p(f"- date: {machine['date']}; tree: {machine['git']}")
    p(f"- machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory']} memory, "
      f"disk {machine['disk']}, kernel {machine['kernel']}")
    versions = {r["engine"]: r["version"] for r in rows if r["figure"] == "rss"}
    p(f"- versions: {versions.get('exidx', 'RocksDB ' + machine['rocksdb'])} (package {machine['rocksdb']}); "
      f"{versions.get('sqlite', 'SQLite ' + machine['sqlite'])}; {machine['postgresql']}; {machine['compiler']}")
    p(f"- sizes: {', '.join(f'{s:,}' for s in sizes)} executions (one history growing at a fixed 5,000 "
      f"executions a day; ~90% are agents' and indexed)\n")

    def q(engine, size, shape, rng, key="p50_us"):
        r = queries.get((engine, size, shape, rng))
        return None if r is None else r[key]

    # ---- Goals
    def median_ratio(peer, key, size):
        rs = [ratio(q("exidx", size, s, g, key), q(peer, size, s, g, key)) for s in SHAPES for g in RANGES]
        rs = [x for x in rs if x is not None]
        return statistics.median(rs) if rs else None

    def worst_ratio(peer, key, size):
        rs = [ratio(q("exidx", size, s, g, key), q(peer, size, s, g, key)) for s in SHAPES for g in RANGES]
        rs = [x for x in rs if x is not None]
        return max(rs) if rs else None

    def ingest_ratio(peer, durability, batch, cells=ingest):
        a = cells.get(("exidx", durability, batch))
        b = cells.get((peer, durability, batch))
        return ratio(a and a["events_per_s"], b and b["events_per_s"])

    growth = []
    for s in SHAPES:
        for g in RANGES:
            growth.append(ratio(q("exidx", top["exidx"], s, g), q("exidx", small, s, g)))
    growth = [x for x in growth if x is not None]
    disk_ratio = ratio(disk.get(("exidx", large), {}).get("bytes_per_execution"),
                       disk.get(("sqlite", large), {}).get("bytes_per_execution"))

    def met(v, limit, higher_better):
        if v is None:
            return "not measured"
        return "**met**" if (v >= limit if higher_better else v <= limit) else "**missed**"

    p("## Goals of the issue\n")
    p("| goal | measured | met? |\n|---|---|---|")
    for durability in ["sync", "relaxed"]:
        for batch in [1, 100]:
            for peer, goal in [("sqlite", 3), ("postgres", 10)]:
                v = ingest_ratio(peer, durability, batch)
                p(f"| ingest >= {goal}x {NAMES[peer]} ({durability}, batches of {batch}) | {rfmt(v)} | "
                  f"{met(v, goal, True)} |")
    for durability in ["sync", "relaxed"]:
        for batch in [1, 100]:
            if not any((e, durability, batch) in concurrent for e in NAMES):
                continue
            for peer, goal in [("sqlite", 3), ("postgres", 10)]:
                v = ingest_ratio(peer, durability, batch, concurrent)
                p(f"| ingest >= {goal}x {NAMES[peer]} ({durability}, {clients_label} concurrent clients, "
                  f"batches of {batch}) | {rfmt(v)} | {met(v, goal, True)} |")
    for peer, goal in [("sqlite", 0.5), ("postgres", 0.1)]:
        v = median_ratio(peer, "p50_us", large)
        w = worst_ratio(peer, "p50_us", large)
        p(f"| query p50 <= {goal}x {NAMES[peer]} (at {large:,}; median over 8 shape/range cells, worst cell "
          f"{rfmt(w)}) | {rfmt(v)} | {met(v, goal, False)} |")
    if growth:
        p(f"| exidx p50 at {top['exidx']:,} <= 1.5x at {small:,} (worst of 8 cells; median {rfmt(statistics.median(growth))}) "
          f"| {rfmt(max(growth))} | {met(max(growth), 1.5, False)} |")
    p(f"| disk per execution <= SQLite's (at {large:,}) | {rfmt(disk_ratio)} | {met(disk_ratio, 1.0, False)} |")
    p("")

    # ---- Ratio table
    p("## Ratios (exidx / peer) and absolute numbers\n")
    p("Ingest: higher is better for exidx (ratio > 1 = exidx faster). Latency, disk, memory: "
      "lower is better (ratio < 1 = exidx smaller).\n")
    p("| figure | exidx | SQLite | PostgreSQL | exidx/SQLite | exidx/PostgreSQL |\n|---|---|---|---|---|---|")
    for durability in ["sync", "relaxed"]:
        for batch in [1, 100]:
            vals = {e: ingest.get((e, durability, batch), {}).get("events_per_s") for e in NAMES}
            n = ingest.get(("exidx", durability, batch), {}).get("events")
            p(f"| ingest events/s, {durability}, batches of {batch} ({n} events, fresh store) | {fmt(vals['exidx'])} | "
              f"{fmt(vals['sqlite'])} | {fmt(vals['postgres'])} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
              f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
    for durability in ["sync", "relaxed"]:
        for batch in [1, 100]:
            if not any((e, durability, batch) in concurrent for e in NAMES):
                continue
            vals = {e: concurrent.get((e, durability, batch), {}).get("events_per_s") for e in NAMES}
            r = concurrent.get(("exidx", durability, batch), {})
            p(f"| ingest events/s, {durability}, {r.get('clients', clients_label)} concurrent clients, batches of "
              f"{batch} ({r.get('events')} events, fresh store) | {fmt(vals['exidx'])} | {fmt(vals['sqlite'])} | "
              f"{fmt(vals['postgres'])} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
              f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
    prev = 0
    for size in sizes:
        vals = {e: load_rows.get((e, size), {}).get("events_per_s") for e in NAMES}
        p(f"| ingest events/s, relaxed, batches of 100, while growing {prev:,} → {size:,} | {fmt(vals['exidx'])} | "
          f"{fmt(vals['sqlite'])} | {fmt(vals['postgres'])} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
          f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
        prev = size
    for key, label in [("p50_us", "p50 µs"), ("p99_us", "p99 µs"), ("walk20_ms", "20-page walk ms (median)")]:
        for size in sizes:
            for g in RANGES:
                for s in SHAPES:
                    vals = {e: q(e, size, s, g, key) for e in NAMES}
                    d = 3 if key == "walk20_ms" else 0
                    p(f"| query {label}, {s}, {g}, {size:,} | {fmt(vals['exidx'], d)} | {fmt(vals['sqlite'], d)} | "
                      f"{fmt(vals['postgres'], d)} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
                      f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
    for size in sizes:
        vals = {e: disk.get((e, size), {}).get("bytes_per_execution") for e in NAMES}
        p(f"| disk bytes per indexed execution, {size:,} | {fmt(vals['exidx'])} | {fmt(vals['sqlite'])} | "
          f"{fmt(vals['postgres'])} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
          f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
    vals = {e: rss.get(e, {}).get("bytes") for e in NAMES}
    mib = {e: (v / 2**20 if v else None) for e, v in vals.items()}
    reached_note = ", ".join(f"{NAMES[e]} {top[e]:,}" for e in NAMES if top[e])
    p(f"| peak memory MiB (after each engine's largest size: {reached_note}) | {fmt(mib['exidx'])} | "
      f"{fmt(mib['sqlite'])} | {fmt(mib['postgres'])} | {rfmt(ratio(vals['exidx'], vals['sqlite']))} | "
      f"{rfmt(ratio(vals['exidx'], vals['postgres']))} |")
    p("")

    p("### Growth of query latency (p50 at each engine's largest size / p50 at the smallest)\n")
    p("| shape, range | " + " | ".join(f"{NAMES[e]} ({small:,} → {top[e]:,})" for e in NAMES if top[e]) + " |")
    p("|---|" + "---|" * sum(1 for e in NAMES if top[e]))
    for g in RANGES:
        for s in SHAPES:
            p(f"| {s}, {g} | " + " | ".join(rfmt(ratio(q(e, top[e], s, g), q(e, small, s, g))) for e in NAMES if top[e]) + " |")
    p("")

    # ---- What was measured
    p("### How each figure is measured\n")
    if concurrent:
        p(f"- concurrent clients: {clients_label} threads, each sending its own slice of the first events of the "
          "stream (all events of an execution in one slice, in stream order) as fast as batches are acknowledged, "
          "on a fresh store; events/s = all events / wall time from the first submit to the last "
          "acknowledgement.")
        for e in NAMES:
            notes = defaultdict(set)  # note -> the durabilities it describes
            for (engine, durability, _), r in concurrent.items():
                if engine == e:
                    notes[r["note"]].add(durability)
            for note, durabilities in notes.items():
                p(f"  - {NAMES[e]} ({'/'.join(d for d in ['sync', 'relaxed'] if d in durabilities)}): {note}.")
    for e in NAMES:
        d = disk.get((e, large))
        if d:
            p(f"- disk, {NAMES[e]}: after {d['settle']}; counts {d['what']}.")
        r = rss.get(e)
        if r:
            p(f"- memory, {NAMES[e]}: {r['what']}.")
    p("")

    # ---- Cross-check
    agree = True
    for size in sizes:
        for s in SHAPES:
            for g in RANGES:
                digests = {queries[(e, size, s, g)]["digest"] for e in NAMES if (e, size, s, g) in queries}
                agree &= len(digests) <= 1
    counts = {(r["engine"], r["size"]): (r["indexed"], r["unchanged"], r["skipped"]) for r in rows if r["figure"] == "load"}
    same_counts = all(len({counts.get((e, size)) for e in NAMES if (e, size) in counts}) <= 1 for size in sizes)
    p(f"Cross-check: the first page of every query cell is {'identical' if agree else '**NOT identical**'} "
      f"in all engines (hash of ARNs and statuses), and the indexed/unchanged/skipped counts of the load are "
      f"{'identical' if same_counts else '**NOT identical**'}, so all three apply the same version rule.")
    if concurrent:
        cc_counts = defaultdict(set)
        for (e, d, b), r in concurrent.items():
            cc_counts[(d, b)].add((r["indexed"], r["unchanged"], r["skipped"]))
        cc_same = all(len(c) == 1 for c in cc_counts.values())
        cc_match = all(r["counts_match"] for r in concurrent.values())
        p(f"With concurrent clients, every engine's counts "
          f"{'equal' if cc_match else '**do NOT all equal**'} those of a sequential run of the same events "
          f"(the version rule applied in stream order, checked by engine_bench) and are "
          f"{'identical' if cc_same else '**NOT identical**'} across engines.")
    p("")

    # ---- Baseline
    p("## The baseline: today's History query on Step Functions ListExecutions\n")
    p("Calls per History query for a first page of 50, newest first, modelled on the simulated history: "
      "per agent state machine, ListExecutions pages of 100 newest first (statusFilter when a status is given, "
      "no date filter, so every execution newer than the range is paged through), merged lazily across the "
      "agents. Median over 16 rotations of agent/status (max in brackets). Latency estimate assumes "
      f"**{CALL_MS} ms per ListExecutions call** (an assumption, not measured here): `sequential` = calls x "
      f"{CALL_MS} ms; `parallel` = agents queried concurrently, the busiest state machine's calls x {CALL_MS} ms. "
      "Throttling (ListExecutions' account quota) is ignored, so both are lower bounds.\n")
    p("| shape, range | " + " | ".join(f"calls at {s:,}" for s in sizes) +
      f" | est. at {sizes[-1]:,}: sequential / parallel | exidx p50 at {sizes[-1]:,} |")
    p("|---|" + "---|" * len(sizes) + "---|---|")
    for g in RANGES:
        for s in SHAPES:
            cells = []
            for size in sizes:
                b = baseline.get((size, s, g))
                cells.append("–" if b is None else f"{b['calls_p50']:.0f} ({b['calls_max']:.0f})")
            b = baseline.get((sizes[-1], s, g))
            est = "–" if b is None else f"{b['calls_p50'] * CALL_MS / 1000:.1f} s / {b['deepest_agent_p50'] * CALL_MS / 1000:.1f} s"
            ex = q("exidx", sizes[-1], s, g)
            p(f"| {s}, {g} | " + " | ".join(cells) + f" | {est} | {fmt(ex)} µs |")
    p("")


if __name__ == "__main__":
    main()
