"""Draw pathologies into the attenuation map and record where they are.

Each pathology is rendered only on the cases that have it (an index subset of
the chunk), then added back with ``index_add_``. Its conspicuity comes from the
per-case ``strength`` (1 = obvious, near 0 = nearly invisible) that
``difficulty`` shapes. Masks are where the pathology is drawn, inside the lung
field it occupies (cardiomegaly: the heart).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from radkit.synth.anatomy import grid, lung_shape, ramp
from radkit.synth.spec import PATHOLOGIES

__all__ = ["render_pathologies"]


def _lesion_centre(c: dict[str, torch.Tensor], idx: torch.Tensor, j: int) -> tuple[torch.Tensor, ...]:
    """Centre (x, y) of pathology ``j``'s lesion inside its lung, plus the side."""
    side = c["side"][idx, j].long()
    pick = lambda t: t[idx].gather(1, side[:, None]).squeeze(1)
    L, y_top, y_base = pick(c["L"]), pick(c["y_top"]), pick(c["y_base"])
    d_med = c["d_med"][idx]
    u0, u1 = c["pos"][idx, j, 0], c["pos"][idx, j, 1]
    yfrac = 0.18 + 0.62 * u1
    width = L * (1.0 - 0.40 * (1.0 - yfrac) ** 2)
    dfrac = 0.30 + 0.50 * u0
    behind_heart = (side == 1) & (yfrac > 0.42)
    dfrac = torch.where(behind_heart, 0.62 + 0.25 * u0, dfrac)
    d = d_med + dfrac * (width - d_med)
    sign = side.to(d.dtype) * 2.0 - 1.0
    return c["cx"][idx] + sign * d, y_top + yfrac * (y_base - y_top), side


def _add(t: torch.Tensor, idx: torch.Tensor, delta: torch.Tensor) -> None:
    """``t[idx] += delta`` for unique ``idx`` (``index_add_`` is very slow on small CPU tensors)."""
    t[idx] = t[idx] + delta


def _v(t: torch.Tensor) -> torch.Tensor:
    return t.view(-1, 1, 1, 1)


