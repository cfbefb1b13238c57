"""``generate``: synthetic chest radiographs whose every label is known.

Cases are produced in fixed chunks of :data:`CHUNK` images. Chunk ``k`` draws
its cases and noise from generators seeded by ``(seed, k)`` alone, and always
draws a full chunk before slicing, so results do not depend on the device's
memory, and ``generate(n)`` is the first ``n`` cases of ``generate(m > n)``.
"""

from __future__ import annotations

import os
import shutil
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from radkit.synth.acquisition import apply_style, blur_styles, burn_markers
from radkit.synth.anatomy import render_anatomy
from radkit.synth.pathology import render_pathologies
from radkit.synth.patients import draw_cases
from radkit.synth.spec import (
    PATHOLOGIES,
    Drift,
    Site,
    resolve_prevalence,
    resolve_sites,
    spec_dict,
)

__all__ = ["CHUNK", "SynthCXR", "SynthDataset", "generate"]

#: Images per chunk; fixed so that results never depend on the device.
CHUNK = 256
_VERSION = 1  # bump when rendering changes, so caches are not reused
_CACHE_FORMAT = 2  # 2: tables as Parquet/CSV (1 pickled them: never read again)
_SUB = 16  # images rendered together on the CPU (fits in cache)
_TEX = 12  # side of the low-resolution texture grids
_MARKING_GAIN = 0.08
_LATERAL = ("nodule", "consolidation", "effusion", "pneumothorax")


@dataclass
class SynthCXR:
    """A generated set of synthetic chest radiographs with their truth.

    Attributes
    ----------
    images : torch.Tensor
        float32, N x 1 x H x W, values in [0, 1], on the CPU.
    labels : pandas.DataFrame
        One int 0/1 column per pathology (order :data:`~radkit.synth.PATHOLOGIES`).
        Labels follow the labelling rule at the acquisition date (see ``Drift.concept``).
    masks : dict of str to torch.Tensor, or None
        Pathology -> bool N x 1 x H x W: where that pathology is drawn (inside the
        lung field it occupies; cardiomegaly: the heart of positive cases). Empty
        where the pathology is absent. ``None`` when ``generate(masks=False)``.
    lungs : torch.Tensor or None
        bool N x 1 x H x W visible lung fields (heart excluded), for segmentation lessons.
    meta : pandas.DataFrame
        ``age, sex, view, site, date, marker, ctr, apparent_ctr`` and, per pathology,
        ``present_<p>`` (drawn in the image), ``subtlety_<p>`` (0 obvious .. 1
        invisible; NaN when not drawn), ``severity_<p>`` (see ``SEVERITY_UNITS``)
        and for lateral findings ``side_<p>`` (``right``/``left``/``bilateral``/``""``).
    params : dict
        The arguments that produced the set.
    """

    images: torch.Tensor
    labels: pd.DataFrame
    masks: dict[str, torch.Tensor] | None
    lungs: torch.Tensor | None
    meta: pd.DataFrame
    params: dict = field(default_factory=dict)

    @property
    def pathologies(self) -> list[str]:
        return list(self.labels.columns)

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(X, y)``: images N x 1 x H x W and float32 labels N x P, for ``radkit.train.fit``."""
        return self.images, torch.tensor(self.labels.to_numpy(dtype=np.float32))

    def dataset(self, *, transform=None) -> SynthDataset:
        """A torch ``Dataset`` view (no copy) following radkit's dataset contract."""
        return SynthDataset(self, transform=transform)

    def subset(self, index) -> SynthCXR:
        """The cases at integer positions ``index`` (array-like or boolean mask)."""
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        t = torch.as_tensor(idx, dtype=torch.long)
        return SynthCXR(
            images=self.images[t],
            labels=self.labels.iloc[idx].reset_index(drop=True),
            masks=None if self.masks is None else {k: v[t] for k, v in self.masks.items()},
            lungs=None if self.lungs is None else self.lungs[t],
            meta=self.meta.iloc[idx].reset_index(drop=True),
            params=dict(self.params),
        )


