#!/usr/bin/env python3
"""The original project's pipeline shape in DuckDB, on the bundled data (or any CSV in its layout):

  import      the track table CSV (gzip) into a table
  lake write  that table as zstd Parquet (the original's S3 Parquet lake)
  lake read   the Parquet back, one row per track
  similarity  per-artist means of the six seed features, min-max scaled by the per-track minimum
              and maximum, then the original's Athena shape: the artist table cross-joined with
              itself, the L1 distance per pair, ROW_NUMBER per artist, the top 10 kept
              (bench/similarity/bench.py's `cross_join_top_k`)
  publish     the neighbour table persisted in the database file (the original's RDS mart)

  duckdb_original.py WORK_DIR [CSV] [--threads N] [--shape aggregate|window]

Prints one JSON line: seconds per stage, artists, rows in the mart. WORK_DIR must not exist.
"""
import argparse
import json
import os
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "similarity"))
from bench import cross_join_top_k  # noqa: E402

BUNDLED = os.path.join(HERE, "..", "..", "data", "tidytuesday_2020-01-21_spotify_songs.csv.gz")
SEED_FEATURES = ["danceability", "energy", "loudness", "speechiness", "acousticness",
                 "instrumentalness"]


def top_k_sql(shape, k):
    """`window`: the original's shape as bench/similarity runs it (ROW_NUMBER over the cross
    join; DuckDB sorts every pair). `aggregate`: the same cross join kept as a top-k aggregate
    (`min_by(…, k)`), which DuckDB runs without materialising the pairs: the faster baseline."""
    l1 = lambda x, y: f"abs({x} - {y})"  # noqa: E731
    if shape == "window":
        return cross_join_top_k("artists", SEED_FEATURES, k, l1)
    dist = " + ".join(l1(f"a.{c}", f"b.{c}") for c in SEED_FEATURES)
    return f"""
        SELECT query, n.id AS neighbour, n.distance AS distance FROM (
            SELECT a.id AS query,
                   unnest(min_by({{'id': b.id, 'distance': {dist}}}, {dist}, {k})) AS n
            FROM artists a CROSS JOIN artists b
            WHERE a.id <> b.id
            GROUP BY a.id
        )
    """


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("work")
    ap.add_argument("csv", nargs="?", default=BUNDLED)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--shape", choices=["aggregate", "window"], default="aggregate")
    a = ap.parse_args()
    os.makedirs(a.work)
    lake = os.path.join(a.work, "lake", "tracks.parquet")
    os.makedirs(os.path.dirname(lake))
    con = duckdb.connect(os.path.join(a.work, "mart.duckdb"))
    con.execute(f"SET threads = {a.threads}")
    stages = {}

    def stage(name, *sql):
        start = time.perf_counter()
        for statement in sql:
            con.execute(statement)
        stages[name] = time.perf_counter() - start

    csv = a.csv.replace("'", "''")
    stage("import", f"CREATE TEMP TABLE raw AS SELECT * FROM read_csv('{csv}', header = true, "
          "nullstr = 'NA')")
    stage("lake write", f"COPY raw TO '{lake}' (FORMAT parquet, COMPRESSION zstd)",
          "DROP TABLE raw")
    stage("lake read", "CREATE TEMP TABLE tracks AS SELECT track_id, "
          "any_value(track_artist) AS artist, "
          + ", ".join(f"any_value({f}) AS {f}" for f in SEED_FEATURES)
          + f" FROM read_parquet('{lake}') GROUP BY track_id")
    scaled = ", ".join(
        f"(avg(t.{f}) - min_{f}) / nullif(max_{f} - min_{f}, 0) AS {f}" for f in SEED_FEATURES)
    bounds = ", ".join(f"min({f}) AS min_{f}, max({f}) AS max_{f}" for f in SEED_FEATURES)
    stage(
        "similarity",
        f"CREATE TEMP TABLE artists AS SELECT row_number() OVER (ORDER BY t.artist) AS id, "
        f"t.artist AS name, {scaled} FROM tracks t, (SELECT {bounds} FROM tracks) "
        f"WHERE t.artist IS NOT NULL GROUP BY t.artist, "
        + ", ".join(f"min_{f}, max_{f}" for f in SEED_FEATURES)
        + " HAVING " + " AND ".join(f"avg(t.{f}) IS NOT NULL" for f in SEED_FEATURES),
        "CREATE TEMP TABLE neighbours AS " + top_k_sql(a.shape, a.k),
    )
    stage("publish", "CREATE TABLE related_artists AS SELECT a.name AS artist, b.name AS other, "
          "n.distance FROM neighbours n JOIN artists a ON a.id = n.query "
          "JOIN artists b ON b.id = n.neighbour", "CHECKPOINT")
    artists = con.execute("SELECT count(*) FROM artists").fetchone()[0]
    rows = con.execute("SELECT count(*) FROM related_artists").fetchone()[0]
    print(json.dumps({"duckdb": duckdb.__version__, "shape": a.shape, "artists": artists, "mart_rows": rows,
                      "stages_s": stages, "total_s": sum(stages.values())}))


if __name__ == "__main__":
    main()
