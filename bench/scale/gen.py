#!/usr/bin/env python3
"""Inputs for bench/scale: track tables in the bundled CSV layout, bigger than the bundled one.

  gen.py copies K OUT.csv
      K copies of the bundled table. Copy 0 is the bundled data unchanged; copy c > 0 suffixes
      every id and name that makes an entity (track, artist, album, playlist) with "~c", so each
      copy is a disjoint catalog of the same shape, and jitters the nine continuous audio features
      by a uniform ±0.02 (clamped to 0..1 for the 0..1 features). Deterministic (seed per copy).

  gen.py synthetic --artists N [--playlists M] [--tracks-per-artist T] [--playlist-size S]
                   [--extra-memberships E] [--seed X] OUT.csv
      A synthetic catalog of N artists with a long tail: tracks per artist follow a Pareto law
      (mean T, default 2.65 as in the bundled data; a few artists have hundreds), playlists
      (default rows / S: about N / 23, the bundled ratio) draw their sizes from a log-normal law (mean S tracks,
      default 70, capped at 5,000), artists belong to scenes inside the bundled data's 24
      subgenres and playlists mostly draw from one scene and its subgenre, popular tracks sit in
      more playlists (E extra rows per track on average, default 0.16), and audio features,
      release years and popularity vary around each artist's own centre. Deterministic (--seed).

Only the Python standard library is used.
"""

import argparse
import csv
import gzip
import io
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "..", "..", "data", "tidytuesday_2020-01-21_spotify_songs.csv.gz")

COLUMNS = [
    "track_id", "track_name", "track_artist", "track_popularity", "track_album_id",
    "track_album_name", "track_album_release_date", "playlist_name", "playlist_id",
    "playlist_genre", "playlist_subgenre", "danceability", "energy", "key", "loudness", "mode",
    "speechiness", "acousticness", "instrumentalness", "liveness", "valence", "tempo",
    "duration_ms",
]
UNIT_FEATURES = ["danceability", "energy", "speechiness", "acousticness", "instrumentalness",
                 "liveness", "valence"]
OTHER_FEATURES = ["loudness", "tempo"]
SUFFIXED = ["track_id", "track_name", "track_artist", "track_album_id", "track_album_name",
            "playlist_name", "playlist_id"]

SUBGENRES = {
    "edm": ["big room", "electro house", "pop edm", "progressive electro house"],
    "latin": ["latin hip hop", "latin pop", "reggaeton", "tropical"],
    "pop": ["dance pop", "electropop", "indie poptimism", "post-teen pop"],
    "r&b": ["hip pop", "neo soul", "new jack swing", "urban contemporary"],
    "rap": ["gangster rap", "hip hop", "southern hip hop", "trap"],
    "rock": ["album rock", "classic rock", "hard rock", "permanent wave"],
}


