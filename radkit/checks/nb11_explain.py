"""Checks for notebooks/11_explainability.ipynb (solutions/11_explainability.ipynb)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch

from radkit.checks import close, exercise
from radkit.explain import (
    chance_pointing,
    confidence_sentence,
    pointing_game,
    predictive_uncertainty,
    saliency,
    smoothgrad,
)


@exercise("11.1")
def pointing_by_hand(answer, *, attribution, mask):
    """Answer: dict with ``hit`` (bool: is the map's hottest pixel in the mask?) and ``chance`` (float)."""
    if not isinstance(answer, Mapping) or set(answer) != {"hit", "chance"}:
        return "give a dict with two keys: {'hit': True or False, 'chance': the share of the image the mask covers}."
    a, m = np.asarray(attribution), np.asarray(mask, dtype=bool)
    want_hit = bool(pointing_game(a[None], m[None])[0])
    want_chance = float(chance_pointing(m[None])[0])
    r, c = np.unravel_index(np.argmax(a), a.shape)
    if bool(answer["hit"]) != want_hit:
        if m.shape[0] == m.shape[1] and bool(m[c, r]) == bool(answer["hit"]):
            return (
                "row and column are swapped: np.unravel_index(np.argmax(map), map.shape) gives (row, column), "
                "and mask[row, column] says whether that pixel is in the lesion."
            )
        return "find the hottest pixel with np.argmax on the map, then look it up in the mask."
    if close(answer["chance"], m.sum(), tol=0.5):
        return "chance is a probability: the number of mask pixels divided by the number of pixels in the image."
    if close(answer["chance"], 1 - want_chance, tol=1e-6):
        return "that is the share outside the mask; a random point hits with the share *inside* it."
    if not close(answer["chance"], want_chance, tol=1e-6):
        return "a uniformly random pixel lands in the lesion with probability mask.mean()."
    return None


@exercise("11.2")
def smoothgrad_from_saliency(answer, *, model, x, target, n_samples, noise, seed):
    """Answer: the SmoothGrad maps (tensor N x C x H x W) built from ``radkit.explain.saliency``."""
    if not isinstance(answer, torch.Tensor):
        return "return a torch tensor of maps, the same shape as x."
    if tuple(answer.shape) != tuple(x.shape):
        return f"the maps must have the images' shape {tuple(x.shape)}, got {tuple(answer.shape)}."
    want = smoothgrad(model, x, target=target, n_samples=n_samples, noise=noise, seed=seed)
    got = answer.detach().to(want.dtype)
    if torch.allclose(got, want, atol=1e-5, rtol=1e-4):
        return None
    if torch.allclose(got, saliency(model, x, target=target), atol=1e-6):
        return "that is plain saliency: add noise to the images before each saliency call."
    signed = smoothgrad(model, x, target=target, n_samples=n_samples, noise=noise, seed=seed, absolute=False)
    if torch.allclose(got, signed.abs(), atol=1e-5, rtol=1e-4) or torch.allclose(got, signed, atol=1e-5, rtol=1e-4):
        return "average the *absolute* gradients: saliency(..., absolute=True) on each noisy copy, then the mean."
    if torch.allclose(got, want * n_samples, atol=1e-4, rtol=1e-4):
        return "you summed the maps; SmoothGrad is their mean (divide by n_samples)."
    return (
        "follow the noise recipe exactly: g = seeding.torch_generator(seed); for each sample, "
        "eps = torch.randn(x.shape, generator=g) * noise * span, where span is each image's max - min "
        "(shape N x 1 x 1 x 1); the answer is the mean of saliency(model, x + eps, target=target)."
    )


@exercise("11.3")
def which_maps_to_trust(answer, *, final):
    """Answer: the methods that pass the randomisation check (upper rank-correlation bound below 0.5).

    A NaN bound passes too, as in notebook 11's claim: the randomised map is constant (Grad-CAM's
    ReLU can zero it), so no ranking of the trained map survives.
    """
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return "give a list of method names, e.g. ['saliency']."
    got = set(answer)
    unknown = got - set(final.index)
    if unknown:
        return f"{sorted(unknown)} are not in the table; the methods are {list(final.index)}."
    high = final["spearman_high"]
    want = set(final.index[(high < 0.5) | high.isna()])
    if got == want:
        return None
    if "edge" in got:
        return "the edge detector never looked at the model: its map cannot change when the model is destroyed."
    missing = want - got
    if missing:
        return (
            f"{sorted(missing)} changed (rank correlation near 0 after randomisation, or NaN: the randomised "
            "map is constant, so nothing of the trained map survives): those maps depend on the model."
        )
    return (
        "a map that is still similar to the trained model's map once every layer is random (upper bound of "
        "the interval >= 0.5) does not pass; drop it."
    )


@exercise("11.4")
def sentence_for_a_new_film(answer, *, member_probs, levels, finding):
    """Answer: the paper's sentence for one film from its members' probabilities and stated cut-offs."""
    if not isinstance(answer, str):
        return "give the sentence as a string (explain.confidence_sentence returns one)."
    p = np.asarray(member_probs, dtype=float)[None]
    u = predictive_uncertainty(p)
    prob, ent = float(u["prob"].iloc[0]), float(u["entropy"].iloc[0])
    want = confidence_sentence(prob, str(levels.level([ent])[0]), finding=finding)
    if answer == want:
        return None
    if not answer.startswith(f"Probability of {finding}: {prob:.0%}"):
        return "the probability is the mean of the members' probabilities (not one member's), as a whole percent."
    wrong_measure = {str(levels.level([float(u[c].iloc[0])])[0]) for c in ("mutual_info", "std")}
    if any(answer.endswith(w) for w in wrong_measure):
        return (
            "the cut-offs were chosen on the entropy of the mean probability (levels.measure): "
            "compute that uncertainty, then levels.level(...)."
        )
    return "turn the entropy into a word with levels.level([entropy])[0], then use explain.confidence_sentence."
