"""Consideration 10, adversarial attacks: evasion, poisoning, backdoors and the three families of defense.

Kulkarni, Gawali & Kharat's consideration 10: a perturbation a radiologist
cannot see can flip a model's call (evasion, at deployment), and corrupted
training data can plant errors or a hidden trigger (poisoning, at training).
Qayyum et al.'s three families of defense are here: (1) transform the input
(:func:`jpeg`, :func:`bit_depth`, :func:`median_filter`, :class:`Defended`),
(2) modify the model (:class:`AdversarialAugment`, a hook for
``radkit.train.fit``), (3) detect with an auxiliary model
(:func:`squeezing_score`), with the adaptive attacks that test them
(``Defended(..., bpda=True)``, :class:`Ensemble`).

Examples
--------
>>> import torch, radkit.models as M
>>> from radkit import adversarial as adv
>>> m = M.make_model("smallcnn", num_classes=2, seed=0).eval()
>>> x = torch.rand(4, 1, 32, 32); y = torch.tensor([0, 1, 0, 1])
>>> x_adv = adv.pgd(m, x, y, eps=2 / 255, steps=3, seed=0)
>>> bool((x_adv - x).abs().max() <= 2 / 255 + 1e-7)
True
"""

from radkit.adversarial.attacks import NORMS, fgsm, input_gradient, pgd, predicted_class
from radkit.adversarial.defenses import TRANSFORMS, Defended, Ensemble, bit_depth, jpeg, median_filter
from radkit.adversarial.detect import DEFAULT_SQUEEZERS, squeezing_score
from radkit.adversarial.evaluate import ATTACKS, RobustnessCurve, accuracy, positive_probability, robustness_curve
from radkit.adversarial.plots import show_attack
from radkit.adversarial.poison import Poisoned, add_trigger, attack_success_rate, backdoor, flip_labels
from radkit.adversarial.training import METHODS, AdversarialAugment, settle_batchnorm

__all__ = [
    "NORMS",
    "fgsm",
    "pgd",
    "input_gradient",
    "predicted_class",
    "TRANSFORMS",
    "Defended",
    "Ensemble",
    "jpeg",
    "bit_depth",
    "median_filter",
    "DEFAULT_SQUEEZERS",
    "squeezing_score",
    "ATTACKS",
    "RobustnessCurve",
    "accuracy",
    "positive_probability",
    "robustness_curve",
    "show_attack",
    "Poisoned",
    "add_trigger",
    "attack_success_rate",
    "backdoor",
    "flip_labels",
    "METHODS",
    "AdversarialAugment",
    "settle_batchnorm",
]
