"""The localization model trains through radkit.train.fit; the marker box is where synth burns the token."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radkit import explain, synth


def test_localizer_learns_where_a_blob_is():
    gen = torch.Generator().manual_seed(0)
    n = 96
    X = torch.rand(n, 1, 16, 16, generator=gen) * 0.2
    masks = torch.zeros(n, 1, 16, 16, dtype=torch.bool)
    y = (torch.rand(n, generator=gen) < 0.5).float()[:, None]
    for i in np.flatnonzero(y[:, 0].numpy()):
        r, c = torch.randint(0, 12, (2,), generator=gen).tolist()
        masks[i, 0, r : r + 4, c : c + 4] = True
        X[i, 0, r : r + 4, c : c + 4] += 0.8
    net = explain.LocalizationNet(1, width=4, seed=0)
    before = explain.energy_in_mask(net.maps(X[y[:, 0] == 1])[:, 0], masks[y[:, 0] == 1])
    explain.fit_localizer(net, X, y, masks, num_epochs=15, lr=2e-2, batch_size=32, progress=False, seed=0)
    assert not net.emit_maps  # restored after training
    pos = y[:, 0] == 1
    after = explain.energy_in_mask(net.maps(X[pos])[:, 0], masks[pos])
    assert after.mean() > before.mean() + 0.1
    assert net(X).shape == (n, 1)
    with pytest.raises(ValueError, match="masks N x 1"):
        explain.fit_localizer(net, X, y, masks[:, :, :8], num_epochs=1, lr=1e-2, progress=False, seed=0)


def test_marker_region_covers_the_burned_pixels():
    sites = [
        synth.Site("A", marker="L", marker_rate=1.0, marker_corner="tl", noise=0.0),
        synth.Site("B", marker="PR", marker_rate=1.0, marker_corner="br", noise=0.0),
    ]
    for size in (64, 128):
        data = synth.generate(12, size=size, seed=0, sites=sites, masks=False, device="cpu")
        region = explain.marker_region(data.meta, size=size, sites=sites, margin=0)
        bright = data.images[:, 0].numpy() >= 0.959  # the token is burned at 0.96
        token = bright & region
        # every image's token pixels are inside its box, and the box holds the token
        assert token.any(axis=(1, 2)).all()
        outside = bright & ~explain.marker_region(data.meta, size=size, sites=sites, margin=size)
        assert not outside.any()
        assert region.sum(axis=(1, 2)).min() > 0


def test_marker_region_bad_input():
    import pandas as pd

    with pytest.raises(ValueError, match="'marker' column"):
        explain.marker_region(pd.DataFrame({"site": ["A"]}), size=64)
    with pytest.raises(ValueError, match="not among"):
        explain.marker_region(pd.DataFrame({"site": ["Z"], "marker": [1]}), size=64)
