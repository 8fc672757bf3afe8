"""Could a smarter choice of lists cut the IVF scan at d = 64? A simulation.

Rows: N = 1M isotropic Gaussian, queries the first 1,000 rows, as `spill.py` makes them; here
a query is left out of its own true top 10 (`spill.py` keeps it, finding it in the nearest list
for free), so recalls are a little lower than its at the same probes. Lists: FAISS k-means, 1,000 lists. A true
neighbour counts as found when a probed list holds it (an exact rescoring would find it). For
each way of choosing lists, prints the share of rows scanned per query at recall@10 = 0.95
(interpolated), against `ann`'s way: the `probes` nearest centroids.

  * fixed: the p nearest centroids (what `ann` does), for several k-means settings;
  * per-query cut-offs, one threshold for all queries (so each query probes its own number of
    lists): centroid distance within a ratio or a difference of the nearest one's, and the
    expected number of true neighbours a list holds (its rows' spread about the centroid taken
    as isotropic), with the query's 10th-neighbour distance known (an oracle) or estimated
    from its nearest list alone (as round one could);
  * other orders of the lists (expected neighbours, centroid distance less a share of the
    list's spread, plus a share of its size or of the centroid's norm), p lists a query.

    OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE python3 bench/similarity/probing.py

About a minute on 2 cores (needs numpy and faiss-cpu, as bench.py).
"""

import math
import time

import faiss
import numpy as np

from spill import LISTS, N, QUERIES, gaussian_rows

D = 64
ALL = np.arange(QUERIES)[:, None]


def at_95(points):
    """Share scanned at recall 0.95, interpolated between (recall, share) points."""
    points = sorted(points, key=lambda p: p[1])
    for (r0, s0), (r1, s1) in zip(points, points[1:]):
        if r0 < 0.95 <= r1:
            return s0 + (s1 - s0) * (0.95 - r0) / (r1 - r0)
    return float("nan")


class Lists:
    def __init__(self, x, queries, truth, niter, per_list):
        kmeans = faiss.Kmeans(D, LISTS, niter=niter, seed=1, max_points_per_centroid=per_list)
        kmeans.train(x)
        self.centroids = kmeans.centroids
        index = faiss.IndexFlatL2(D)
        index.add(self.centroids)
        self.assign = index.search(x, 1)[1][:, 0]
        self.sizes = np.bincount(self.assign, minlength=LISTS)
        residual = x - self.centroids[self.assign]
        spread = np.bincount(self.assign, weights=(residual * residual).sum(1), minlength=LISTS)
        self.spread = spread / np.maximum(self.sizes, 1)  # mean squared distance to centroid
        self.distance = ((queries[:, None, :] - self.centroids[None, :, :]) ** 2).sum(2)
        self.order = np.argsort(self.distance, axis=1)
        self.truth_lists = self.assign[truth]

    def measure(self, probed):
        """(recall, share scanned) of a QUERIES × LISTS mask of probed lists."""
        found = probed[ALL, self.truth_lists].mean()
        return found, (probed * self.sizes[None, :]).sum(1).mean() / N

    def fixed(self, score=None):
        """The p best lists by `score` (default: nearest centroid) for several p."""
        order = self.order if score is None else np.argsort(-score, axis=1)
        rank = np.empty_like(order)
        rank[ALL, order] = np.arange(LISTS)[None, :]
        return at_95([self.measure(rank < p) for p in range(192, 640, 16)])

    def cut(self, score, thresholds):
        """Lists whose score reaches a threshold (the nearest always), for several thresholds."""
        points = []
        for t in thresholds:
            probed = score >= t
            probed[np.arange(QUERIES), self.order[:, 0]] = True
            points.append(self.measure(probed))
        return at_95(points)

    def expected(self, kth):
        """z-score and log expected count of rows of each list within `kth` of the query."""
        sd = np.sqrt(np.maximum(self.distance, 1e-9) * (self.spread[None, :] / D))
        with np.errstate(divide="ignore"):  # an empty list has no spread: z = +inf, none expected
            z = (self.spread[None, :] + self.distance - kth[:, None]) / (2 * sd)
        tail = 0.5 * np.vectorize(math.erfc, otypes=[np.float64])(z / math.sqrt(2.0))
        return z, np.log(np.maximum(self.sizes[None, :] * tail, 1e-300))


def main() -> None:
    started = time.time()
    x, distances, truth = gaussian_rows(D, 11)
    queries = x[:QUERIES]
    distances, truth = distances[:, 1:], truth[:, 1:]  # the query itself
    print("share of rows scanned per query at recall@10 0.95 (lower is better)")
    for niter, per_list in [(8, 64), (20, 64), (20, 256), (50, 256)]:
        lists = Lists(x, queries, truth, niter, per_list)
        print(f"  fixed probes, k-means {niter} rounds on {per_list} rows a list: {lists.fixed():.3f}")
    lists = Lists(x, queries, truth, 8, 64)  # `ann`'s defaults
    nearest = lists.distance[np.arange(QUERIES), lists.order[:, 0]][:, None]
    print(f"  per-query cut, distance ratio: {lists.cut(-lists.distance / nearest, -np.linspace(1.05, 1.6, 40)):.3f}")
    print(f"  per-query cut, distance difference: {lists.cut(nearest - lists.distance, -np.linspace(5, 60, 40)):.3f}")

    def nearest_list_kth(kk):
        out = np.empty(QUERIES)
        for i in range(QUERIES):
            rows = np.nonzero(lists.assign == lists.order[i, 0])[0]
            d2 = np.sort(((x[rows] - queries[i]) ** 2).sum(1))
            d2 = d2[d2 > 0]  # the query itself
            out[i] = d2[min(kk, len(d2)) - 1]
        return out

    for label, kth in [
        ("oracle 10th", distances[:, 9].astype(np.float64)),
        ("nearest list's 10th", nearest_list_kth(10)),
        ("nearest list's 40th", nearest_list_kth(40)),
    ]:
        z, expected = lists.expected(kth)
        print(f"  per-query cut, expected neighbours ({label}): {lists.cut(expected, np.linspace(-12, 2, 60)):.3f}")
        print(f"  per-query cut, z-score ({label}): {lists.cut(-z, -np.linspace(0, 8, 60)):.3f}")
    z, expected = lists.expected(distances[:, 9].astype(np.float64))
    print(f"  order by expected neighbours (oracle): {lists.fixed(expected):.3f}")
    print(f"  order by z-score (oracle): {lists.fixed(-z):.3f}")
    for a in [0.5, 1.0]:
        print(f"  order by distance - {a} spread: {lists.fixed(-(lists.distance - a * lists.spread[None, :])):.3f}")
    print(f"  order by distance + 0.002 size: {lists.fixed(-(lists.distance + 0.002 * lists.sizes[None, :])):.3f}")
    norms = (lists.centroids ** 2).sum(1)
    print(f"  order by distance + 0.1 |c|^2: {lists.fixed(-(lists.distance + 0.1 * norms[None, :])):.3f}")
    print(f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
