#!/usr/bin/env python3
"""bench/similarity: soundalike's exact kernel vs FAISS IndexFlatL2 vs DuckDB SQL, and
soundalike's IVF index (`ann`) against the exact kernel.

Subcommands (normally driven by run.sh):
  suite  --bin BENCH_KERNEL --work DIR [options]   everything below, prints a table + JSON
  faiss  DATA D K THREADS REPEAT QUERIES IDS_OUT   one timed FAISS run (prints JSON)
  duckdb DATA D K THREADS REPEAT IDS_OUT           one timed DuckDB run (prints JSON)
  recall DATA D K QUERIES IDS_A IDS_B              share of A's neighbours also in B (ties ok)
  faiss-ann DATA D K THREADS QUERIES EXACT_IDS FACTORY PARAM VALUES [REPEAT [NAME=VALUE...]]
         a FAISS approximate index (`index_factory` string, e.g. "IVF1000,SQ8", "HNSW32",
         "IVF1000,PQ32x4fs,RFlat"): build, then per value of its search parameter (PARAM, e.g.
         nprobe, efSearch; VALUES comma-separated) the best of REPEAT (3) searches of the first
         QUERIES rows, recall@K against EXACT_IDS (`bench_kernel knn --ids-out`); one JSON line
         per value. NAME=VALUE sets another parameter for every search (e.g. k_factor_rf=4: the
         refine stage rescores 4·(K+1) candidates exactly, K+1 as self is searched too; FAISS
         takes that factor as an integer)

DATA is N×D little-endian f32, row-major, written by `bench_kernel gen`. QUERIES = 0 means all
N rows query all N rows (N² pairs); Q > 0 means the first Q rows query all N (Q×N pairs).
Each method runs in its own process, so peak RSS (ru_maxrss / VmHWM) is per method, data and
interpreter included.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np


def load(path, d):
    x = np.fromfile(path, dtype="<f4")
    assert x.size % d == 0, "file size is not a multiple of d"
    return np.ascontiguousarray(x.reshape(-1, d))


def report(method, n, nq, d, k, threads, times, extra):
    best = min(times)
    out = {
        "method": method,
        "n": n,
        "queries": nq,
        "d": d,
        "k": k,
        "threads": threads,
        "seconds": round(best, 6),
        "all_seconds": [round(t, 6) for t in times],
        "pairs_per_s": nq * n / best,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,  # KiB on Linux
    }
    out.update(extra)
    print(json.dumps(out), flush=True)


def without_self(found, k):
    """FAISS's k + 1 neighbours of the first rows, each row's own id dropped (the queries are
    indexed rows); where a tie or a duplicate pushed self out, the last is dropped instead."""
    nq = found.shape[0]
    is_self = found == np.arange(nq)[:, None]
    keep = ~is_self
    keep[~is_self.any(1), k] = False
    return found[keep].reshape(nq, k)


def run_faiss(x, k, threads, repeat, nq):
    import faiss

    faiss.omp_set_num_threads(threads)
    n = x.shape[0]
    q = x[:nq]
    times, found = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        index = faiss.IndexFlatL2(x.shape[1])
        index.add(x)
        _, found = index.search(q, k + 1)
        times.append(time.perf_counter() - start)
        del index
    ids = without_self(found, k).astype(np.uint32)
    report("faiss", n, nq, x.shape[1], k, threads, times, {"version": faiss.__version__})
    return ids


def cross_join_top_k(table, columns, k, term):
    """The original project's shape in SQL: the artist table (`id` and `columns`) cross-joined
    with itself, a distance per pair (the sum of `term(a.col, b.col)` over the columns),
    ROW_NUMBER per query ordered by distance, keep the top k. bench/scale reuses it."""
    dist = " + ".join(term(f"a.{c}", f"b.{c}") for c in columns)
    return f"""
        SELECT query, neighbour, distance FROM (
            SELECT a.id AS query, b.id AS neighbour, {dist} AS distance,
                   ROW_NUMBER() OVER (PARTITION BY a.id ORDER BY {dist}, b.id) AS rank
            FROM {table} a CROSS JOIN {table} b
            WHERE a.id <> b.id
        ) WHERE rank <= {k}
        ORDER BY query, distance, neighbour
    """


def run_duckdb(x, k, threads, repeat):
    import duckdb

    n, d = x.shape
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    cols = {"id": np.arange(n, dtype=np.int32)}
    cols.update({f"x{j}": np.ascontiguousarray(x[:, j]) for j in range(d)})
    con.register("cols", cols)
    con.execute("CREATE TABLE artists AS SELECT * FROM cols")
    con.unregister("cols")
    sql = cross_join_top_k("artists", [f"x{j}" for j in range(d)], k,
                           lambda a, b: f"({a} - {b}) * ({a} - {b})")
    times, rows = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        rows = con.execute(sql).fetchnumpy()
        times.append(time.perf_counter() - start)
    ids = rows["neighbour"].astype(np.uint32).reshape(n, k)
    assert (rows["query"].reshape(n, k) == np.arange(n)[:, None]).all()
    report("duckdb", n, n, d, k, threads, times, {"version": duckdb.__version__})
    return ids


def recall(x, k, nq, ids_a, ids_b, valid=None):
    """Share of A's neighbours in B's list or tied with B's k-th (float64 distances). `valid`
    (nq × k booleans) marks A's real entries; the others are misses whatever id they hold."""
    hits = exact = 0
    for lo in range(0, nq, 2048):
        hi = min(nq, lo + 2048)
        a, b = ids_a[lo:hi].astype(np.int64), ids_b[lo:hi].astype(np.int64)
        # Only the rows needed, in float64 (a float64 copy of all of x would dominate the RSS).
        q = x[lo:hi].astype(np.float64)
        da = ((x[a].astype(np.float64) - q[:, None, :]) ** 2).sum(-1)
        kth = ((x[b[:, -1]].astype(np.float64) - q) ** 2).sum(-1)
        same = (a[:, :, None] == b[:, None, :]).any(-1)
        tie = da <= kth[:, None] * (1 + 1e-5) + 1e-6
        if valid is not None:
            same &= valid[lo:hi]
            tie &= valid[lo:hi]
        exact += int(same.sum())
        hits += int((same | tie).sum())
    return {"recall": hits / (nq * k), "recall_strict": exact / (nq * k)}