class SynthDataset(Dataset):
    """Dataset view of a :class:`SynthCXR`.

    ``ds[i]`` returns ``(image, label, meta)``: image float32 1 x H x W in [0, 1],
    label float32 tensor of length P, meta a dict of str/int/float (dates as
    ISO strings, missing numbers as NaN). Attributes ``pathologies``, ``labels``
    and ``meta`` are the DataFrames of the whole set.

    Examples
    --------
    >>> from radkit.synth import generate
    >>> ds = generate(4, size=32, seed=0, masks=False, device="cpu").dataset()
    >>> img, y, meta = ds[0]
    >>> tuple(img.shape), y.dtype, meta["site"] in {"A", "B", "C"}
    ((1, 32, 32), torch.float32, True)
    """

    def __init__(self, data: SynthCXR, *, transform=None) -> None:
        self.data = data
        self.transform = transform
        self.pathologies = data.pathologies
        self.labels = data.labels
        self.meta = data.meta
        self._y = torch.tensor(data.labels.to_numpy(dtype=np.float32))
        self._records = _meta_records(data.meta)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int):
        img = self.data.images[i]
        if self.transform is not None:
            img = self.transform(img)
        return img, self._y[i], self._records[i]


def _meta_records(meta: pd.DataFrame) -> list[dict]:
    out = []
    cols = list(meta.columns)
    for row in meta.itertuples(index=False):
        rec = {}
        for k, v in zip(cols, row):
            if isinstance(v, pd.Timestamp):
                v = v.date().isoformat()
            elif isinstance(v, np.integer | bool | np.bool_):
                v = int(v)
            elif isinstance(v, np.floating):
                v = float(v)
            elif v is None:
                v = ""
            rec[k] = v
        out.append(rec)
    return out


def _chunk_seed(seed: int, k: int) -> int:
    s = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(seed) >> 32 & 0xFFFFFFFF, k]).generate_state(2)
    return (int(s[0]) << 31 | int(s[1])) & (2**62 - 1)


def _validate(n, size, seed, difficulty, marker_corr, marker_pathology, dates, drift) -> tuple:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n={n!r} must be a non-negative int (the number of images). Example: generate(1000).")
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or not 16 <= size <= 1024:
        raise ValueError(f"size={size!r} must be an int between 16 and 1024 pixels. Typical: 64, 128 or 224.")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative int. Example: seed=0.")
    if (
        isinstance(difficulty, bool)
        or not isinstance(difficulty, int | float | np.integer | np.floating)
        or not 0 <= difficulty <= 10
    ):
        raise ValueError(
            f"difficulty={difficulty!r} must be a number in [0, 10]: 0 makes every finding "
            "obvious, 1 is the calibrated default, larger values make more cases subtle."
        )
    if (
        isinstance(marker_corr, bool)
        or not isinstance(marker_corr, int | float | np.integer | np.floating)
        or not 0 <= marker_corr <= 1
    ):
        raise ValueError(
            f"marker_corr={marker_corr} must be in [0, 1]: the share of images whose marker "
            "is tied to the label (0 = independent, 1 = marker present exactly when positive)."
        )
    if marker_pathology is not None and marker_pathology not in PATHOLOGIES:
        raise ValueError(
            f"marker_pathology={marker_pathology!r} is unknown. Use None (any finding) or one of {PATHOLOGIES}."
        )
    if drift is not None and not isinstance(drift, Drift):
        raise TypeError("drift must be a radkit.synth.Drift or None. Example: Drift(prevalence=0.3).")
    try:
        d0, d1 = (pd.Timestamp(d) for d in dates)
    except (TypeError, ValueError) as err:
        raise ValueError(f"dates={dates!r} must be (start, end) dates such as ('2018-01-01', '2023-12-31').") from err
    if d1 < d0:
        raise ValueError(f"dates={dates!r}: the end comes before the start. Swap them.")
    return d0.normalize(), d1.normalize()


