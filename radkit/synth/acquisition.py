"""The scanner: blur, contrast curve, noise and burned-in text markers.

Each image is rendered with the style of its site (or of the site's new
scanner after a covariate-drift date). Styles differ in blur (detector and
scatter), window and gamma (the contrast curve) and noise, which is exactly
what lets a network tell sites apart from pixels alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["GLYPHS", "glyph_bitmap", "blur_styles", "apply_style", "burn_markers"]

# 5x7 bitmap font for marker tokens ('#' = lit pixel).
_FONT = {
    "A": ".###.#...##...######...##...##...#",
    "B": "####.#...#####.#...##...##...#####.",
    "C": ".####....#....#....#....#.....####",
    "D": "####.#...##...##...##...##...#####.",
    "E": "######....####.#....#....#....#####",
    "L": "#....#....#....#....#....#....#####",
    "P": "####.#...##...#####.#....#....#....",
    "R": "####.#...##...#####.#.#..#..#.#...#",
    "S": ".#####.....###......#....#....####.",
    "T": "#####..#....#....#....#....#....#..",
    "X": "#...##...#.#.#..#..#.#.#...##...#..",
    "0": ".###.#...##..###.#.###..##...#.###.",
    "1": "..#..##....#....#....#....#..#####.",
    "2": ".###.#...#....#...#...#...#...#####",
    "3": "####.....#....#.###.....#....#####.",
    "4": "#...##...##...######....#....#....#",
    "5": "######....####.....#....#....#####.",
    "6": ".###.#....####.#...##...##...#.###.",
    "7": "#####....#...#...#...#....#....#...",
    "8": ".###.#...##...#.###.#...##...#.###.",
    "9": ".###.#...##...#.####....#....#.###.",
}
GLYPHS: frozenset[str] = frozenset(_FONT)


def glyph_bitmap(token: str, *, scale: int = 1) -> torch.Tensor:
    """Boolean bitmap (7*scale x (6*len-1)*scale) of a marker token.

    Examples
    --------
    >>> from radkit.synth.acquisition import glyph_bitmap
    >>> tuple(glyph_bitmap("L").shape)
    (7, 5)
    """
    cols = []
    for i, ch in enumerate(token.upper()):
        if ch not in _FONT:
            raise ValueError(f"No glyph for {ch!r} in marker {token!r}. Use characters from {''.join(sorted(_FONT))}.")
        rows = [[c == "#" for c in _FONT[ch][r * 5 : (r + 1) * 5].ljust(5, ".")] for r in range(7)]
        cols.append(torch.tensor(rows, dtype=torch.bool))
        if i < len(token) - 1:
            cols.append(torch.zeros(7, 1, dtype=torch.bool))
    bm = torch.cat(cols, 1)
    return bm.repeat_interleave(scale, 0).repeat_interleave(scale, 1)


def _blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    r = max(1, int(round(2.5 * sigma)))
    t = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="replicate"), k.view(1, 1, -1, 1))


def blur_styles(atten: torch.Tensor, style: torch.Tensor, styles: list, *, full_size: int) -> torch.Tensor:
    """Gaussian blur per scanner style (in place where possible); ``blur`` is in pixels at 128 px.

    ``atten`` may be rendered at a lower resolution than ``full_size``; sigma is scaled to it.
    """
    h = atten.shape[-1]
    for s_idx, st in enumerate(styles):
        sigma = st.blur * full_size / 128.0 * h / full_size
        if sigma < 0.25:
            continue
        idx = (style == s_idx).nonzero().flatten()
        if idx.numel():
            atten[idx] = _blur(atten[idx], sigma)
    return atten


def apply_style(atten: torch.Tensor, style: torch.Tensor, styles: list, noise: torch.Tensor) -> torch.Tensor:
    """Window, contrast curve and noise per scanner style; returns images in [0, 1].

    ``style`` holds each image's index into ``styles`` (a list of
    :class:`~radkit.synth.Site`); ``noise`` is standard normal, same shape as ``atten``.
    """
    dev = atten.device
    table = torch.tensor(
        [[st.window[0], st.window[1], st.gamma, st.noise] for st in styles], device=dev, dtype=torch.float32
    )[style]
    lo, hi, gam, sd = (table[:, i].view(-1, 1, 1, 1) for i in range(4))
    img = ((atten - lo) / (hi - lo)).clamp_(0.0, 1.0)
    # Schlick's bias curve: matches v**gamma at v = 0.5 and costs one division, not a pow
    k = 1.0 / 0.5**gam - 2.0
    img = img / (k * (1.0 - img) + 1.0)
    # brighter (more attenuating) regions get fewer photons: noise grows in them
    img += noise * sd * (0.6 + 0.8 * img)
    return img.clamp_(0.0, 1.0)


def burn_markers(img: torch.Tensor, style: torch.Tensor, marker: torch.Tensor, styles: list) -> None:
    """Burn each style's token into its corner of the images flagged by ``marker`` (in place)."""
    h, w = img.shape[-2:]
    scale = max(1, round(h / 64))
    pad = max(2, h // 32)
    for s_idx, st in enumerate(styles):
        if not st.marker:
            continue
        idx = ((style == s_idx) & (marker > 0)).nonzero().flatten()
        if not idx.numel():
            continue
        bm = glyph_bitmap(st.marker, scale=scale).to(img.device)
        gh, gw = min(bm.shape[0], h - 2 * pad), min(bm.shape[1], w - 2 * pad)
        bm = bm[:gh, :gw]
        r0 = pad if st.marker_corner[0] == "t" else h - pad - gh
        c0 = pad if st.marker_corner[1] == "l" else w - pad - gw
        patch = img[idx, :, r0 : r0 + gh, c0 : c0 + gw]
        img[idx, :, r0 : r0 + gh, c0 : c0 + gw] = torch.where(bm, torch.full_like(patch, 0.96), patch)
