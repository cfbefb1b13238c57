"""Where SMOTE's synthetic points land: their parent pairs and the company they keep."""

from __future__ import annotations

import numpy as np

__all__ = ["smote_parents", "normal_neighbour_share", "nearest_distance"]


def smote_parents(X_minority, X_new) -> tuple[np.ndarray, np.ndarray]:
    """For each synthetic point, the pair of minority points whose segment it lies on (and its distance to it).

    SMOTE draws ``x_new = x_i + u (x_j - x_i)`` with ``u`` in [0, 1] and ``x_j``
    one of the k nearest minority neighbours of ``x_i``; imbalanced-learn does
    not return ``(i, j)``, so it is recovered as the closest segment.

    Returns
    -------
    pairs : numpy.ndarray, n_new x 2
        Row indices into ``X_minority``.
    distance : numpy.ndarray
        Distance of each synthetic point to its segment (0 up to rounding for SMOTE output).

    Examples
    --------
    >>> m = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 5.0]])
    >>> pairs, d = smote_parents(m, [[1.0, 0.0]])
    >>> sorted(pairs[0].tolist()), float(d[0])
    ([0, 1], 0.0)
    """
    A = np.asarray(X_minority, dtype=np.float64)
    Q = np.asarray(X_new, dtype=np.float64)
    if A.ndim != 2 or Q.ndim != 2 or A.shape[1] != Q.shape[1]:
        raise ValueError(
            f"X_minority and X_new must be 2-D with the same number of columns, got {A.shape} and {Q.shape}."
        )
    if len(A) < 2:
        raise ValueError("smote_parents needs at least two minority points (a segment has two ends).")
    best = np.full(len(Q), np.inf)
    pairs = np.zeros((len(Q), 2), dtype=np.int64)
    for i in range(len(A) - 1):
        d = A[i + 1 :] - A[i]  # segments from point i to every later point
        rel = Q - A[i]
        t = np.clip(rel @ d.T / np.einsum("ij,ij->i", d, d), 0, 1)  # n_new x n_seg
        dist = np.sqrt(
            np.maximum(
                np.einsum("ij,ij->i", rel, rel)[:, None]
                - 2 * t * (rel @ d.T)
                + t**2 * np.einsum("ij,ij->i", d, d)[None, :],
                0,
            )
        )
        k = dist.argmin(1)
        better = dist[np.arange(len(Q)), k] < best
        best[better] = dist[np.arange(len(Q)), k][better]
        pairs[better] = np.c_[np.full(better.sum(), i), i + 1 + k[better]]
    # the expansion above loses precision by cancellation; measure the chosen segments directly
    a, d = A[pairs[:, 0]], A[pairs[:, 1]] - A[pairs[:, 0]]
    t = np.clip(np.einsum("ij,ij->i", Q - a, d) / np.einsum("ij,ij->i", d, d), 0, 1)
    return pairs, np.linalg.norm(Q - (a + t[:, None] * d), axis=1)


def normal_neighbour_share(X_real, y_real, X_query, *, k: int = 5, exclude_self: bool = False) -> np.ndarray:
    """Share of normal (label 0) cases among the ``k`` nearest real cases of each query point.

    ``exclude_self=True`` when the queries are themselves rows of ``X_real``
    (leave-one-out: a point is not its own neighbour).

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0]]); y = np.array([0, 0, 0, 1])
    >>> normal_neighbour_share(X, y, [[0.05], [4.9]], k=1).tolist()
    [1.0, 0.0]
    """
    from sklearn.neighbors import NearestNeighbors

    from radkit._validate import check_count, check_labels

    X = np.asarray(X_real, dtype=np.float64)
    y = check_labels(y_real, "y_real").astype(np.int64)  # CheXpert's -1 or other codes are refused, not read as 1
    if len(X) != len(y):
        raise ValueError(f"X_real has {len(X)} rows but y_real has {len(y)} labels; pass one label per row.")
    k = check_count(k, "k", hint="the number of neighbours, e.g. 5")
    if k + int(exclude_self) > len(X):
        raise ValueError(f"k={k} neighbours need at least {k + int(exclude_self)} real cases; X_real has {len(X)}.")
    nn = NearestNeighbors(n_neighbors=k + int(exclude_self)).fit(X)
    _, idx = nn.kneighbors(np.asarray(X_query, dtype=np.float64))
    idx = idx[:, 1:] if exclude_self else idx
    return (y[idx] == 0).mean(1)


def nearest_distance(X_reference, X_query, *, exclude_self: bool = False) -> np.ndarray:
    """Euclidean distance from each query point to its nearest reference point.

    ``exclude_self=True`` when the queries are the reference points themselves.

    Examples
    --------
    >>> nearest_distance([[0.0], [1.0], [3.0]], [[0.0], [1.0], [3.0]], exclude_self=True).tolist()
    [1.0, 1.0, 2.0]
    """
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X_reference, dtype=np.float64)
    nn = NearestNeighbors(n_neighbors=1 + int(exclude_self)).fit(X)
    dist, _ = nn.kneighbors(np.asarray(X_query, dtype=np.float64))
    return dist[:, -1]
