"""The self-checks of solutions/08_generalization.ipynb accept right answers and give the right hints."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from radkit.checks import _verdict, passed
from radkit.generalization import match_histograms


def test_08_1_site_only_auc_against_sklearn():
    ctx = dict(n_a=500, prev_a=0.34, n_b=500, prev_b=0.012)
    y = np.r_[np.ones(170), np.zeros(330), np.ones(6), np.zeros(494)]
    score = np.r_[np.ones(500), np.zeros(500)]
    right = roc_auc_score(y, score)  # independent reference: the same pooled set, scored by site
    assert passed("08.1", right, **ctx)
    assert "opposite" in _verdict("08.1", 1 - right, **ctx)
    pos_a, neg_b = 170, 494
    assert "half a win" in _verdict("08.1", pos_a * neg_b / (176 * 824), **ctx)
    assert "between 0 and 1" in _verdict("08.1", 1.7, **ctx)


def test_08_2_histogram_matching():
    g = np.random.default_rng(0)
    img, ref = g.random((12, 12)) ** 2, g.random((12, 12)) ** 0.5

    def right(image, reference):
        return match_histograms(image[None, None], reference).numpy()[0, 0]

    assert passed("08.2", right, image=img, reference=ref)
    assert "give the function" in _verdict("08.2", right(img, ref), image=img, reference=ref)
    assert "unchanged" in _verdict("08.2", lambda a, b: a, image=img, reference=ref)
    assert "wrong places" in _verdict(
        "08.2", lambda a, b: np.sort(right(a, b).ravel()).reshape(a.shape), image=img, reference=ref
    )


def test_08_3_drop_after_harmonization():
    g = np.random.default_rng(1)
    yi, ye = g.integers(0, 2, 200), g.integers(0, 2, 200)
    raw = (yi + g.normal(0, 0.5, 200), ye + g.normal(0, 1.5, 200))
    harm = (yi + g.normal(0, 0.5, 200), ye + g.normal(0, 1.0, 200))
    ctx = dict(y_internal=yi, y_external=ye, raw=raw, harmonized=harm)
    d = lambda p: roc_auc_score(yi, p[0]) - roc_auc_score(ye, p[1])
    assert passed("08.3", d(harm) / d(raw), **ctx)
    assert "upside down" in _verdict("08.3", d(raw) / d(harm), **ctx)
    assert "share removed" in _verdict("08.3", 1 - d(harm) / d(raw), **ctx)
    assert "difference of drops" in _verdict("08.3", d(harm) - d(raw), **ctx)
    # the do-nothing answer: "harmonized" scores that are the raw ones (ratio 1) get a hint
    same = dict(ctx, harmonized=raw)
    assert "same scores as raw" in _verdict("08.3", 1.0, **same)
