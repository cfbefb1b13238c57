"""Throughput of radkit.synth.generate: images per second at 64, 128 and 224 px.

    python bench/synth_throughput.py            # CPU, and CUDA when present
    python bench/synth_throughput.py --n 10000  # the brief's target: 10k at 128 px in < 10 s

Runs on the CPU always; on CUDA too when available. Prints one line per
(device, size, masks) with images/s and seconds for ``--n`` images.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from radkit.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 224])
    args = ap.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
        f"load average {load:.1f}"
    )
    for dev in devices:
        name = torch.cuda.get_device_name(0) if dev == "cuda" else "CPU"
        generate(64, size=64, device=dev, masks=False, seed=0)  # warm-up
        for size in args.sizes:
            for masks in (False, True):
                if dev == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                generate(args.n, size=size, seed=1, device=dev, masks=masks)
                if dev == "cuda":
                    torch.cuda.synchronize()
                dt = time.perf_counter() - t0
                print(
                    f"{name:>12} size={size:<4} masks={masks!s:<5} n={args.n}: {args.n / dt:8.0f} images/s "
                    f"({dt:.2f} s)",
                    flush=True,
                )


if __name__ == "__main__":
    main()