def render_pathologies(
    c: dict[str, torch.Tensor], anat: dict[str, torch.Tensor], tex: torch.Tensor, *, want_masks: bool
) -> dict[str, torch.Tensor]:
    """Add every drawn pathology to ``anat['atten']`` / ``anat['markings']`` in place.

    Returns a dict pathology -> bool mask (N,1,H,W) when ``want_masks``.
    """
    atten, markings, lung_vis = anat["atten"], anat["markings"], anat["lung_vis"]
    n, _, h, w = atten.shape
    dev = atten.device
    x, y = grid(h, w, dev)
    sharp = w / 3.0
    px = 2.0 / w
    present, strength, sev = c["present"], c["strength"], c["severity"]
    masks: dict[str, torch.Tensor] = {}

    def new_mask() -> torch.Tensor:
        return torch.zeros(n, 1, h, w, dtype=torch.bool, device=dev)

    def side_lung(idx: torch.Tensor, side: torch.Tensor) -> torch.Tensor:
        return lung_vis[idx].gather(1, side.view(-1, 1, 1, 1).expand(-1, 1, h, w))

    # -- nodule / mass: a soft sphere, diameter in mm from severity --
    j = PATHOLOGIES.index("nodule")
    idx = present[:, j].nonzero().flatten()
    m = new_mask() if want_masks else None
    if idx.numel():
        xc, yc, side = _lesion_centre(c, idx, j)
        r = _v(sev[idx, j] / 2.0 / c["mm_per_unit"][idx])
        s = _v(strength[idx, j])
        q = ((x - _v(xc)) ** 2 + (y - _v(yc)) ** 2) / (r * r)
        prof = (1.0 - q).clamp_min(0.0)
        prof = prof * (2.0 - prof)  # sphere-like profile without a sqrt
        lv = side_lung(idx, side)
        _add(atten, idx, (0.10 + 0.22 * s) * prof * lv.clamp_min(0.3))
        if m is not None:
            rm = r.clamp_min(px)
            m[idx] = ((x - _v(xc)) ** 2 + (y - _v(yc)) ** 2 <= rm * rm) & (lv > 0.5)
    if m is not None:
        masks["nodule"] = m

    # -- consolidation: a blotchy airspace opacity confined to its lung --
    j = PATHOLOGIES.index("consolidation")
    idx = present[:, j].nonzero().flatten()
    m = new_mask() if want_masks else None
    if idx.numel():
        xc, yc, side = _lesion_centre(c, idx, j)
        L = c["L"][idx].gather(1, side[:, None]).squeeze(1)
        area = (L - c["d_med"][idx]) * (c["y_base"][idx].mean(1) - c["y_top"][idx].mean(1)) * 0.75
        rx = _v((sev[idx, j] / 100.0 * area / torch.pi).sqrt() * 1.1)
        s = _v(strength[idx, j])
        q = ((x - _v(xc)) / rx) ** 2 + ((y - _v(yc)) / (0.9 * rx)) ** 2
        blot = F.interpolate(tex[idx, 2:3], size=(h, w), mode="bilinear", align_corners=False)
        field = ramp((1.0 - q) + 0.45 * blot, sharp * 0.08)
        lv = side_lung(idx, side)
        opac = field * lv
        _add(atten, idx, (0.03 + 0.12 * s) * opac)
        markings[idx] *= 1.0 - 0.6 * opac
        if m is not None:
            m[idx] = (field > 0.5) & (lv > 0.5)
    if m is not None:
        masks["consolidation"] = m

    # -- pleural effusion: dependent fluid with a meniscus, blunting the angle --
    j = PATHOLOGIES.index("effusion")
    idx1 = present[:, j].nonzero().flatten()
    m = new_mask() if want_masks else None
    if idx1.numel():
        side1 = c["side"][idx1, j].long()
        both = c["bilateral"][idx1] > 0
        idx = torch.cat([idx1, idx1[both]])
        side = torch.cat([side1, 1 - side1[both]])
        pick = lambda t: t[idx].gather(1, side[:, None]).squeeze(1)
        L, y_top, y_base = _v(pick(c["L"])), _v(pick(c["y_top"])), _v(pick(c["y_base"]))
        s = _v(strength[idx, j])
        hf = _v(sev[idx, j] / 100.0) * (y_base - y_top)
        sign = _v(side.to(x.dtype) * 2.0 - 1.0)
        d = (x - _v(c["cx"][idx])) * sign
        dome = y_base + 1.1 * (d - 0.45 * L) ** 2
        top = dome - hf - 1.0 * hf * (d / L).clamp(0.0, 1.0) ** 2
        fl = (
            ramp(y - top, sharp * 0.5)
            * ramp(L + 0.02 - d, sharp)
            * ramp(d - _v(c["d_med"][idx]), sharp * 0.15)
            * ramp(dome + 0.06 - y, sharp * 0.3)
        )
        dens = (0.03 + 0.10 * s) * fl * ramp(y - top - 0.02, sharp * 0.2).clamp_min(0.5)
        k1 = idx1.numel()
        for part, rows in ((slice(0, k1), idx1), (slice(k1, None), idx1[both])):  # unique rows per part
            if rows.numel():
                _add(atten, rows, dens[part])
                markings[rows] = markings[rows] * (1.0 - 0.8 * fl[part])
        if m is not None:
            lv = side_lung(idx, side)
            val = (fl > 0.5) & (lv > 0.5)
            k1 = idx1.numel()
            m[idx1] = val[:k1]
            m[idx1[both]] = m[idx1[both]] | val[k1:]
    if m is not None:
        masks["effusion"] = m

    # -- cardiomegaly: the heart is already drawn at its CTR; its mask is the heart --
    j = PATHOLOGIES.index("cardiomegaly")
    if want_masks:
        masks["cardiomegaly"] = (anat["heart"] > 0.5) & _v(present[:, j] > 0)

    # -- pneumothorax: a pleural line, with no lung markings lateral to it --
    j = PATHOLOGIES.index("pneumothorax")
    idx = present[:, j].nonzero().flatten()
    m = new_mask() if want_masks else None
    if idx.numel():
        side = c["side"][idx, j].long()
        pick = lambda t: t[idx].gather(1, side[:, None]).squeeze(1)
        L, y_top, y_base = _v(pick(c["L"])), _v(pick(c["y_top"])), _v(pick(c["y_base"]))
        d_med = _v(c["d_med"][idx])
        rim = _v(sev[idx, j] / c["mm_per_unit"][idx])
        s = _v(strength[idx, j])
        sign = _v(side.to(x.dtype) * 2.0 - 1.0)
        d = (x - _v(c["cx"][idx])) * sign
        outer = lung_shape(d, y, L, y_top, y_base, d_med, sharp)
        inner = lung_shape(d, y, L - rim, y_top + 1.3 * rim, y_base, d_med, sharp)
        region = outer * (1.0 - inner)
        line = 4.0 * inner * (1.0 - inner) * outer
        markings[idx] *= 1.0 - region
        _add(atten, idx, -(0.015 + 0.04 * s) * region + (0.03 + 0.06 * s) * line)
        if m is not None:
            m[idx] = (region > 0.5) & (side_lung(idx, side) > 0.5)
    if m is not None:
        masks["pneumothorax"] = m
    return masks
