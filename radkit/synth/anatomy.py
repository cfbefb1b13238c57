"""Render normal thoracic anatomy as an attenuation map, a whole batch at once.

Coordinates are normalised: ``x`` runs from -1 (image left = patient right)
to 1, ``y`` from -1 (top) to 1. Every structure is a smooth implicit shape: a
signed function that is positive inside, turned into a soft 0-1 mask by a
clamped ramp about 1.5 pixels wide. Most terms depend on ``x`` or ``y`` alone,
so they are computed on a row or a column and broadcast, which keeps the full
image-sized arithmetic to a few dozen passes per chunk.

Higher attenuation renders brighter (bone, heart, fluid); the lungs are
tissue replaced by air, so they subtract.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["grid", "ramp", "lung_shape", "render_anatomy"]


def grid(h: int, w: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Column ``x`` (1x1x1xW) and row ``y`` (1x1xHx1) coordinates in [-1, 1]."""
    x = torch.linspace(-1.0, 1.0, w, device=device, dtype=torch.float32).view(1, 1, 1, w)
    y = torch.linspace(-1.0, 1.0, h, device=device, dtype=torch.float32).view(1, 1, h, 1)
    return x, y


def ramp(v: torch.Tensor, sharp: float) -> torch.Tensor:
    """Soft inside-mask of a signed function: 0 outside, 1 inside, linear across the edge."""
    return (v * sharp + 0.5).clamp_(0.0, 1.0)


def lung_shape(
    d: torch.Tensor,
    y: torch.Tensor,
    L: torch.Tensor,
    y_top: torch.Tensor,
    y_base: torch.Tensor,
    d_med: torch.Tensor,
    sharp: float,
) -> torch.Tensor:
    """Soft lung field in the distance-from-midline coordinate ``d``.

    Intersection (minimum) of four signed terms: a rounded apex, a lateral wall
    that widens towards the base, a straight medial edge and a domed
    hemidiaphragm whose lateral end makes the costophrenic angle.
    """
    h = (y_base - y_top).clamp_min(0.2)
    r = ((y_base - y) / h).clamp(0.0, 1.0)
    lateral = L * (1.0 - 0.30 * r * r) - d
    d_apex = d_med + 0.42 * (L - d_med)
    apex = (y - y_top) - 1.7 * (d - d_apex) ** 2
    dome = (y_base + 1.1 * (d - 0.45 * L) ** 2) - y
    v = torch.minimum(torch.minimum(lateral, apex), torch.minimum(dome, d - d_med))
    return ramp(v, sharp)


def _col(t: torch.Tensor) -> torch.Tensor:
    """Per-case scalar (N,) -> (N,1,1,1); per-case-and-side (N,2) -> (N,2,1,1)."""
    return t.reshape(t.shape[0], -1, 1, 1)