def generate(
    n: int,
    *,
    size: int = 128,
    seed: int,
    prevalence: float | dict[str, float] | None = None,
    sites: int | Site | list[Site] | None = None,
    difficulty: float = 1.0,
    drift: Drift | None = None,
    dates: tuple[str, str] = ("2018-01-01", "2023-12-31"),
    marker_corr: float = 0.0,
    marker_pathology: str | None = None,
    masks: bool = True,
    device: str | torch.device | None = None,
    cache: bool = False,
) -> SynthCXR:
    """Generate ``n`` synthetic frontal chest radiographs with known labels, masks and metadata.

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Side of the square images in pixels.
    seed : int
        Everything is a function of the arguments and this seed: on the CPU, the
        same call gives bit-identical output.
    prevalence : float or dict, optional
        Overall share of positives per pathology (scalar for all; a dict may
        name some). Default :data:`~radkit.synth.DEFAULT_PREVALENCE`. Older
        patients and sicker sites carry more risk, calibrated so the overall
        share is honoured.
    sites : int, Site or list of Site, optional
        Hospitals the cases come from. Default :data:`~radkit.synth.DEFAULT_SITES`.
    difficulty : float
        0 makes findings obvious; 1 (default) is calibrated so a CNN gets
        per-pathology AUCs roughly 0.75-0.97; larger values make more cases subtle.
        The cases drawn (labels, ages, sites...) do not depend on it.
    drift : Drift, optional
        Covariate, prior and concept drift over ``dates``.
    dates : (str, str)
        Acquisition dates are uniform between these (inclusive).
    marker_corr : float
        Share of images from sites with a marker token whose marker is set
        to the label (``marker_pathology``, or any finding): the shortcut knob.
    marker_pathology : str, optional
        Which label the marker is tied to; ``None`` means "any finding".
    masks : bool
        Also return pathology masks and lung fields (1 byte per pixel each).
    device : str or torch.device, optional
        Where to render (default :func:`radkit.device`). Results are returned on
        the CPU. Only CPU output is guaranteed bit-identical across runs.
    cache : bool
        Save to / load from ``radkit._cache.cache_dir("synth")``, keyed by the arguments.

    Returns
    -------
    SynthCXR

    Examples
    --------
    >>> from radkit.synth import generate
    >>> data = generate(8, size=64, seed=1, device="cpu")
    >>> tuple(data.images.shape), list(data.labels.columns)[:2]
    ((8, 1, 64, 64), ['nodule', 'consolidation'])
    """
    start, end = _validate(n, size, seed, difficulty, marker_corr, marker_pathology, dates, drift)
    prev = resolve_prevalence(prevalence)
    site_list = resolve_sites(sites)
    if drift is not None:
        unknown = set(drift.scanner) - {s.name for s in site_list}
        if unknown:
            raise ValueError(
                f"Drift.scanner names sites {sorted(unknown)} that are not among "
                f"{[s.name for s in site_list]}. Use the names of the sites you pass."
            )
    params = dict(
        n=int(n),
        size=int(size),
        seed=int(seed),
        prevalence=prev,
        sites=spec_dict(site_list),
        difficulty=float(difficulty),
        drift=spec_dict(drift),
        dates=[str(start.date()), str(end.date())],
        marker_corr=float(marker_corr),
        marker_pathology=marker_pathology,
        masks=bool(masks),
    )
    path = None
    if cache:
        from radkit._cache import cache_dir, cache_key

        path = cache_dir("synth") / f"synth-{cache_key(version=_VERSION, fmt=_CACHE_FORMAT, **params)}"
        if (path / "done").exists():
            try:
                return _load(path, params)
            except Exception as exc:  # a damaged or tampered entry is rebuilt, never trusted
                warnings.warn(
                    f"synth cache entry {path} is unreadable ({type(exc).__name__}: {str(exc)[:120]}); rebuilding it.",
                    UserWarning,
                    stacklevel=2,
                )
                shutil.rmtree(path, ignore_errors=True)

    if n == 0:  # an empty set with the same columns and dtypes as any other
        one = generate(
            1,
            size=size,
            seed=seed,
            prevalence=prevalence,
            sites=sites,
            difficulty=difficulty,
            drift=drift,
            dates=dates,
            marker_corr=marker_corr,
            marker_pathology=marker_pathology,
            masks=masks,
            device=device,
            cache=False,
        )
        empty = one.subset(np.arange(0))
        empty.params = params
        return empty
    _check_memory(n, size, masks)

    if device is None:
        from radkit.config import device as pick

        dev = pick()
    else:
        dev = torch.device(device)

    styles = list(site_list)
    switch_day = np.full(len(site_list), np.iinfo(np.int64).max)
    if drift is not None:
        for si, s in enumerate(site_list):
            if s.name in drift.scanner:
                when, changes = drift.scanner[s.name]
                switch_day[si] = (pd.Timestamp(when).normalize() - start).days
                styles.append(_replace(s, changes))
            else:
                styles.append(s)

    # outputs are preallocated and filled in place: no concatenation copies of large tensors
    images = torch.empty(n, 1, size, size)
    mask_out = {p: torch.empty(n, 1, size, size, dtype=torch.bool) for p in PATHOLOGIES} if masks else None
    lung_out = torch.empty(n, 1, size, size, dtype=torch.bool) if masks else None
    frames: list = []
    with _cpu_workers(dev) as pool:
        for k in range(-(-n // CHUNK)):
            _one_chunk(
                k,
                n,
                seed,
                site_list,
                prev,
                drift,
                start,
                end,
                difficulty,
                marker_corr,
                marker_pathology,
                dev,
                size,
                switch_day,
                styles,
                masks,
                pool,
                images,
                mask_out,
                lung_out,
                frames,
            )

    labels_df, meta_df = _tables(frames)
    out = SynthCXR(
        images=images,
        labels=labels_df,
        masks=mask_out,
        lungs=lung_out,
        meta=meta_df,
        params=params,
    )
    if path is not None:
        _save(out, path)
    return out


def _available_bytes() -> int | None:
    """Memory the OS can give now (Linux MemAvailable, else physical pages), or None if unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def output_bytes(n: int, size: int, masks: bool) -> int:
    """Bytes of the tensors ``generate(n, size=size, masks=masks)`` returns.

    Images are float32 (4 bytes a pixel); masks add one byte a pixel for each
    pathology and for the lung fields.

    Examples
    --------
    >>> output_bytes(1000, 128, masks=False) / 2**20
    62.5
    """
    per_pixel = 4 + (len(PATHOLOGIES) + 1 if masks else 0)
    return int(n) * int(size) * int(size) * per_pixel


def _check_memory(n: int, size: int, masks: bool) -> None:
    need, free = output_bytes(n, size, masks), _available_bytes()
    if free is not None and need > 0.9 * free:
        smaller = output_bytes(n, size, False)
        raise MemoryError(
            f"generate({n}, size={size}, masks={masks}) would need {need / 2**30:.1f} GB for its outputs but "
            f"about {free / 2**30:.1f} GB of memory is available. Use masks=False "
            f"({smaller / 2**30:.1f} GB), a smaller size (size={max(16, size // 2)} needs a quarter), or "
            "fewer images per call (several calls with seeds prof.seed + k, concatenated as you go)."
        )


def _one_chunk(
    k,
    n,
    seed,
    site_list,
    prev,
    drift,
    start,
    end,
    difficulty,
    marker_corr,
    marker_pathology,
    dev,
    size,
    switch_day,
    styles,
    masks,
    pool,
    images,
    mask_out,
    lung_out,
    frames,
) -> None:
    """Draw and render chunk ``k`` into its rows of the output tensors; append its table."""
    m = min(CHUNK, n - k * CHUNK)
    rows = slice(k * CHUNK, k * CHUNK + m)
    cs = _chunk_seed(seed, k)
    g = torch.Generator().manual_seed(cs)
    cases = draw_cases(
        CHUNK,
        g,
        sites=site_list,
        prevalence=prev,
        drift=drift,
        dates=(start, end),
        difficulty=float(difficulty),
        marker_corr=float(marker_corr),
        marker_pathology=marker_pathology,
    )
    tex = torch.randn(CHUNK, 3, _TEX, _TEX, generator=g)[:m].to(dev)
    gn = torch.Generator(device=dev).manual_seed(cs ^ 0x5EED5EED)
    noise = torch.randn(CHUNK, 1, size, size, generator=gn, device=dev)[:m]
    cases = {key: v[:m] for key, v in cases.items()}
    style = cases["site"] + len(site_list) * (cases["day"] >= switch_day[cases["site"]])
    out = (
        images[rows],
        None if mask_out is None else {p: v[rows] for p, v in mask_out.items()},
        None if lung_out is None else lung_out[rows],
    )
    _render_chunk(cases, tex, noise, style, styles, size, masks, pool, out=out)
    frames.append(_frame(cases, site_list, start))


@contextmanager
def _cpu_workers(dev: torch.device):
    """On the CPU, render sub-batches on a small thread pool, one torch thread each.

    Many small element-wise ops parallelise badly with OpenMP (and collapse
    when the machine is busy); independent sub-batches on worker threads do
    not. The caller's ``torch.get_num_threads()`` is restored afterwards.
    Results do not depend on the number of workers.
    """
    if dev.type != "cpu":
        yield None
        return
    before = torch.get_num_threads()
    workers = max(1, min(before, 8))
    torch.set_num_threads(1)
    try:
        if workers == 1:
            yield None
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                yield pool
    finally:
        torch.set_num_threads(before)


def _replace(site: Site, changes: dict) -> Site:
    from dataclasses import replace

    return replace(site, **changes)


def render_size(size: int) -> int:
    """Resolution the anatomy is rendered at: full up to 96 px, half above.

    Anatomy is smooth, so above 96 px it is drawn at half size and upsampled
    bilinearly (4x less arithmetic); noise, the contrast curve and the burned-in
    marker are applied at full size. Masks are upsampled by nearest neighbour.
    """
    return size if size <= 96 else (size + 1) // 2


def _up_into(dest: torch.Tensor, mask: torch.Tensor, size: int) -> None:
    """Nearest-upsample a boolean mask to ``size`` straight into ``dest``."""
    if mask.shape[-1] != size:
        mask = F.interpolate(mask.to(torch.uint8), size=(size, size), mode="nearest")
    dest.copy_(mask)


def _render_chunk(cases, tex, noise, style, styles, size, want_masks, pool=None, *, out):
    """Render one chunk in sub-batches of :data:`_SUB` images into ``out`` = (images, masks, lungs)."""
    dev = tex.device
    c = {}
    for key, v in cases.items():
        if key in ("labels", "site", "day"):
            continue
        c[key] = torch.as_tensor(v).to(dev)
        if c[key].is_floating_point():
            c[key] = c[key].float()
    style_t = torch.as_tensor(style, device=dev)
    m = tex.shape[0]
    sub = m if dev.type != "cpu" else _SUB
    r = render_size(size)

    def one(a: int):
        sl = slice(a, min(a + sub, m))
        cs = {k: v[sl] for k, v in c.items()}
        anat = render_anatomy(cs, tex[sl], r, r)
        mk = render_pathologies(cs, anat, tex[sl], want_masks=want_masks)
        atten = anat["atten"].add_(_MARKING_GAIN * anat["markings"])
        atten = blur_styles(atten, style_t[sl], styles, full_size=size)
        if r != size:
            atten = F.interpolate(atten, size=(size, size), mode="bilinear", align_corners=False)
        img = apply_style(atten, style_t[sl], styles, noise[sl])
        burn_markers(img, style_t[sl], cs["marker"], styles)
        out_img, out_masks, out_lungs = out
        out_img[sl].copy_(img)
        if want_masks:
            for p in PATHOLOGIES:
                _up_into(out_masks[p][sl], mk[p], size)
            _up_into(out_lungs[sl], anat["lung_vis"].sum(1, keepdim=True) > 0.5, size)

    starts = list(range(0, m, sub))
    if pool is not None:
        list(pool.map(one, starts))
    else:
        for a in starts:
            one(a)


def _frame(c: dict[str, np.ndarray], sites: tuple[Site, ...], start: pd.Timestamp) -> dict:
    n = len(c["site"])
    f: dict[str, object] = {
        "age": c["age"].astype(np.int64),
        "sex": np.where(c["male"] == 1, "M", "F"),
        "view": np.where(c["ap"] == 1, "AP", "PA"),
        "site": np.array([s.name for s in sites], dtype=object)[c["site"]],
        "date": start + pd.to_timedelta(c["day"], unit="D"),
        "marker": c["marker"].astype(np.int64),
        "ctr": c["ctr"].round(4),
        "apparent_ctr": (c["ctr"] * c["heart_mag"]).round(4),
    }
    for j, p in enumerate(PATHOLOGIES):
        drawn = c["present"][:, j]
        f[f"present_{p}"] = drawn.astype(np.int64)
        f[f"subtlety_{p}"] = np.where(drawn, 1.0 - c["strength"][:, j], np.nan).round(4)
        sev = c["severity"][:, j]
        f[f"severity_{p}"] = (sev if p == "cardiomegaly" else np.where(drawn, sev, np.nan)).round(3)
        if p in _LATERAL:
            side = np.where(c["side"][:, j] == 0, "right", "left").astype(object)
            if p == "effusion":
                side = np.where(c["bilateral"], "bilateral", side)
            f[f"side_{p}"] = np.where(drawn, side, "")
    f["_labels"] = c["labels"]
    assert all(len(v) == n for v in f.values())
    return f


def _tables(frames: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not frames:
        labels = pd.DataFrame({p: pd.Series([], dtype=np.int64) for p in PATHOLOGIES})
        return labels, pd.DataFrame()
    lab = np.concatenate([f["_labels"] for f in frames])
    labels = pd.DataFrame(lab.astype(np.int64), columns=list(PATHOLOGIES))
    cols = [k for k in frames[0] if k != "_labels"]
    meta = pd.DataFrame({k: np.concatenate([np.asarray(f[k]) for f in frames]) for k in cols})
    meta["date"] = pd.to_datetime(meta["date"])
    meta["sex"] = meta["sex"].astype(str)
    return labels, meta


def _save(data: SynthCXR, path: Path) -> None:
    """Tensors with ``torch.save``; tables as Parquet or CSV (never pickles); ``done`` last."""
    from radkit._cache import write_table

    path.mkdir(parents=True, exist_ok=True)
    torch.save({"images": data.images, "masks": data.masks, "lungs": data.lungs}, path / "tensors.pt")
    write_table(data.labels, path / "labels")
    write_table(data.meta, path / "meta")
    (path / "done").write_text("ok")


def _load(path: Path, params: dict) -> SynthCXR:
    from radkit._cache import read_table

    t = torch.load(path / "tensors.pt", weights_only=True)
    labels, meta = read_table(path / "labels"), read_table(path / "meta")
    n = int(params["n"])
    if t["images"].shape[0] != n or len(labels) != n or len(meta) != n:
        raise ValueError(f"{path}: holds {t['images'].shape[0]} images and {len(labels)} label rows, expected {n}")
    return SynthCXR(images=t["images"], labels=labels, masks=t["masks"], lungs=t["lungs"], meta=meta, params=params)
