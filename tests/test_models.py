import pytest
import torch

from radkit.models import MODELS, make_model


@pytest.mark.parametrize("name", list(MODELS))
def test_models_take_one_channel_and_give_logits(name):
    m = make_model(name, num_classes=3, seed=0).eval()
    with torch.no_grad():
        out = m(torch.zeros(2, 1, 64, 64))
    assert out.shape == (2, 3)


def test_seed_fixes_weights_without_touching_global_rng():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = make_model("smallcnn", num_classes=2, seed=7)
    assert torch.equal(before, torch.get_rng_state())
    b = make_model("smallcnn", num_classes=2, seed=7)
    c = make_model("smallcnn", num_classes=2, seed=8)
    wa, wb, wc = (next(m.parameters()) for m in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)


def test_unknown_model_lists_names():
    with pytest.raises(ValueError, match="smallcnn, resnet18, densenet121"):
        make_model("vgg", num_classes=2, seed=0)


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_bad_num_classes(bad):
    with pytest.raises(ValueError, match="num_classes"):
        make_model("smallcnn", num_classes=bad, seed=0)
