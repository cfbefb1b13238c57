"""Decode + resize throughput of real-image files, without and with radkit's resize cache.

    python bench/decode_cache.py                  # 200 PNGs and 200 DICOMs at 1024², sizes 64 and 224
    python bench/decode_cache.py --n 1000 --workers 0 4

Writes its own files into a temporary folder (8-bit PNGs like NIH's, 12-bit
DICOMs like RSNA's, 1024x1024, synthetic radiographs with noise so they do
not compress unrealistically well) and measures, in one run, images per second for

* ``plain``: :class:`radkit.data.ImageDataset` (decode and resize every time: the reference),
* ``first epoch``: :class:`radkit.data.cache.CachedImages` with an empty cache (decode, resize, write),
* ``later epochs``: the same Dataset again (reads the cache only),
* ``first epoch, k workers``: :meth:`CachedImages.stack` with ``k`` decoding processes,

and prints the ratio of each to ``plain``. The cache lives in a temporary
``RADKIT_CACHE`` that is deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from PIL import Image


def _write_files(folder: Path, n: int, side: int) -> dict[str, list[Path]]:
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    from radkit import synth

    base = synth.generate(16, size=256, seed=0, masks=False).images
    big = torch.nn.functional.interpolate(base, size=(side, side), mode="bilinear", align_corners=False)[:, 0]
    gen = np.random.default_rng(0)
    files: dict[str, list[Path]] = {"png": [], "dicom": []}
    for i in range(n):
        img = np.clip(big[i % 16].numpy() + gen.normal(0, 0.02, (side, side)), 0, 1)
        png = folder / f"{i:05d}.png"
        Image.fromarray(np.round(img * 255).astype(np.uint8)).save(png)
        files["png"].append(png)
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = SecondaryCaptureImageStorage, generate_uid()
        ds.Rows = ds.Columns = side
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.WindowCenter, ds.WindowWidth = 2048, 4096
        ds.PixelData = np.round(img * 4095).astype("<u2").tobytes()
        dcm = folder / f"{i:05d}.dcm"
        ds.save_as(dcm, enforce_file_format=True)
        files["dicom"].append(dcm)
    return files


def _rate(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return n / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200, help="files per format")
    ap.add_argument("--side", type=int, default=1024, help="side of the written images")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 224])
    ap.add_argument("--workers", type=int, nargs="+", default=[2], help="worker counts for the first epoch")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
        f"load average {load:.1f}; {args.n} files per format at {args.side}²",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RADKIT_CACHE"] = str(Path(tmp) / "cache")
        from radkit.data import ImageDataset
        from radkit.data.cache import CachedImages

        files = _write_files(Path(tmp), args.n, args.side)
        print(f"{'format':<6} {'size':>5} {'mode':<26} {'images/s':>9} {'x plain':>8}")
        for fmt, paths in files.items():
            labels = pd.DataFrame({"y": np.zeros(len(paths))})
            meta = pd.DataFrame({"i": range(len(paths))})
            for size in args.sizes:
                plain_ds = ImageDataset(labels, meta, paths, size=size)
                plain = _rate(lambda: [plain_ds[i] for i in range(len(paths))], len(paths))
                rows = [("plain (decode + resize)", plain)]
                for k in args.workers:  # cold cache, k worker processes
                    ds = CachedImages(labels, meta, paths, size=size)
                    for entry in ds.cache_dir.rglob("*.npy"):
                        entry.unlink()
                    rows.append(
                        (
                            f"first epoch, {k} workers",
                            _rate(lambda: ds.stack(num_workers=k, progress=False), len(paths)),
                        )
                    )
                ds = CachedImages(labels, meta, paths, size=size)
                for entry in ds.cache_dir.rglob("*.npy"):
                    entry.unlink()
                rows.append(
                    ("first epoch (writes cache)", _rate(lambda: [ds[i] for i in range(len(paths))], len(paths)))
                )
                rows.append(("later epochs (cache)", _rate(lambda: [ds[i] for i in range(len(paths))], len(paths))))
                rows.append(
                    ("later epochs, stack()", _rate(lambda: ds.stack(num_workers=0, progress=False), len(paths)))
                )
                for mode, rate in rows:
                    print(f"{fmt:<6} {size:>5} {mode:<26} {rate:>9.0f} {rate / plain:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