def render_anatomy(c: dict[str, torch.Tensor], tex: torch.Tensor, h: int, w: int) -> dict[str, torch.Tensor]:
    """Attenuation of the normal chest and the fields pathologies need.

    Parameters
    ----------
    c : dict of tensors
        Per-case parameters from :func:`radkit.synth.patients.draw_cases`,
        already float32 tensors on the target device.
    tex : torch.Tensor
        Low-resolution normal noise, N x 2 x g x g (lung markings, soft tissue).
    h, w : int
        Image size.

    Returns
    -------
    dict
        ``atten`` (N,1,H,W), ``lung`` (N,2,H,W) soft lung fields per side
        (0 = image left = patient right), ``heart`` (N,1,H,W) soft heart,
        ``markings`` (N,1,H,W) vascular markings already limited to the lungs.
    """
    dev = tex.device
    n = tex.shape[0]
    x, y = grid(h, w, dev)
    sharp = w / 3.0
    cx = _col(c["cx"])
    sign = torch.tensor([-1.0, 1.0], device=dev).view(1, 2, 1, 1)
    d = (x - cx) * sign  # (N,2,1,W): distance from the midline, per side
    L, y_top, y_base = _col(c["L"]), _col(c["y_top"]), _col(c["y_base"])
    d_med = _col(c["d_med"])

    lung = lung_shape(d, y, L, y_top, y_base, d_med, sharp)  # (N,2,H,W)

    # heart: a slightly sheared ellipse sitting on the diaphragm, 1/3 right of midline
    width = _col(c["ctr"] * c["heart_mag"]) * (c["L"].sum(1).view(n, 1, 1, 1))
    yb = y_base.mean(1, keepdim=True)
    b = 0.34 + 0.2 * (width - 0.55).clamp_min(0.0)
    k = 0.30
    a = ((width / 2) ** 2 - (k * b) ** 2).clamp_min(1e-3).sqrt()
    xh, yh = cx + width / 6, yb + 0.0
    q = ((x - xh - k * (y - yh)) / a) ** 2 + ((y - yh) / b) ** 2
    heart = ramp((1.0 - q) * a * 0.5, sharp)

    # mediastinum (with the aortic knob, bigger with age), spine and trachea
    ax = (x - cx).abs()
    upper = ramp(yh - 0.1 - y, sharp)  # rows above the heart centre
    med_w = 0.10 + 0.06 * (y - y_top.mean(1, keepdim=True)).clamp(0.0, 0.6)
    med = ramp(med_w - ax, sharp)
    knob_r = _col(c["knob"])
    knob_dist = knob_r * knob_r - (x - cx - 0.10) ** 2 - ((y + 0.28 - _col(c["cy"])) * 0.9) ** 2
    knob = ramp(knob_dist / (2 * knob_r), sharp)
    medi = torch.maximum(torch.maximum(med * upper, knob), heart)
    spine_x = ramp(0.055 - ax, sharp)
    vert = 0.75 + 0.25 * torch.cos((y - _col(c["cy"])) * (2 * torch.pi / 0.105))  # a column: cheap
    trach = ramp(0.026 - ax, sharp) * ramp((-0.22 + _col(c["cy"])) - y, sharp)

    # diaphragm and abdomen below the domes (dome curve is a function of x alone)
    dome_side = y_base + 1.1 * (d - 0.45 * L) ** 2  # (N,2,1,W)
    dome = torch.where(x < cx, dome_side[:, :1], dome_side[:, 1:])
    abdomen = ramp(y - dome, sharp * 0.6)
    bubble = ramp((0.0049 - (x - cx - 0.33) ** 2 - ((y - dome - 0.09) * 1.5) ** 2) / 0.14, sharp)

    # body outline: shoulders, neck and a path-length falloff towards the sides
    fat = _col(c["fat"])
    bw = L.amax(1, keepdim=True) + 0.10 + fat
    y_sh = y_top.mean(1, keepdim=True) - 0.10
    bw_y = 0.28 + (bw - 0.28) * torch.sigmoid((y - y_sh) / 0.05)
    rel = ((x - cx) / bw_y) ** 2
    thick = (1.0 - rel).clamp_min_(0.0)
    thick = thick * (2.0 - thick)  # ~ path length through an elliptic body, without a sqrt

    # ribs: posterior arcs, descending laterally, spacing widening downwards
    hh = y_base - y_top + 0.1
    yy = ((y - y_top + 0.06 - _col(c["rib_curv"]) * d * d + 0.12 * d) / hh).clamp_min(0.0)
    u = 9.0 * yy * (1.3 - 0.3 * yy.clamp_max(1.5)) + _col(c["rib_phase"])
    f = torch.frac(u) - 0.5
    ribs = (1.0 - 16.0 * f * f).clamp_min_(0.0)
    ribs = ribs * ribs  # a smooth band over half of each period, no trig at full size
    cage = ramp(L + 0.03 - d, sharp * 0.3) * ramp(y - y_top + 0.12, sharp) * ramp(y_base + 0.08 - y, sharp)
    ribs = (ribs * cage).sum(1, keepdim=True)

    # clavicles: soft segments from the manubrium up and out to the shoulders
    ap = _col(c["ap"])
    y0 = y_top + 0.06 - 0.05 * ap
    y1 = y_top - 0.07 - 0.06 * ap
    d0, d1 = 0.07, 0.92 * L
    vx, vy = d1 - d0, y1 - y0
    t = (((d - d0) * vx + (y - y0) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0)
    dist2 = (d - d0 - t * vx) ** 2 + (y - y0 - t * vy) ** 2
    clav = ramp((0.032**2 - dist2) / 0.064, sharp).amax(1, keepdim=True)

    # lung markings: ridged low-frequency noise, densest near the hila
    tex_up = F.interpolate(tex[:, :2], size=(h, w), mode="bilinear", align_corners=False)
    vessels = (1.0 - 3.0 * tex_up[:, :1].abs()).clamp_min(0.0) ** 2
    hilum = torch.exp(-((ax - 0.2) ** 2) / 0.05) * torch.exp(-((y - yh + 0.25) ** 2) / 0.25)
    lung_vis = lung * (1.0 - heart)
    lung_any = lung_vis.sum(1, keepdim=True).clamp_max(1.0)
    markings = vessels * (0.35 + hilum) * lung_any

    bone = _col(c["bone"])
    lat = (d / L).clamp(0.0, 1.2)
    air = ((0.30 - 0.10 * lat * lat) * lung_vis).sum(1, keepdim=True)
    atten = (
        (0.46 + 0.25 * fat) * thick * (1.0 + 0.04 * tex_up[:, 1:2])
        - air
        + 0.22 * medi
        + 0.07 * spine_x * vert * bone
        - 0.10 * trach
        + 0.24 * abdomen * thick.clamp_min(0.4)
        - 0.12 * bubble
        + 0.06 * bone * ribs
        + 0.20 * bone * clav
    ).clamp_min(0.0)
    return {"atten": atten, "lung": lung, "heart": heart, "markings": markings, "lung_vis": lung_vis, "thick": thick}
