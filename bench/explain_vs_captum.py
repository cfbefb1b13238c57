"""Attribution speed: radkit.explain vs captum on the same model, images and options.

SmallCNN (radkit.models, 64 x 64, 3 classes) in eval mode, a batch of ``--n``
images; Saliency, Integrated Gradients (50 Gauss-Legendre steps, black
baseline), Grad-CAM on ``features.12`` (at the layer's resolution) and
Occlusion (8 x 8 window, stride 4). The script first checks the maps agree,
then prints the median of ``--repeat`` timings of each and the ratio
peer / radkit (above 1: radkit is faster). The last row is pytorch-grad-cam's
``GradCAM`` on ``features.13`` (the last block after its ReLU) against radkit's
Grad-CAM upsampled to the image and min-max scaled per image, which is what
pytorch-grad-cam returns.

    python bench/explain_vs_captum.py [--n 64] [--repeat 5]
"""

from __future__ import annotations

import argparse
import platform

import torch
from _timing import timed  # bench/_timing.py (scripts run from bench/)


def main() -> None:
    import captum
    import pytorch_grad_cam
    from captum.attr import IntegratedGradients, LayerGradCam, Occlusion, Saliency
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    import radkit.models
    from radkit import explain

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    model = radkit.models.make_model("smallcnn", num_classes=3, seed=0).eval()
    x = torch.rand(args.n, 1, 64, 64, generator=torch.Generator().manual_seed(0))
    layer = dict(model.named_modules())["features.12"]
    cases = {
        "saliency": (
            lambda: explain.saliency(model, x, target=1),
            lambda: Saliency(model).attribute(x.clone().requires_grad_(), target=1),
        ),
        "integrated gradients (50 steps)": (
            lambda: explain.integrated_gradients(model, x, target=1, steps=50),
            lambda: IntegratedGradients(model).attribute(x, target=1, n_steps=50),
        ),
        "grad-cam": (
            lambda: explain.grad_cam(model, x, target=1, layer="features.12", upsample=False),
            lambda: LayerGradCam(model, layer).attribute(x, target=1, relu_attributions=True),
        ),
        "occlusion (8 px, stride 4)": (
            lambda: explain.occlusion(model, x, target=1, window=8, stride=4),
            lambda: Occlusion(model).attribute(
                x,
                target=1,
                sliding_window_shapes=(1, 8, 8),
                strides=(1, 4, 4),
                baselines=0.0,
                perturbations_per_eval=16,
            ),
        ),
    }
    pgc = pytorch_grad_cam.GradCAM(model=model, target_layers=[dict(model.named_modules())["features.13"]])

    def min_max(a: torch.Tensor) -> torch.Tensor:
        flat = a.flatten(1)
        lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
        return ((flat - lo) / (hi - lo)).reshape(a.shape)

    cases["grad-cam vs pytorch-grad-cam"] = (
        lambda: min_max(explain.grad_cam(model, x, target=1, layer="features.13"))[:, 0],
        lambda: torch.from_numpy(pgc(input_tensor=x, targets=[ClassifierOutputTarget(1)] * len(x))),
    )
    print(
        f"device cpu | torch {torch.__version__} threads {torch.get_num_threads()} | captum {captum.__version__} "
        f"| pytorch-grad-cam {getattr(pytorch_grad_cam, '__version__', '1.5.x')} "
        f"| python {platform.python_version()} | {args.n} images 64 x 64"
    )
    print(f"{'method':34s} {'radkit s':>9s} {'peer s':>9s} {'peer/radkit':>14s} {'max |diff|':>11s}")
    for name, (ours, theirs) in cases.items():
        t_ours, a = timed(ours, args.repeat)
        t_theirs, b = timed(theirs, args.repeat)
        diff = (a.detach() - b.detach()).abs().max().item()
        print(f"{name:34s} {t_ours:9.3f} {t_theirs:9.3f} {t_theirs / t_ours:14.2f} {diff:11.2e}")
    pgc.activations_and_grads.release()


if __name__ == "__main__":
    main()