def run_faiss_ann(x, k, threads, nq, exact, factory, param, values, repeat, fixed):
    """A FAISS approximate index on the same data and queries as `bench_kernel ann`."""
    import faiss

    faiss.omp_set_num_threads(threads)
    n, d = x.shape
    start = time.perf_counter()
    index = faiss.index_factory(d, factory)
    index.train(x)
    index.add(x)
    build = time.perf_counter() - start
    space = faiss.ParameterSpace()
    for name, value in fixed.items():
        space.set_index_parameter(index, name, value)
    q = x[:nq]
    for value in values:
        space.set_index_parameter(index, param, value)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            _, found = index.search(q, k + 1)
            times.append(time.perf_counter() - start)
        ids = without_self(found, k)
        # Fewer than k found: FAISS pads with -1, which count as misses.
        found_real = ids >= 0
        quality = recall(x, k, nq, np.where(found_real, ids, 0).astype(np.uint32), exact,
                         valid=found_real)
        report("faiss-ann", n, nq, d, k, threads, times, {
            "factory": factory, param: value, "fixed": fixed, "build_seconds": round(build, 3),
            "queries_per_s": nq / min(times), "missing": int((~found_real).sum()), **quality,
            "version": faiss.__version__})


# ---------------------------------------------------------------------------------------------
# suite


def run_json(cmd, timeout):
    env = dict(os.environ)
    start = time.time()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout}s"}
    if out.returncode != 0:
        return {"error": f"exit {out.returncode}: {out.stderr.strip()[-400:]}"}
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_seconds"] = round(time.time() - start, 3)
    return res


