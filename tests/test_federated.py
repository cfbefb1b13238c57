"""radkit.federated: averaging, FedAvg/FedProx/FedBN, personalization, bad input."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

import radkit
import radkit.models
import radkit.train
from radkit import federated as fl


def _client(name, n=16, size=16, seed=0, n_test=8):
    g = torch.Generator().manual_seed(seed)
    y = torch.tensor([[0.0], [1.0]] * (n // 2))
    yt = torch.tensor([[0.0], [1.0]] * (n_test // 2))
    X, Xt = torch.rand(n, 1, size, size, generator=g), torch.rand(n_test, 1, size, size, generator=g)
    return fl.Client(name, X, y, Xt, yt)


def _model(seed=0):
    return radkit.models.make_model("smallcnn", num_classes=1, seed=seed)


def _float_close(a, b, atol=1e-6):
    keys = [k for k in a if torch.is_floating_point(a[k])]
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in keys) <= atol


# ----------------------------------------------------------------------------- averaging


def test_weighted_average_is_exact_against_numpy():
    rng = np.random.default_rng(0)
    states = [{"w": torch.tensor(rng.normal(size=(3, 2)), dtype=torch.float32), "n": torch.tensor(k)} for k in range(3)]
    weights = [10, 30, 60]
    out = fl.weighted_average(states, weights)
    want = sum(w * s["w"].double().numpy() for w, s in zip(weights, states)) / 100
    np.testing.assert_allclose(out["w"].numpy(), want, rtol=0, atol=1e-7)
    assert out["w"].dtype == torch.float32
    assert int(out["n"]) == 2  # integer buffers come from the heaviest client


def test_weighted_average_hand_worked():
    out = fl.weighted_average([{"w": torch.tensor([1.0])}, {"w": torch.tensor([4.0])}], [2, 1])
    assert out["w"].item() == 2.0


@pytest.mark.parametrize(
    "states,weights,match",
    [
        ([{"w": torch.zeros(2)}, {"w": torch.zeros(3)}], [1, 1], "shape"),
        ([{"w": torch.zeros(2)}, {"v": torch.zeros(2)}], [1, 1], "parameter names"),
        ([{"w": torch.zeros(2)}], [1, 1], "one weight per client"),
        ([{"w": torch.zeros(2)}, {"w": torch.zeros(2)}], [0, 0], "not all 0"),
        ([], [], "at least one"),
    ],
)
def test_weighted_average_bad_input(states, weights, match):
    with pytest.raises(ValueError, match=match):
        fl.weighted_average(states, weights)


# ----------------------------------------------------------------------------- FedAvg


def test_fedavg_one_client_one_step_is_a_plain_sgd_step():
    c = _client("A", n=16)
    init = _model()
    run = fl.fedavg([c], init, rounds=1, local_epochs=1, batch_size=16, lr=0.1, optimizer="sgd", seed=0)
    ref = copy.deepcopy(init).train()
    loss = nn.functional.binary_cross_entropy_with_logits(ref(c.X), c.y)
    grads = torch.autograd.grad(loss, list(ref.parameters()))
    with torch.no_grad():
        for p, g in zip(ref.parameters(), grads):
            p -= 0.1 * g
    assert _float_close(run.model.state_dict(), ref.state_dict(), atol=1e-6)
    assert not _float_close(run.model.state_dict(), init.state_dict(), atol=1e-4)  # it did move


def test_fedavg_is_the_weighted_average_of_the_local_updates():
    cs = [_client("A", n=16, seed=1), _client("B", n=48, seed=2)]
    init = _model()
    run = fl.fedavg(cs, init, rounds=1, local_epochs=2, batch_size=8, seed=5)
    locals_ = []
    for i, c in enumerate(cs):
        m = fl.local_update(copy.deepcopy(init), c, local_epochs=2, lr=3e-3, batch_size=8, seed=fl.round_seed(5, 1, i))
        locals_.append(m.state_dict())
    want = fl.weighted_average(locals_, [16, 48])
    assert _float_close(run.model.state_dict(), want, atol=0)
    assert run.rows[0]["bytes_up"] == 2 * fl.state_bytes(init)


def test_fedprox_mu_zero_equals_fedavg_loss_and_mu_pulls_toward_global():
    c = _client("A", n=32)
    init = _model()
    a = fl.local_update(copy.deepcopy(init), c, local_epochs=2, lr=1e-2, batch_size=8, seed=3)
    b = copy.deepcopy(init)
    anchor = {k: p.detach().clone() for k, p in b.named_parameters()}
    radkit.train.fit(
        b,
        (c.X, c.y),
        num_epochs=2,
        lr=1e-2,
        batch_size=8,
        seed=3,
        weight_decay=0.0,
        loss=fl.proximal_loss(b, anchor, 0.0),
        progress=False,
        device="cpu",
    )
    assert _float_close(a.state_dict(), b.state_dict(), atol=1e-6)
    far = fl.local_update(copy.deepcopy(init), c, local_epochs=3, lr=3e-2, batch_size=8, seed=3, optimizer="sgd")
    near = fl.local_update(
        copy.deepcopy(init), c, local_epochs=3, lr=3e-2, batch_size=8, seed=3, optimizer="sgd", mu=5.0
    )
    dist = lambda m: sum(float(((p - q) ** 2).sum().detach()) for p, q in zip(m.parameters(), init.parameters()))
    assert dist(near) < dist(far)


def test_proximal_gradient_matches_closed_form():
    m = nn.Linear(3, 1)
    with torch.no_grad():
        m.bias.zero_()
    anchor = {k: v.detach().clone() + 0.5 for k, v in m.named_parameters()}
    x, y = torch.zeros(2, 3), torch.zeros(2, 1)
    loss = fl.proximal_loss(m, anchor, mu=3.0)(m(x), y)
    loss.backward()
    # x = 0: BCE's gradient is 0 for the weight and sigmoid(0) - 0 = 0.5 for the bias
    np.testing.assert_allclose(m.weight.grad.numpy(), np.full((1, 3), 3.0 * -0.5), atol=1e-6)
    np.testing.assert_allclose(m.bias.grad.numpy(), [0.5 + 3.0 * -0.5], atol=1e-6)


def test_fedbn_keeps_batchnorm_local_and_sends_less():
    cs = [_client("A", seed=1), _client("B", seed=2)]
    init = _model()
    run = fl.fedavg(cs, init, rounds=2, seed=0, local_bn=True)
    a, b = run.model_for("A").state_dict(), run.model_for("B").state_dict()
    bn = [k for k in a if fl.is_bn_key(init, k) and torch.is_floating_point(a[k])]
    other = [k for k in a if not fl.is_bn_key(init, k)]
    assert bn and other
    assert any(not torch.equal(a[k], b[k]) for k in bn)
    assert all(torch.equal(a[k], b[k]) for k in other)
    plain = fl.fedavg(cs, init, rounds=1, seed=0)
    assert run.rows[0]["bytes_up"] < plain.rows[0]["bytes_up"]


def test_fraction_samples_clients_and_is_deterministic():
    cs = [_client(n, n=8, seed=i) for i, n in enumerate("ABCD")]
    r1 = fl.fedavg(cs, _model(), rounds=2, fraction=0.5, seed=4)
    r2 = fl.fedavg(cs, _model(), rounds=2, fraction=0.5, seed=4)
    assert [r["clients"] for r in r1.rows] == [2, 2]
    assert _float_close(r1.model.state_dict(), r2.model.state_dict(), atol=0)


@pytest.mark.parametrize("fraction", [0, 0.0, -0.1, 1.5])
def test_fraction_outside_unit_interval(fraction):
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        fl.fedavg([_client("A")], _model(), rounds=1, fraction=fraction, seed=0)


def test_bad_clients():
    empty = fl.Client("E", torch.zeros(0, 1, 16, 16), torch.zeros(0, 1), torch.zeros(0, 1, 16, 16), torch.zeros(0, 1))
    with pytest.raises(ValueError, match="no training images"):
        fl.fedavg([_client("A"), empty], _model(), rounds=1, seed=0)
    one = _client("O")
    one.y = torch.zeros_like(one.y)
    with pytest.raises(ValueError, match="only one class"):
        fl.fedavg([one], _model(), rounds=1, seed=0)
    with pytest.raises(ValueError, match="same size"):
        fl.check_clients([_client("A"), _client("B", size=8)])
    with pytest.raises(ValueError, match="named"):
        fl.check_clients([_client("A"), _client("A")])
    with pytest.raises(ValueError, match="non-empty list"):
        fl.check_clients([])


# ----------------------------------------------------------------------------- clients, evaluation


def test_make_clients_non_iid_structure():
    prof = radkit.setup(profile_name="quick", seed=0, verbose=False)
    cs = fl.make_clients(prof, n_train=600, n_test=200, size=16)
    sizes = {c.name: c.n for c in cs}
    assert min(sizes, key=sizes.get) == "C" and max(sizes, key=sizes.get) == "A"
    prev = {c.name: float(c.y.mean()) for c in cs}
    assert prev["B"] > prev["A"]  # the sicker hospital
    mean = {c.name: float(c.X.mean()) for c in cs}
    others = [mean[k] for k in "ABC"]
    assert abs(mean["D"] - np.mean(others)) > 3 * np.ptp(others)  # a scanner no other site has
    iid = fl.make_clients(prof, n_train=600, n_test=200, size=16, iid=True)
    assert [c.n for c in iid] == [c.n for c in cs]
    assert np.ptp([float(c.X.mean()) for c in iid]) < np.ptp(list(mean.values())) / 3


def test_federated_sites_knobs():
    flat = fl.federated_sites(scanner_skew=0.0, prevalence_skew=0.0)
    assert {s.gamma for s in flat} == {1.0} and {s.risk for s in flat} == {0.0}
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fl.federated_sites(scanner_skew=2)


def test_evaluate_gives_nan_with_the_reason_when_a_client_has_fewer_than_two_of_a_class():
    c = fl.Client(
        "A",
        torch.rand(4, 1, 16, 16),
        torch.tensor([[0.0], [1.0]] * 2),
        torch.rand(5, 1, 16, 16),
        torch.tensor([[0.0], [0.0], [0.0], [0.0], [1.0]]),
    )
    row = fl.evaluate(_model(), [c]).loc["A"]
    assert np.isnan(row["estimate"]) and np.isnan(row["low"]) and "too few cases" in row["method"]


def test_evaluate_and_bytes_to_target():
    cs = [_client("A", seed=1), _client("B", seed=2)]
    run = fl.fedavg(cs, _model(), rounds=2, seed=0, eval_every=True)
    table = fl.evaluate(run, cs, name="fedavg")
    assert list(table.index) == ["A", "B", "all"]
    assert {"estimate", "low", "high", "method", "n", "strategy"} <= set(table.columns)
    assert ((table["low"] <= table["estimate"]) & (table["estimate"] <= table["high"])).all()
    assert fl.bytes_to_target(run, 0.0) == run.rows[0]["bytes_total"]
    assert fl.bytes_to_target(run, 1.01) == float("inf")
    with pytest.raises(ValueError, match="eval_every"):
        fl.bytes_to_target(fl.fedavg(cs, _model(), rounds=1, seed=0), 0.5)


def test_local_and_pooled_and_finetune_do_not_touch_the_initial_model():
    cs = [_client("A", seed=1), _client("B", seed=2)]
    init = _model()
    before = copy.deepcopy(init.state_dict())
    loc = fl.train_local(cs, init, num_epochs=1, seed=0)
    pool = fl.train_pooled(cs, init, num_epochs=1, seed=0)
    ft = fl.finetune(pool, cs, num_epochs=1, seed=0)
    assert set(loc) == set(ft) == {"A", "B"}
    assert _float_close(init.state_dict(), before, atol=0)


def test_fit_optimizer_option_is_validated():
    c = _client("A")
    with pytest.raises(ValueError, match="optimizer"):
        radkit.train.fit(_model(), (c.X, c.y), num_epochs=1, lr=0.1, optimizer="adam", progress=False, seed=0)