def copies(k, out):
    with gzip.open(BUNDLED, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for c in range(k):
            rng = random.Random(c)
            for row in rows:
                if c > 0:
                    row = dict(row)
                    for col in SUFFIXED:
                        if row[col] not in ("", "NA"):
                            row[col] = f"{row[col]}~{c}" if col.endswith("_id") else f"{row[col]} ~{c}"
                    for col in UNIT_FEATURES + OTHER_FEATURES:
                        if row[col] not in ("", "NA"):
                            v = float(row[col]) + rng.uniform(-0.02, 0.02)
                            if col in UNIT_FEATURES:
                                v = min(1.0, max(0.0, v))
                            row[col] = f"{v:.6g}"
                w.writerow(row)
    print(f"{out}: {k} copies, {k * len(rows)} rows", file=sys.stderr)


def pareto_count(rng, mean, cap):
    """A Pareto-tailed count ≥ 1 of about the given mean: the integer part of a Pareto variate
    of mean `mean + 0.5` (alpha from mean = alpha / (alpha - 1))."""
    alpha = (mean + 0.5) / (mean - 0.5)
    return min(cap, int(rng.paretovariate(alpha)))


def synthetic(a, out):
    rng = random.Random(a.seed)
    n = a.artists
    subs = [(g, s) for g, ss in SUBGENRES.items() for s in ss]
    # Scenes: groups of about 60 artists inside a subgenre; playlists draw mostly from one.
    scenes = max(len(subs), n // 60)
    scene_sub = [i % len(subs) for i in range(scenes)]
    artist_scene = [rng.randrange(scenes) for _ in range(n)]
    # Tracks per artist: long tail.
    tracks_of = [pareto_count(rng, a.tracks_per_artist, 500) for _ in range(n)]
    artist_pop = [rng.betavariate(2, 3) * 100 for _ in range(n)]
    centre = [[rng.betavariate(2, 2) for _ in UNIT_FEATURES] for _ in range(n)]
    debut = [int(min(2020, max(1955, rng.gauss(2008, 12)))) for _ in range(n)]
    # Tracks: (artist, popularity weight).
    track_artist = []
    for artist, count in enumerate(tracks_of):
        track_artist.extend([artist] * count)
    t_total = len(track_artist)
    by_scene = [[] for _ in range(scenes)]
    for t, artist in enumerate(track_artist):
        by_scene[artist_scene[artist]].append(t)
    # Playlists: a scene each, log-normal sizes scaled so the sizes sum to the rows wanted.
    rows_wanted = int(t_total * (1.0 + a.extra_memberships))
    m = a.playlists or max(1, round(rows_wanted / a.playlist_size))
    sigma = 1.0
    weights = [rng.lognormvariate(0, sigma) for _ in range(m)]
    scale = rows_wanted / sum(weights)
    sizes = [max(1, min(5000, round(w * scale))) for w in weights]
    playlist_scene = [rng.randrange(scenes) for _ in range(m)]
    # Every track in one playlist of its scene (a scene without a playlist borrows one), then
    # extra memberships for popular tracks, mostly within the playlist's scene.
    playlists_of_scene = [[] for _ in range(scenes)]
    for p, s in enumerate(playlist_scene):
        playlists_of_scene[s].append(p)
    members = [[] for _ in range(m)]
    for s in range(scenes):
        ps = playlists_of_scene[s] or [rng.randrange(m)]
        cum, acc = [], 0.0
        for p in ps:
            acc += sizes[p]
            cum.append(acc)
        for t in by_scene[s]:
            x = rng.random() * acc
            lo, hi = 0, len(cum) - 1
            while lo < hi:
                mid = (lo + hi) // 2
                if cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            members[ps[lo]].append(t)
    for p in range(m):
        room = sizes[p] - len(members[p])
        if room <= 0:
            continue
        own = by_scene[playlist_scene[p]]
        sub = scene_sub[playlist_scene[p]]
        seen = set(members[p])
        for _ in range(room):
            if own and rng.random() < 0.7:
                t = own[rng.randrange(len(own))]
            else:
                # Another scene of the same subgenre.
                s = rng.randrange(scenes // len(subs) + 1) * len(subs) + sub
                pool = by_scene[s] if s < scenes else own
                if not pool:
                    continue
                t = pool[rng.randrange(len(pool))]
            # Popular tracks are kept, unpopular ones often skipped: preferential attachment.
            if rng.random() * 100 > artist_pop[track_artist[t]] + 20 or t in seen:
                continue
            seen.add(t)
            members[p].append(t)
    # Track attributes.
    track_year, track_pop, track_feat = [], [], []
    for t in range(t_total):
        artist = track_artist[t]
        track_year.append(min(2020, debut[artist] + int(rng.expovariate(1 / 4))))
        track_pop.append(int(min(100, max(0, rng.gauss(artist_pop[artist], 12)))))
        track_feat.append([min(1.0, max(0.0, c + rng.gauss(0, 0.08))) for c in centre[artist]])
    buf = io.StringIO()
    written = 0
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        for p in range(m):
            genre, sub = subs[scene_sub[playlist_scene[p]]]
            for t in members[p]:
                artist = track_artist[t]
                feat = track_feat[t]
                y = track_year[t]
                loud = -12 + 10 * feat[1] + rng.gauss(0, 1.5)
                tempo = 80 + 80 * feat[0] + rng.gauss(0, 10)
                buf.write(
                    f"t{t:08d},Track {t},Artist {artist},{track_pop[t]},al{t // 8:08d},"
                    f"Album {t // 8},{y}-01-01,Playlist {p},pl{p:07d},{genre},{sub},"
                    f"{feat[0]:.3f},{feat[1]:.3f},{rng.randrange(12)},{loud:.3f},"
                    f"{rng.randrange(2)},{feat[2] * 0.4:.4f},{feat[3]:.4f},"
                    f"{feat[4] ** 3:.4f},{feat[5] * 0.5:.4f},{feat[6]:.3f},{tempo:.3f},"
                    f"{rng.randrange(120000, 300000)}\n"
                )
                written += 1
            if buf.tell() > 1 << 22:
                f.write(buf.getvalue())
                buf = io.StringIO()
        f.write(buf.getvalue())
    print(f"{out}: {n} artists, {t_total} tracks, {m} playlists, {written} rows", file=sys.stderr)


def atomically(write, out):
    """`write(path)` into a temporary file beside `out`, renamed over it when complete, so an
    interrupted run never leaves a truncated input behind for run.sh to reuse."""
    tmp = f"{out}.partial"
    write(tmp)
    os.replace(tmp, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("copies")
    c.add_argument("k", type=int)
    c.add_argument("out")
    s = sub.add_parser("synthetic")
    s.add_argument("--artists", type=int, required=True)
    s.add_argument("--playlists", type=int, default=0)
    s.add_argument("--tracks-per-artist", type=float, default=2.65)
    s.add_argument("--playlist-size", type=float, default=70)
    s.add_argument("--extra-memberships", type=float, default=0.16)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("out")
    a = ap.parse_args()
    if a.cmd == "copies":
        atomically(lambda path: copies(a.k, path), a.out)
    else:
        atomically(lambda path: synthetic(a, path), a.out)


if __name__ == "__main__":
    main()