def suite(a):
    me = os.path.abspath(__file__)
    py = sys.executable
    os.makedirs(a.work, exist_ok=True)
    results = []
    for d in a.dims:
        for n in sorted(set(a.sizes) | set(a.duckdb_sizes)):
            nq = a.big_queries if (a.big_queries and n > a.big_threshold) else n
            data = f"{a.work}/x_{n}_{d}.bin"
            subprocess.run([a.bin, "gen", "--n", str(n), "--d", str(d), "--seed", str(a.seed),
                            "--out", data], check=True)
            small = nq * n <= 2e8
            inner = 5 if small else 1  # in-process repeats for tiny runs
            rounds = 1 if n > a.big_threshold else a.repeat
            ids = {m: f"{a.work}/ids_{m}_{n}_{d}.bin" for m in ("soundalike", "faiss", "duckdb")}
            runs = {"soundalike": [], "faiss": []}
            print(f"# d={d} N={n} queries={nq}: {rounds} round(s)", file=sys.stderr, flush=True)
            for _ in range(rounds):  # alternate, so both see the same background load
                runs["soundalike"].append(run_json(
                    [a.bin, "knn", "--data", data, "--d", str(d), "--k", str(a.k),
                     "--threads", str(a.threads), "--repeat", str(inner),
                     "--queries", str(nq if nq < n else 0), "--ids-out", ids["soundalike"]],
                    a.timeout))
                runs["faiss"].append(run_json(
                    [py, me, "faiss", data, str(d), str(a.k), str(a.threads), str(inner),
                     str(nq if nq < n else 0), ids["faiss"]], a.timeout))
            ann = (run_ann(a, data, n, d, nq, ids["soundalike"], runs["soundalike"])
                   if n in a.ann_sizes else None)
            if n in a.duckdb_sizes:
                runs["duckdb"] = [run_json(
                    [py, me, "duckdb", data, str(d), str(a.k), str(a.threads), "1",
                     ids["duckdb"]], a.timeout)]
            row = {"n": n, "d": d, "queries": nq, "pairs": nq * n, "methods": {}}
            if ann is not None:
                row["ann"] = ann
            for m, rs in runs.items():
                ok = [r for r in rs if "error" not in r]
                if not ok:
                    row["methods"][m] = {"error": rs[0]["error"]}
                    continue
                best = min(r["seconds"] for r in ok)
                row["methods"][m] = {
                    "seconds": best,
                    "round_seconds": [r["seconds"] for r in ok],
                    "pairs_per_s": nq * n / best,
                    "peak_rss_mib": max(r["peak_rss_kib"] for r in ok) / 1024,
                    **({"version": ok[0]["version"]} if "version" in ok[0] else {}),
                    **({"blocks": [ok[0]["query_block"], ok[0]["candidate_block"]]}
                       if "query_block" in ok[0] else {}),
                }
            ms = row["methods"]
            for other in ("faiss", "duckdb"):
                if "seconds" in ms.get("soundalike", {}) and "seconds" in ms.get(other, {}):
                    row[f"ratio_vs_{other}"] = ms[other]["seconds"] / ms["soundalike"]["seconds"]
            if "seconds" in ms.get("faiss", {}):
                if len(runs["soundalike"]) == len(runs["faiss"]) and all(
                        "seconds" in r for r in runs["soundalike"] + runs["faiss"]):
                    row["paired_ratios_vs_faiss"] = [
                        f["seconds"] / s["seconds"] for s, f in zip(runs["soundalike"], runs["faiss"])]
                x = load(data, d)
                for m in ("soundalike", "duckdb"):
                    if "seconds" in ms.get(m, {}):
                        ia = np.fromfile(ids[m], dtype="<u4").reshape(-1, a.k)
                        ib = np.fromfile(ids["faiss"], dtype="<u4").reshape(-1, a.k)
                        row[f"recall_{m}_vs_faiss"] = recall(x, a.k, nq, ia, ib)
                del x
            results.append(row)
            print("#   " + ", ".join(f"{m} {v['seconds']:.3f}s" if "seconds" in v else f"{m} {v}"
                                    for m, v in row["methods"].items()), file=sys.stderr, flush=True)
            for f in [data] + list(ids.values()):
                if os.path.exists(f):
                    os.remove(f)
    print_table(results, a)
    print_ann(results, a)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"threads": a.threads, "k": a.k, "seed": a.seed, "rows": results}, f, indent=1)


def run_ann(a, data, n, d, nq, exact_ids, exact_runs):
    """IVF build + search of the same queries; recall and speed against the exact kernel."""
    prefix = f"{a.work}/ids_ann_{n}_{d}"
    # Each probes value searched --repeat times in a row, best kept, as the exact side is.
    probes = [p for p in a.ann_probes.split(",") if p]
    repeated = ",".join(p for p in probes for _ in range(max(a.repeat, 1)))
    res = run_json([a.bin, "ann", "--data", data, "--d", str(d), "--k", str(a.k),
                    "--threads", str(a.threads), "--queries", str(nq if nq < n else 0),
                    "--lists", str(a.ann_lists), "--probes", repeated,
                    "--ids-out", prefix], a.timeout * 2)
    if "error" in res:
        return res
    best = {}
    for run in res["runs"]:
        kept = best.get(run["probes"])
        if kept is None or run["queries_per_s"] > kept["queries_per_s"]:
            best[run["probes"]] = run
    res["runs"] = [best[int(p)] for p in probes]
    ok = [r for r in exact_runs if "error" not in r]
    # The exact side gets as many runs as each probes value (best of --repeat on both sides).
    for _ in range(max(a.repeat - len(ok), 0) if ok else 0):
        more = run_json([a.bin, "knn", "--data", data, "--d", str(d), "--k", str(a.k),
                         "--threads", str(a.threads), "--queries", str(nq if nq < n else 0)],
                        a.timeout)
        if "error" not in more:
            ok.append(more)
    exact_qps = nq / min(r["seconds"] for r in ok) if ok else None
    x = load(data, d)
    ib = np.fromfile(exact_ids, dtype="<u4").reshape(-1, a.k) if ok else None
    for run in res["runs"]:
        path = f"{prefix}.{run['probes']}"
        if ib is not None:
            ia = np.fromfile(path, dtype="<u4").reshape(-1, a.k)
            run["recall"] = recall(x, a.k, nq, ia, ib)["recall"]
            run["vs_exact"] = run["queries_per_s"] / exact_qps
        os.remove(path)
    res["exact_queries_per_s"] = exact_qps
    return res


