"""radkit.adversarial refuses bad input with messages that say what to do."""

from __future__ import annotations

import pytest
import torch

from radkit import adversarial as adv
from radkit.models import make_model


@pytest.fixture
def m():
    return make_model("smallcnn", num_classes=2, seed=0).eval()


X = torch.rand(4, 1, 16, 16)
Y = torch.tensor([0, 1, 0, 1])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"eps": -1 / 255}, "eps must be a finite number >= 0"),
        ({"eps": float("nan")}, "eps must be"),
        ({"eps": 2 / 255, "x": X * 255}, "pixels in \\[0, 1\\]"),
        ({"eps": 2 / 255, "x": X[0]}, "N×C×H×W"),
        ({"eps": 2 / 255, "x": torch.full((2, 1, 8, 8), float("nan"))}, "NaN"),
        ({"eps": 2 / 255, "y": Y[:3]}, "shape \\(4,\\)"),
        ({"eps": 2 / 255, "y": torch.nn.functional.one_hot(Y)}, "argmax"),
        ({"eps": 2 / 255, "y": torch.tensor([0, 1, 2, 1])}, "0..1"),
    ],
)
def test_attack_bad_input(m, kwargs, match):
    args = {"x": X, "y": Y} | kwargs
    for attack, extra in ((adv.fgsm, {}), (adv.pgd, {"seed": 0})):
        with pytest.raises(ValueError, match=match):
            attack(m, args["x"], args["y"], eps=args["eps"], **extra)


def test_training_mode_and_bad_options(m):
    with pytest.raises(ValueError, match="model.eval\\(\\)"):
        adv.fgsm(m.train(), X, Y, eps=1 / 255)
    m.eval()
    with pytest.raises(ValueError, match="norm"):
        adv.pgd(m, X, Y, eps=1 / 255, norm="l1", seed=0)
    with pytest.raises(ValueError, match="steps"):
        adv.pgd(m, X, Y, eps=1 / 255, steps=0, seed=0)
    with pytest.raises(TypeError, match="nn.Module"):
        adv.fgsm(lambda z: z, X, Y, eps=1 / 255)
    with pytest.raises(TypeError, match="torch.Tensor"):
        adv.fgsm(m, X.numpy(), Y, eps=1 / 255)


def test_poison_and_defense_bad_input():
    with pytest.raises(ValueError, match="fraction"):
        adv.flip_labels(Y, fraction=1.5, seed=0)
    with pytest.raises(ValueError, match="no item has class"):
        adv.flip_labels(Y, fraction=0.5, seed=0, from_class=7)
    with pytest.raises(ValueError, match="1-D"):
        adv.flip_labels(Y[:, None].float(), fraction=0.5, seed=0)
    with pytest.raises(ValueError, match="another class"):
        adv.backdoor(X, torch.zeros(4, dtype=torch.long), fraction=0.5, target=0, seed=0)
    with pytest.raises(ValueError, match="4 images but 3 labels"):
        adv.backdoor(X, Y[:3], fraction=0.5, target=0, seed=0)
    with pytest.raises(ValueError, match="size must be"):
        adv.add_trigger(X, size=40)
    with pytest.raises(ValueError, match="quality"):
        adv.jpeg(X, quality=0)
    with pytest.raises(ValueError, match="odd"):
        adv.median_filter(X, size=2)
    with pytest.raises(ValueError, match="bits"):
        adv.bit_depth(X, bits=0)
    with pytest.raises(ValueError, match="method"):
        adv.AdversarialAugment(make_model("smallcnn", num_classes=2, seed=0), eps=0.1, method="cw", seed=0)
    with pytest.raises(ValueError, match="at least one squeezer"):
        adv.squeezing_score(make_model("smallcnn", num_classes=2, seed=0).eval(), X, squeezers=())


def test_attack_success_rate_needs_other_classes(m):
    with pytest.raises(ValueError, match="every image is of class 0"):
        adv.attack_success_rate(m, X, torch.zeros(4, dtype=torch.long), target=0)
