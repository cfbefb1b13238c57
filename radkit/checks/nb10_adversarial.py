"""Checks for notebooks/10_adversarial_attacks.ipynb (solutions/10_adversarial_attacks.ipynb)."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from radkit.adversarial import fgsm, input_gradient
from radkit.checks import Hint, close, exercise


def _need(answer, keys: tuple[str, ...]) -> None:
    if not isinstance(answer, Mapping) or not set(keys) <= set(answer):
        raise Hint("give a dict with the keys " + ", ".join(repr(k) for k in keys) + ".")


@exercise("10.1")
def fgsm_by_hand(answer, *, model, x, y, eps):
    """Answer: the FGSM images for ``model``, ``x``, ``y`` at ``eps`` (a tensor like ``x``)."""
    if not isinstance(answer, torch.Tensor) or answer.shape != x.shape:
        return f"return a tensor of the same shape as x, {tuple(x.shape)}: one adversarial image per image."
    want = fgsm(model, x, y, eps=eps)
    got = answer.detach().to(want.device, want.dtype)
    if torch.allclose(got, want, atol=1e-6):
        return None
    if float(got.min()) < 0 or float(got.max()) > 1:
        return "the images leave [0, 1]: clip the result with .clamp(0, 1)."
    if torch.allclose(got, (x - eps * input_gradient(model, x, y).sign()).clamp(0, 1), atol=1e-6):
        return "you stepped down the loss: an untargeted attack adds eps · sign(gradient) to raise the loss."
    step = (got - x).abs().max()
    if float(step) > eps + 1e-6:
        return "some pixels move by more than eps: use the sign of the gradient, not the gradient itself."
    if float(step) < eps - 1e-6 and float(step) > 0:
        return "the step is smaller than eps: every pixel with a non-zero gradient moves by exactly eps."
    return (
        "compare with the recipe: the loss of the model's logits for y, its gradient with respect to x "
        "(x.requires_grad_(), loss.backward() or torch.autograd.grad), then x + eps · sign(grad)."
    )


@exercise("10.2")
def eps_for_bit_depth(answer, *, stored_bits, squeeze_bits):
    """Answer: dict with ``one_level`` (ε of one grey level at ``stored_bits``) and ``erased`` (largest ε that
    rounding to ``squeeze_bits`` bits always removes from an image whose pixels sit on those levels)."""
    _need(answer, ("one_level", "erased"))
    one = float(answer["one_level"])
    want_one = 1 / (2**stored_bits - 1)
    if not close(one, want_one, tol=1e-12):
        if close(one, 1 / 2**stored_bits, tol=1e-12):
            return (
                f"a {stored_bits}-bit image has 2**{stored_bits} levels but 2**{stored_bits} − 1 steps from "
                "black (0) to white (1)."
            )
        if close(one, 1 / 255, tol=1e-12):
            return f"1/255 is one level of an 8-bit image; the stored image here has {stored_bits} bits."
        return "ε is on the [0, 1] scale: one grey level is 1 divided by the number of steps from black to white."
    erased = float(answer["erased"])
    step = 1 / (2**squeeze_bits - 1)
    if erased > step / 2 + 1e-9:
        if close(erased, step, tol=1e-6):
            return (
                "a change of a whole step moves a pixel onto the next level: rounding keeps it. "
                "Rounding goes back to the level only while the pixel is closer to it than to the next."
            )
        return "too large: beyond half a step, rounding snaps the pixel to the neighbouring level."
    if erased < step / 2 - 1e-3:
        return "rounding removes any change smaller than the distance to the midpoint between two levels; larger?"
    return None


@exercise("10.3")
def masking_diagnosis(answer, *, accuracies, margin=0.1):
    """Answer: dict with ``masking`` (bool) and ``robust_accuracy`` (what to report), given ``accuracies``:
    a mapping with the defended model's accuracy on ``clean`` images and under the ``naive``
    (gradient through the defense), ``transfer`` (made on the bare model) and ``bpda`` attacks."""
    _need(answer, ("masking", "robust_accuracy"))
    masking = answer["masking"]
    if not isinstance(masking, bool):
        raise Hint("masking must be True or False.")
    attacks = {k: float(accuracies[k]) for k in ("naive", "transfer", "bpda")}
    want_mask = attacks["naive"] > attacks["bpda"] + margin
    if masking != want_mask:
        if want_mask:
            return (
                "compare the naive attack with BPDA: when an attack that ignores the gradient's problem does "
                "much better, the defense only hid its gradient."
            )
        return "the naive attack is already about as strong as BPDA, so the gradient was not hidden here."
    got = float(answer["robust_accuracy"])
    if close(got, float(accuracies["clean"]), tol=1e-9):
        return "that is the accuracy with no attack; robust accuracy is measured under attack."
    if close(got, min(attacks.values()), tol=1e-9):
        return None
    return (
        "a defense is as good as the strongest attack tried: report the lowest accuracy over the attacks, "
        "not the one that flatters the defense."
    )
