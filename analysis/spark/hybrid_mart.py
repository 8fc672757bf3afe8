"""The `hybrid` similarity mart of every artist, computed by Spark from soundalike's lake.

    python analysis/spark/hybrid_mart.py --lake soundalike-data/lake [--master local[2]]

Reads the lake folder as soundalike leaves it (the manifest-named Parquet files of the newest
partition every catalog table has committed; see ``analysis/lake.py``) and writes the top-k
neighbours of every artist as the table ``related_artists`` in the same layout:
``<out>/related_artists/dt=<partition>/part-*.zstd.parquet`` plus its ``_manifest.json``, columns
``artist_id, other_id, rank, score, algorithm`` (the store's mart rows).

The algorithm is soundalike's default, ``hybrid`` with its tuned default weights
(``crates/similarity/src/hybrid.rs``): one inner product over weighted unit blocks — playlist
co-membership (log TF × IDF, sparse), the same smoothed by the 192 leading eigenvectors of the
playlist co-occurrence matrix, subgenre and genre mix, standardised audio means, release era and
debut era, title credits hashed into 128 signed buckets, source genre lists (``artist_genres``,
sparse) — with the candidate side scaled by a presence factor and three prior columns (mean and
peak popularity, seniority).

Method, stage by stage:
- profiles: Spark SQL aggregates per artist (tracks, audio means, popularity, years, albums,
  playlist / genre / subgenre membership counts) and title credits (a Python UDF parsing titles
  like ``profile::credited_names``, joined to artists by normalised name);
- basis: the playlist co-occurrence matrix ``Σ_a x_aᵀ x_a`` by a Spark self-join on the artist,
  collected (playlists × playlists) and decomposed exactly on the driver (``numpy.linalg.eigh``);
  soundalike uses a randomized truncated eigensolver whose span agrees with the exact one;
- vectors: each artist's query and candidate rows built on the executors from the broadcast model;
- top-k: an exact **blocked cross-join** — artists in blocks of ``--block-rows``, every pair of
  blocks scored as one dense float32 matrix product plus a sparse one (scipy), the best k of each
  row kept per pair and merged per artist (ties to the lower artist index, as in soundalike).

Not reproduced: source-named related artists leading a list (``related::lead_with_named``,
only for lakes with a ``source_related`` table from live sources; the job says when it skips
them), and the approximate (IVF) index soundalike switches to from 20,000 artists.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import sys
import time
import unicodedata
import uuid
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lake  # analysis/lake.py, found through the sys.path line above

FEATURES = (
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
)

# hybrid::Weights::default() — the blocks with a non-zero weight.
W_PLAYLIST, W_SMOOTH, SMOOTH_RANK = 1.0, 0.35, 192
W_SUBGENRE, W_GENRE, W_AUDIO = 0.35, 0.25, 0.2
W_ERA, W_ERA_FIRST, ERA_YEARS = 0.25, 0.35, 5.0
W_CREDITS, W_TAGS, BOOST = 0.15, 2.0, 1.25
# Prior columns: (query-side weight, candidate-side value name).
PRIORS = ((0.5, "popularity"), (0.1, "peak"), (0.3, "seniority"))
ERA_FIRST, ERA_LAST, ERA_STEP = 1950.0, 2025.0, 2.5
ERA_BINS = int((ERA_LAST - ERA_FIRST) / ERA_STEP) + 1
CREDIT_DIM = 128

# Unicode White_Space, what Rust's `split_whitespace` splits on.
_WHITESPACE = re.compile(
    "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)


def normalize_name(name: str) -> str:
    """``soundalike_core::names::normalize_name``: NFKC, lower case, NFKC, whitespace collapsed."""
    if not name.isascii():
        name = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).lower())
    else:
        name = name.lower()
    return " ".join(w for w in _WHITESPACE.split(name) if w)


def credited_names(title: str | None) -> list[str]:
    """``soundalike_similarity::profile::credited_names``: names credited in a track title."""
    if title is None:
        return []
    title = normalize_name(title)
    names = []
    parts = [p for chunk in re.split(r"[()\[\]]", title) for p in chunk.split(" - ")]
    for i, part in enumerate(parts):
        part = part.strip()
        if i == 0:
            rest = None
            for marker in (" feat. ", " ft. ", " featuring "):
                if marker in part:
                    rest = part.split(marker, 1)[1]
                    break
            if rest is None:
                continue
        else:
            prefix = next(
                (
                    p
                    for p in ("feat. ", "feat ", "ft. ", "featuring ", "with ")
                    if part.startswith(p)
                ),
                None,
            )
            if prefix is not None:
                rest = part[len(prefix) :]
            elif part.endswith(" remix"):
                rest = part[: -len(" remix")]
            else:
                continue
        for a in re.split(r"[,&]", rest):
            for b in a.split(" and "):
                for name in b.split(" x "):
                    name = name.strip()
                    if name:
                        names.append(name)
    return names


_MASK64 = (1 << 64) - 1


def credit_slot(artist: int) -> tuple[int, float]:
    """Bucket and sign of an artist in the hashed credits block (splitmix64 of its index)."""
    z = (artist + 0x9E3779B97F4A7C15) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    z ^= z >> 31
    return z % CREDIT_DIM, (1.0 if z >> 63 == 0 else -1.0)


def _unit(values, weight):
    values = np.asarray(values, dtype=np.float64)
    norm = math.sqrt(float(values @ values))
    if norm == 0.0:
        return np.zeros_like(values)
    return values / norm * math.sqrt(weight)


def _era(year):
    if year is None:
        return np.zeros(ERA_BINS)
    centers = ERA_FIRST + np.arange(ERA_BINS) * ERA_STEP
    return np.exp(-(((year - centers) / ERA_YEARS) ** 2) / 2.0)


def artist_vectors(row, model):
    """(query dense, candidate dense, sparse columns, sparse query values, sparse candidate
    values) of one artist with tracks: ``hybrid::Model::write_row`` under the default weights."""
    m = model["n_playlists"]
    parts = []
    sparse_cols, sparse_vals = [], []
    playlists = np.array([p for p, _ in row.playlists or ()], dtype=np.int64)
    playlist_unit = None
    if len(playlists):
        counts = np.array([c for _, c in row.playlists], dtype=np.float64)
        raw = np.log1p(counts) * model["idf"][playlists]
        norm = math.sqrt(float(raw @ raw))
        if norm > 0:
            playlist_unit = raw / norm
            sparse_cols.append(playlists)
            sparse_vals.append(playlist_unit * math.sqrt(W_PLAYLIST))
    if row.tags:
        cols = np.array(sorted(set(row.tags)), dtype=np.int64)
        sparse_cols.append(m + cols)
        sparse_vals.append(_unit(np.ones(len(cols)), W_TAGS))
    rank = model["rank"]
    if rank:
        smooth = np.zeros(rank)
        if playlist_unit is not None:
            smooth = playlist_unit @ model["basis"][playlists]
        parts.append(_unit(smooth, W_SMOOTH))
    for labels, n, weight in (
        (row.subgenres, model["n_subgenres"], W_SUBGENRE),
        (row.genres, model["n_genres"], W_GENRE),
    ):
        dense = np.zeros(n)
        for d, c in labels or ():
            dense[d] = c
        parts.append(_unit(dense, weight))
    audio = np.zeros(len(FEATURES))
    for k, name in enumerate(FEATURES):
        value, (mean, std) = getattr(row, name), model["moments"][k]
        if value is not None and std > 0:
            audio[k] = (value - mean) / std
    parts.append(_unit(audio, W_AUDIO))
    parts.append(_unit(_era(row.mean_year), W_ERA))
    parts.append(_unit(_era(row.first_year), W_ERA_FIRST))
    credit = np.zeros(CREDIT_DIM)
    if row.credits:
        slot, sign = credit_slot(row.a)
        credit[slot] += sign
        for b, count in row.credits:
            slot, sign = credit_slot(b)
            credit[slot] += sign * math.log1p(count) / math.log(2.0)
    parts.append(_unit(credit, W_CREDITS))

    presence = min(math.log1p(row.tracks) / math.log1p(model["max_tracks"]), 1.0)
    factor = 1.0 + BOOST * presence
    values = {
        "popularity": (row.popularity or 0.0) / 100.0,
        "peak": (row.peak or 0.0) / 100.0,
        "seniority": 0.0
        if row.first_year is None
        else min(max((ERA_LAST - row.first_year) / (ERA_LAST - ERA_FIRST), 0.0), 1.0),
    }
    similarity = np.concatenate(parts)
    query = np.concatenate([similarity, [w for w, _ in PRIORS]])
    candidate = np.concatenate([similarity * factor, [values[name] for _, name in PRIORS]])
    cols = np.concatenate(sparse_cols) if sparse_cols else np.zeros(0, dtype=np.int64)
    vals = np.concatenate(sparse_vals) if sparse_vals else np.zeros(0)
    return (
        query.astype(np.float32),
        candidate.astype(np.float32),
        cols,
        vals.astype(np.float32),
        (vals * factor).astype(np.float32),
    )


def build_block(items, n_sparse):
    """One block of artists as matrices: ids, dense queries and candidates, sparse ones (CSR)."""
    items = sorted(items, key=lambda item: item[0])
    ids = np.array([a for a, *_ in items], dtype=np.int64)
    queries = np.stack([q for _, q, *_ in items])
    candidates = np.stack([c for _, _, c, *_ in items])
    indptr = np.cumsum([0] + [len(cols) for *_, cols, _, _ in items])
    cols = np.concatenate([cols for *_, cols, _, _ in items]).astype(np.int64)
    sq = np.concatenate([v for *_, v, _ in items]).astype(np.float32)
    sc = np.concatenate([v for *_, v in items]).astype(np.float32)
    shape = (len(items), max(n_sparse, 1))
    return (
        ids,
        queries,
        candidates,
        sparse.csr_matrix((sq, cols, indptr), shape=shape),
        sparse.csr_matrix((sc, cols, indptr), shape=shape),
    )


def best_k(scores, ids, k):
    """The k best (score, id) pairs of one row, best first, ties to the lower id."""
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = scores >= threshold
        scores, ids = scores[keep], ids[keep]
    order = np.lexsort((ids, -scores))[:k]
    return scores[order], ids[order]


def best_k_rows(scores, ids, k):
    """``best_k`` of every row of a matrix (``ids`` of the same shape): a partial selection per
    row, and the exact rule only for the rows with a tie at the k-th score."""
    n = scores.shape[1]
    k = min(k, n)
    if n > k:
        pick = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(scores, pick, 1)
        top_ids = np.take_along_axis(ids, pick, 1)
        ties = (scores >= top.min(axis=1)[:, None]).sum(axis=1) > k
        for r in np.flatnonzero(ties):
            top[r], top_ids[r] = best_k(scores[r], ids[r], k)
    else:
        top, top_ids = scores.copy(), ids.copy()
    order = np.lexsort((top_ids, -top), axis=-1)
    return np.take_along_axis(top, order, 1), np.take_along_axis(top_ids, order, 1)


def score_pair(pair, k):
    """The best k candidates of the candidate block for every query of the query block, keyed by
    the query block's first artist."""
    (q_ids, q_dense, _, q_sparse, _), (c_ids, _, c_dense, _, c_sparse) = pair
    scores = q_dense @ c_dense.T
    scores += (q_sparse @ c_sparse.T).toarray().astype(np.float32)
    scores[q_ids[:, None] == c_ids[None, :]] = -np.inf  # never an artist itself
    ids = np.broadcast_to(c_ids, scores.shape)
    return int(q_ids[0]), (q_ids, *best_k_rows(scores, ids, k))