def print_ann(results, a):
    rows = [r for r in results if "ann" in r]
    if not rows:
        return
    print("ANN: soundalike IVF (k-means lists, 0 = sqrt(N); a query scans its `probes` closest "
          "lists) vs the exact kernel on the same queries, same threads; recall@k against the "
          "exact lists (ties count); x exact = ANN queries/s / exact queries/s; build includes "
          "k-means")
    hdr = (f"{'d':>3} {'N':>8} {'queries':>8} | {'build s':>8} {'index MiB':>9} {'RSS MiB':>8} | "
           f"{'exact q/s':>9} | {'probes':>6} {'ANN q/s':>9} {'recall@k':>8} {'x exact':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        ann = r["ann"]
        if "error" in ann:
            print(f"{r['d']:>3} {r['n']:>8} {r['queries']:>8} | {ann['error'][:60]}")
            continue
        eq = ann.get("exact_queries_per_s")
        for i, run in enumerate(ann["runs"]):
            head = (f"{r['d']:>3} {r['n']:>8} {r['queries']:>8} | {ann['build_seconds']:>8.1f} "
                    f"{ann['index_mib']:>9.0f} {ann['peak_rss_kib'] / 1024:>8.0f} | "
                    f"{eq if eq is None else format(eq, '.0f'):>9}") if i == 0 else " " * 62
            print(f"{head} | {run['probes']:>6} {run['queries_per_s']:>9.0f} "
                  f"{run.get('recall', float('nan')):>8.4f} {run.get('vs_exact', float('nan')):>7.1f}x")
    print()
    for r in rows:
        if r["n"] < 1_000_000 or "runs" not in r["ann"]:
            continue
        good = [x for x in r["ann"]["runs"] if x.get("recall", 0) >= 0.95]
        best = max(good, key=lambda x: x["vs_exact"], default=None)
        verdict = (f"probes={best['probes']}: recall {best['recall']:.4f} at {best['vs_exact']:.1f}x exact -> "
                   f"{'MET' if best['vs_exact'] >= 10 else 'NOT MET'}") if best else "no probes value reached recall 0.95"
        print(f"goal N={r['n']} d={r['d']} ANN recall@10 >= 0.95 at >= 10x exact queries/s: {verdict}")


def print_table(results, a):
    def fmt_pps(m):
        return f"{m['pairs_per_s']:.3g}" if "pairs_per_s" in m else m.get("error", "-")[:24]

    sys.stderr.flush()
    print(f"\nthreads={a.threads} k={a.k} seed={a.seed}; pairs/s = queries × N / best seconds; "
          "ratio = other's best seconds / soundalike's best seconds (higher = soundalike "
          "faster); per round = range of the ratios of runs made back to back")
    hdr = (f"{'d':>3} {'N':>8} {'queries':>8} | {'soundalike p/s':>14} {'FAISS p/s':>11} "
           f"{'DuckDB p/s':>11} | {'vs FAISS':>8} {'per round':>11} {'vs DuckDB':>9} | {'RSS MiB s/F/D':>17} | "
           f"{'recall@k s~F':>12}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        ms = r["methods"]
        s, f, dd = ms.get("soundalike", {}), ms.get("faiss", {}), ms.get("duckdb", {})
        rss = "/".join(f"{m['peak_rss_mib']:.0f}" if "peak_rss_mib" in m else "-" for m in (s, f, dd))
        rf = f"{r['ratio_vs_faiss']:.2f}x" if "ratio_vs_faiss" in r else "-"
        pr = r.get("paired_ratios_vs_faiss", [])
        rp = f"{min(pr):.2f}-{max(pr):.2f}x" if len(pr) > 1 else ""
        rd = f"{r['ratio_vs_duckdb']:.0f}x" if "ratio_vs_duckdb" in r else "-"
        rec = r.get("recall_soundalike_vs_faiss", {}).get("recall")
        print(f"{r['d']:>3} {r['n']:>8} {r['queries']:>8} | {fmt_pps(s):>14} {fmt_pps(f):>11} "
              f"{fmt_pps(dd) if dd else '-':>11} | {rf:>8} {rp:>11} {rd:>9} | {rss:>17} | "
              f"{rec if rec is None else format(rec, '.6f'):>12}")
    print()
    goal = [r for r in results if r["n"] == 100000 and r["d"] == 16]
    if goal and "ratio_vs_faiss" in goal[0]:
        g = goal[0]["ratio_vs_faiss"]
        lo = min(goal[0].get("paired_ratios_vs_faiss", [g]))
        print(f"goal N=100k d=16 >= 1.5x FAISS flat: {g:.2f}x (worst round {lo:.2f}x) -> "
              f"{'MET' if min(g, lo) >= 1.5 else 'NOT MET'}")
    duck = [r for r in results if r["d"] == 16 and "ratio_vs_duckdb" in r]
    if duck:
        top = max(duck, key=lambda r: r["n"])
        g = top["ratio_vs_duckdb"]
        print(f"goal >= 50x DuckDB: largest DuckDB size that ran at d=16 is N={top['n']}: {g:.0f}x "
              f"-> {'MET' if g >= 50 else 'NOT MET'} at that size (DuckDB not run at N=100k)")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "suite":
        p = argparse.ArgumentParser()
        p.add_argument("suite")
        p.add_argument("--bin", required=True)
        p.add_argument("--work", required=True)
        ints = lambda s: [int(v) for v in s.replace(",", " ").split()]  # noqa: E731
        p.add_argument("--sizes", type=ints, default=[10000, 100000])
        p.add_argument("--dims", type=ints, default=[16, 64])
        p.add_argument("--duckdb-sizes", type=ints, default=[2000, 5000])
        p.add_argument("--big-threshold", type=int, default=100000,
                       help="sizes above this run once, with --big-queries queries")
        p.add_argument("--big-queries", type=int, default=0)
        p.add_argument("--repeat", type=int, default=3)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--k", type=int, default=10)
        p.add_argument("--seed", type=int, default=42)
        p.add_argument("--timeout", type=int, default=900)
        p.add_argument("--ann-sizes", type=ints, default=[])
        p.add_argument("--ann-lists", type=int, default=0)
        p.add_argument("--ann-probes", default="16,32,48,64,96,128,192")
        p.add_argument("--json-out")
        suite(p.parse_args())
        return
    cmd, path, d, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x = load(path, d)
    if cmd == "recall":
        nq = int(sys.argv[5]) or x.shape[0]
        ia = np.fromfile(sys.argv[6], dtype="<u4").reshape(-1, k)
        ib = np.fromfile(sys.argv[7], dtype="<u4").reshape(-1, k)
        print(json.dumps(recall(x, k, nq, ia, ib)))
    elif cmd == "faiss":
        threads, repeat, nq, out = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), sys.argv[8]
        run_faiss(x, k, threads, repeat, nq or x.shape[0]).astype("<u4").tofile(out)
    elif cmd == "faiss-ann":
        threads, nq = int(sys.argv[5]), int(sys.argv[6]) or x.shape[0]
        exact = np.fromfile(sys.argv[7], dtype="<u4")
        if exact.size % k or exact.size // k < nq:
            sys.exit(f"{sys.argv[7]}: {exact.size} ids are not {nq} lists of {k}")
        exact = exact.reshape(-1, k)[:nq]
        factory, param = sys.argv[8], sys.argv[9]
        values = [float(v) for v in sys.argv[10].split(",")]
        repeat = int(sys.argv[11]) if len(sys.argv) > 11 else 3
        if repeat < 1:
            sys.exit("REPEAT must be at least 1")
        fixed = {}
        for arg in sys.argv[12:]:
            name, sep, value = arg.partition("=")
            if not sep or name == param:
                sys.exit(f"{arg}: expected NAME=VALUE for a parameter other than {param}")
            fixed[name] = float(value)
        run_faiss_ann(x, k, threads, nq, exact, factory, param, values, repeat, fixed)
    elif cmd == "duckdb":
        threads, repeat, out = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
        run_duckdb(x, k, threads, repeat).astype("<u4").tofile(out)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
