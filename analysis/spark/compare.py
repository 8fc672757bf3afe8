"""Top-k overlap between the Spark job's mart and soundalike's own, for one algorithm.

    python analysis/spark/compare.py --lake LAKE --store soundalike-data/soundalike.sqlite \
        [--algorithm hybrid] [--min-overlap 0.95]

The Spark mart is the committed ``related_artists`` partition of ``--lake`` (the newest, or
``--partition``); soundalike's is the current mart version of the algorithm in the SQLite store
(``mart_current`` → ``related_artists``). The overlap of one artist is the share of soundalike's
list that the Spark list also holds (an artist Spark has no list for counts 0); the figure is the
mean over every artist soundalike has a list for. Exit 1 when it is below ``--min-overlap``, or
when either mart is empty.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lake  # analysis/lake.py, found through the sys.path line above


def native_lists(store: str, algorithm: str) -> dict[str, list[str]]:
    uri = Path(store).resolve().as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        rows = db.execute(
            "SELECT r.artist_id, r.other_id FROM mart_current c "
            "JOIN related_artists r ON r.version = c.version AND r.algorithm = c.algorithm "
            "WHERE c.algorithm = ? ORDER BY r.artist_id, r.rank",
            (algorithm,),
        ).fetchall()
    lists = defaultdict(list)
    for artist, other in rows:
        lists[artist].append(other)
    return dict(lists)


def spark_lists(root: str, algorithm: str, partition: str | None) -> dict[str, list[str]]:
    if partition is None:
        found = lake.partitions(root, "related_artists")
        if not found:
            raise lake.LakeError(f"no committed related_artists partition in {root}")
        partition = found[-1]
    lists = defaultdict(list)
    for file in lake.committed_files(root, "related_artists", partition):
        table = pq.read_table(file, columns=["artist_id", "other_id", "rank", "algorithm"])
        rows = zip(*(table.column(c).to_pylist() for c in table.column_names))
        for artist, other, rank, algo in sorted(rows, key=lambda r: (r[0], r[2])):
            if algo == algorithm:
                lists[artist].append(other)
    return dict(lists)


def overlap(native: dict[str, list[str]], spark: dict[str, list[str]]) -> dict[str, float]:
    shares, same_order = [], 0
    for artist, expected in native.items():
        got = spark.get(artist, [])
        shares.append(len(set(expected) & set(got)) / len(expected))
        same_order += got == expected
    return {
        "overlap": sum(shares) / len(shares) if shares else 0.0,
        "artists": len(native),
        "identical_sets": sum(s == 1.0 for s in shares),
        "identical_order": same_order,
        "spark_only": len(set(spark) - set(native)),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", required=True, help="lake folder holding Spark's related_artists")
    parser.add_argument("--store", required=True, help="soundalike's SQLite store")
    parser.add_argument("--algorithm", default="hybrid")
    parser.add_argument("--partition")
    parser.add_argument("--min-overlap", type=float, default=0.95)
    args = parser.parse_args(argv)
    native = native_lists(args.store, args.algorithm)
    spark = spark_lists(args.lake, args.algorithm, args.partition)
    if not native or not spark:
        print(f"empty mart: soundalike {len(native)} lists, Spark {len(spark)} lists")
        return 1
    r = overlap(native, spark)
    verdict = "ok" if r["overlap"] >= args.min_overlap else "BELOW"
    print(
        f"{args.algorithm} top-k overlap, Spark vs soundalike: {r['overlap']:.4f} over "
        f"{r['artists']} artists ({verdict}, required {args.min_overlap}); identical sets "
        f"{r['identical_sets']}, identical order {r['identical_order']}, lists only Spark has "
        f"{r['spark_only']}"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