def merge(x, y, k):
    """Two partial top-k lists of the same query block, merged."""
    q_ids, scores, ids = x
    return q_ids, *best_k_rows(np.hstack([scores, y[1]]), np.hstack([ids, y[2]]), k)


def mart_rows(block):
    """(query, rank, other, score) rows of one query block's lists."""
    q_ids, scores, ids = block
    for a, row_scores, row_ids in zip(q_ids, scores, ids):
        finite = np.isfinite(row_scores)
        for rank, (s, b) in enumerate(zip(row_scores[finite], row_ids[finite])):
            yield int(a), rank + 1, int(b), float(s)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lake", required=True, help="the lake folder (soundalike's --lake)")
    parser.add_argument("--out", help="lake folder to write related_artists to (default: --lake)")
    parser.add_argument("--partition", help="YYYY-MM-DD (default: the newest complete one)")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("-k", type=int, default=10, help="neighbours per artist (default 10)")
    parser.add_argument("--block-rows", type=int, default=2048)
    parser.add_argument("--driver-memory", default="2g")
    args = parser.parse_args(argv)
    if args.k < 1 or args.block_rows < 1:
        parser.error("-k and --block-rows must be positive")

    started = time.monotonic()
    stages = []

    def done(stage, since):
        now = time.monotonic()
        stages.append((stage, now - since))
        return now

    root = Path(args.lake).resolve()
    out_root = Path(args.out).resolve() if args.out else root
    partition = args.partition or lake.latest_complete_partition(root)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(args.master)
        .appName("soundalike-hybrid-mart")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t = done("spark start", started)

    def table(name, required=True):
        files = lake.committed_files(root, name, partition)
        if not files:
            if required:
                raise lake.LakeError(
                    f"table {name} has no committed partition {partition} at {root}"
                )
            return None
        return spark.read.parquet(*files)

    def rows_in(name):
        return sum(
            pq.ParquetFile(f).metadata.num_rows for f in lake.committed_files(root, name, partition)
        )

    # Artist indices: positions in artist-id order, as the catalog sorts them.
    # (Spark orders strings by their UTF-8 bytes, as Rust does.)
    artists = (
        table("artists")
        .select(
            "artist_id",
            "normalized_name",
            (F.row_number().over(Window.orderBy("artist_id")) - 1).cast("long").alias("a"),
        )
        .cache()
    )
    n_artists = artists.count()

    year = F.substring("album_release_date", 1, 4)
    tracks = (
        table("tracks")
        .join(artists.select("artist_id", "a"), "artist_id")
        .join(table("audio_features").drop("key", "mode"), "track_id", "left")
        .withColumn(
            "year",
            F.when(
                (F.octet_length("album_release_date") >= 4) & year.rlike(r"^\+?[0-9]+$"),
                year.cast("double"),
            ),
        )
        .withColumn(
            "pop",
            F.when(F.col("popularity").between(0, 255), F.col("popularity").cast("double")),
        )
        .cache()
    )
    aggregates = tracks.groupBy("a").agg(
        F.count(F.lit(1)).alias("tracks"),
        *[F.avg(F.col(f).cast("double")).cast("float").cast("double").alias(f) for f in FEATURES],
        F.avg("pop").alias("popularity"),
        F.max("pop").alias("peak"),
        F.avg("year").cast("float").cast("double").alias("mean_year"),
        F.min("year").alias("first_year"),
        F.countDistinct("album_id").alias("albums"),
    )

    # Label ids: positions in sorted order of the distinct values (one pass for all three).
    memberships = table("playlist_tracks")
    label_columns = (
        ("playlist_id", "playlist"),
        ("playlist_genre", "genre"),
        ("playlist_subgenre", "subgenre"),
    )
    distinct = memberships.agg(*[F.collect_set(c) for c, _ in label_columns]).first()
    labels, n_labels = {}, {}
    for (column, name), values in zip(label_columns, distinct):
        values = sorted(values)
        n_labels[name] = len(values)
        labels[name] = spark.createDataFrame(
            [(v, i) for i, v in enumerate(values)], f"{column} string, {name} long"
        )
    n_playlists = n_labels["playlist"]
    member_of = memberships.join(tracks.select("track_id", "a"), "track_id")
    counts = {}
    for column, name in label_columns:
        counts[name] = (
            member_of.join(F.broadcast(labels[name]), column)
            .groupBy("a", name)
            .agg(F.count(F.lit(1)).cast("double").alias("c"))
        )

    # Playlist IDF over all artists, and the unit log-TF × IDF rows.
    df = np.zeros(n_playlists)
    for p, d in counts["playlist"].groupBy("playlist").count().collect():
        df[p] = d
    idf = np.log((n_artists + 1.0) / (df + 1.0))
    idf_table = spark.createDataFrame(
        [(i, float(v)) for i, v in enumerate(idf)], "playlist long, idf double"
    )
    raw = (
        counts["playlist"]
        .join(F.broadcast(idf_table), "playlist")
        .select("a", "playlist", (F.log1p("c") * F.col("idf")).alias("x"))
    )
    norms = raw.groupBy("a").agg(F.sqrt(F.sum(F.col("x") * F.col("x"))).alias("norm"))
    unit_rows = (
        raw.join(norms, "a")
        .where(F.col("norm") > 0)
        .select("a", "playlist", (F.col("x") / F.col("norm")).alias("v"))
    )

    # Title credits, both ways round; a normalised name shared by several artists means the last.
    credits_udf = F.udf(lambda title: credited_names(title), T.ArrayType(T.StringType()))
    by_name = artists.groupBy("normalized_name").agg(F.max("a").alias("b"))
    named = (
        tracks.select("a", F.explode(credits_udf("track_name")).alias("normalized_name"))
        .join(by_name, "normalized_name")
        .where(F.col("a") != F.col("b"))
        .select("a", "b")
    )
    credits = (
        named.unionByName(named.select(F.col("b").alias("a"), F.col("a").alias("b")))
        .groupBy("a", "b")
        .agg(F.count(F.lit(1)).cast("double").alias("c"))
    )

    genres_table = table("artist_genres", required=False)
    n_tags = 0
    tags = None
    if genres_table is not None and rows_in("artist_genres"):
        tag_ids = sorted(r[0] for r in genres_table.select("genre").distinct().collect())
        n_tags = len(tag_ids)
        tag_table = spark.createDataFrame(list(enumerate(tag_ids)), "tag long, genre string")
        tags = (
            genres_table.join(artists.select("artist_id", "a"), "artist_id")
            .join(F.broadcast(tag_table), "genre")
            .groupBy("a")
            .agg(F.collect_set("tag").alias("tags"))
        )
    if rows_in("source_related"):
        print(
            "note: the lake has source-named related artists (live sources); soundalike puts them "
            "first in its lists, this job does not",
            file=sys.stderr,
        )

    def as_list(frame, key, name):
        return frame.groupBy("a").agg(
            F.collect_list(F.struct(F.col(key).cast("long"), F.col("c"))).alias(name)
        )

    profiles = (
        artists.select("a")
        .join(aggregates, "a", "left")
        .join(as_list(counts["playlist"], "playlist", "playlists"), "a", "left")
        .join(as_list(counts["genre"], "genre", "genres"), "a", "left")
        .join(as_list(counts["subgenre"], "subgenre", "subgenres"), "a", "left")
        .join(as_list(credits, "b", "credits"), "a", "left")
    )
    if tags is not None:
        profiles = profiles.join(tags, "a", "left")
    else:
        profiles = profiles.withColumn("tags", F.lit(None).cast("array<long>"))
    profiles = profiles.fillna({"tracks": 0}).cache()
    n_valid = profiles.where(F.col("tracks") > 0).count()
    t = done("profiles", t)

    # Fitted on every artist with tracks: feature moments, the largest track count.
    stats = (
        profiles.where(F.col("tracks") > 0)
        .agg(
            *[F.avg(f).alias(f"m_{f}") for f in FEATURES],
            *[F.stddev_pop(f).alias(f"s_{f}") for f in FEATURES],
            F.max("tracks").alias("max_tracks"),
        )
        .first()
    )
    moments = [(stats[f"m_{f}"] or 0.0, stats[f"s_{f}"] or 0.0) for f in FEATURES]
    max_tracks = max(stats["max_tracks"] or 1, 1)

    # The smoothing basis: leading eigenvectors of the playlist co-occurrence matrix.
    rank = min(SMOOTH_RANK, n_playlists) if n_playlists else 0
    basis = np.zeros((n_playlists, rank))
    if rank:
        left, right = unit_rows.alias("l"), unit_rows.alias("r")
        gram = np.zeros((n_playlists, n_playlists))
        pairs = (
            left.join(right, "a")
            .groupBy(F.col("l.playlist").alias("i"), F.col("r.playlist").alias("j"))
            .agg(F.sum(F.col("l.v") * F.col("r.v")).alias("g"))
        )
        for i, j, g in pairs.collect():
            gram[i, j] = g
        _, vectors = np.linalg.eigh(gram)  # ascending: the leading pairs are the last ones
        basis = vectors[:, ::-1][:, :rank].copy()
    t = done("basis", t)

    model = {
        "idf": idf,
        "basis": basis,
        "rank": rank,
        "n_playlists": n_playlists,
        "n_genres": n_labels["genre"],
        "n_subgenres": n_labels["subgenre"],
        "moments": moments,
        "max_tracks": max_tracks,
    }
    model_b = spark.sparkContext.broadcast(model)
    block_rows, k, n_sparse = args.block_rows, args.k, n_playlists + n_tags

    def rows_of(partition_rows):
        m = model_b.value
        for row in partition_rows:
            if row.tracks > 0:
                yield row.a // block_rows, (row.a, *artist_vectors(row, m))

    n_blocks = max(1, math.ceil(n_artists / block_rows))
    # P partitions of blocks make P² tasks of block pairs: about two per core.
    parallelism = spark.sparkContext.defaultParallelism
    block_partitions = min(n_blocks, max(1, math.ceil(math.sqrt(2 * parallelism))))
    blocks = (
        profiles.rdd.mapPartitions(rows_of)
        .groupByKey(numPartitions=block_partitions)
        .mapValues(lambda items: build_block(list(items), n_sparse))
        .values()
        .cache()
    )
    blocks.count()
    t = done("vectors", t)

    lists = (
        blocks.cartesian(blocks)
        .map(lambda pair: score_pair(pair, k))
        .reduceByKey(lambda x, y: merge(x, y, k), numPartitions=parallelism)
        .flatMap(lambda item: mart_rows(item[1]))
        .cache()
    )
    lists.count()  # once: the write below sorts, which would otherwise score twice
    t = done("top-k", t)
    mart = spark.createDataFrame(lists, "a long, rank int, b long, score float")
    ids = artists.select("a", "artist_id")
    others = artists.select(F.col("a").alias("b"), F.col("artist_id").alias("other_id"))
    mart = (
        mart.join(ids, "a")
        .join(others, "b")
        .select("artist_id", "other_id", "rank", "score", F.lit("hybrid").alias("algorithm"))
        .orderBy("artist_id", "rank")
        .coalesce(1)
    )

    folder = out_root / "related_artists" / f"dt={partition}"
    staging = folder / f".spark-{uuid.uuid4().hex}"
    folder.mkdir(parents=True, exist_ok=True)
    mart.write.option("compression", "zstd").parquet(str(staging))
    written = []
    for part in sorted(staging.glob("part-*.parquet")):
        rows = pq.ParquetFile(part).metadata.num_rows
        target = folder / part.name
        os.replace(part, target)
        written.append((part.name, rows))
    shutil.rmtree(staging)
    lake.commit_partition(out_root, "related_artists", partition, written)
    t = done("write", t)
    spark.stop()

    total = time.monotonic() - started
    rows = sum(r for _, r in written)
    print(
        f"hybrid mart by Spark ({args.master}): {n_artists} artists ({n_valid} with tracks), "
        f"{n_playlists} playlists, {rows} rows, partition {partition}, {n_blocks} blocks "
        f"of {block_rows} → {folder}"
    )
    print(
        "stages: " + ", ".join(f"{s} {sec:.1f} s" for s, sec in stages) + f"; total {total:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
