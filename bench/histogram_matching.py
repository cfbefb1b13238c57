"""Histogram matching of a stack of films to one reference: radkit.generalization vs scikit-image.

Both map N synthetic 64 x 64 films onto the grey-level distribution of one
reference film, in one process; the script checks the outputs agree, then
prints the median of ``--repeat`` timings and the ratio scikit-image / radkit.
scikit-image is called once per film (its ``match_histograms`` takes one image).

    python bench/histogram_matching.py [--n 1000] [--size 64] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import torch
    from skimage import __version__ as sk_version
    from skimage.exposure import match_histograms as sk_match

    from radkit.generalization import match_histograms
    from radkit.synth import generate

    films = generate(args.n + 1, size=args.size, seed=0, masks=False, device="cpu").images
    x, ref = films[1:], films[0]

    def ours():
        return match_histograms(x, ref).numpy()

    def theirs():
        r = ref[0].numpy().astype(np.float64)
        return np.stack([sk_match(img[0].numpy().astype(np.float64), r) for img in x])[:, None]

    diff = float(np.abs(ours() - theirs()).max())
    times = {}
    for name, fn in (("radkit", ours), ("scikit-image", theirs)):
        t = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
        times[name] = float(np.median(t))
    print(
        f"device: CPU ({platform.processor() or platform.machine()}), torch threads {torch.get_num_threads()}, "
        f"scikit-image {sk_version}"
    )
    print(f"{args.n} films {args.size} x {args.size}: max |difference| {diff:.2e}")
    for name, t in times.items():
        print(f"  {name:13s} {t * 1000:8.1f} ms")
    print(f"  ratio scikit-image / radkit: {times['scikit-image'] / times['radkit']:.2f}")


if __name__ == "__main__":
    main()
