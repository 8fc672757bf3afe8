"""Would a second list per row (SOAR spilled assignment) cut the IVF scan? A simulation.

Rows: N = 1M isotropic Gaussian (numpy seed 42), queries the first 1,000 rows, true top 10 by
FAISS IndexFlatL2; 1,000 k-means lists (FAISS, 20 iterations). For probes p, prints recall@10
(a true neighbour counts when a probed list holds it, as an exact rescoring would find it)
and the share of rows scanned per query (a spilled row counts once per list). "plain" is one
list per row (what `ann` builds); "soar λ" adds each row to a second list, the one among its
15 next-nearest centroids minimising ‖x − c‖² + λ ⟨r, x − c⟩² / ‖r‖² with r the residual to
its first centroid (Sun et al., "SOAR", NeurIPS 2023; λ = 0 is the second-nearest centroid).

    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE python3 bench/similarity/spill.py [d]

d = 64 by default. It took 465 s at d=64 beside a CI build; with FAISS's default (2 spinning
OpenMP threads) on the same busy cores, the exact top 10 alone had not finished after 9 minutes.
"""

import sys
import time

import faiss
import numpy as np

N, LISTS, QUERIES = 1_000_000, 1000, 1000
PROBES = [32, 64, 96, 128, 192, 256, 320, 384, 448, 512]


def gaussian_rows(d: int, k: int):
    """N isotropic Gaussian rows of d columns (numpy seed 42), and the exact top k (squared
    distances and row ids, the query itself included) of the first QUERIES rows."""
    x = np.random.default_rng(42).standard_normal((N, d), dtype=np.float32)
    flat = faiss.IndexFlatL2(d)
    flat.add(x)
    distances, truth = flat.search(x[:QUERIES], k)
    return x, distances, truth


def main() -> None:
    d = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    started = time.time()
    x, _, truth = gaussian_rows(d, 10)
    queries = x[:QUERIES]
    kmeans = faiss.Kmeans(d, LISTS, niter=20, seed=1, max_points_per_centroid=256)
    kmeans.train(x)
    centroids = kmeans.centroids
    index = faiss.IndexFlatL2(d)
    index.add(centroids)
    _, near = index.search(x, 16)
    _, order = index.search(queries, LISTS)
    rank = np.empty((QUERIES, LISTS), dtype=np.int64)
    rank[np.arange(QUERIES)[:, None], order] = np.arange(LISTS)[None, :]
    first = near[:, 0]
    residual = x - centroids[first]
    residual_norm = np.maximum((residual * residual).sum(1), 1e-9)

    def spill(lam: float) -> np.ndarray:
        best = np.empty(N, dtype=np.int64)
        best_loss = np.full(N, np.inf, dtype=np.float32)
        for j in range(1, near.shape[1]):
            c = near[:, j]
            diff = x - centroids[c]
            loss = (diff * diff).sum(1) + lam * (residual * diff).sum(1) ** 2 / residual_norm
            better = loss < best_loss
            best[better], best_loss[better] = c[better], loss[better]
        return best

    def curve(assignments: list, label: str) -> None:
        sizes = sum(np.bincount(a, minlength=LISTS) for a in assignments)
        scanned = np.cumsum(sizes[order], axis=1)
        found = np.min([rank[np.arange(QUERIES)[:, None], a[truth]] for a in assignments], axis=0)
        cells = (f"p{p}: {(found < p).mean():.3f} / {scanned[:, p - 1].mean() / N:.3f}" for p in PROBES)
        print(f"{label:9}", "  ".join(cells), flush=True)

    print(f"d={d}: recall@10 / share of rows scanned per query")
    curve([first], "plain")
    for lam in [0.0, 1.0, 4.0]:
        curve([first, spill(lam)], f"soar {lam:g}")
    print(f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
