"""radkit.validation simulations and report: coverage, widths, reader study, silent trial, TRIPOD-style report."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from radkit import validation as val

matplotlib.use("Agg")


def test_proportion_estimate_matches_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(8, 10), (0, 25), (139, 150), (3, 1000)]:
        e = val.proportion_estimate(k, n)
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (e.low, e.high) == pytest.approx((lo, hi), abs=1e-12)
        assert e.n == n and e.method == "Wilson"


def test_interval_coverage_near_nominal_for_the_population():
    gen = np.random.default_rng(0)
    y = (gen.random(20_000) < 0.3).astype(int)
    s = gen.normal(loc=1.2 * y)
    true_auc = roc_auc_score(y, s)
    c = val.interval_coverage(
        y, s, truths={"population": true_auc, "elsewhere": true_auc - 0.15}, n=300, n_studies=400, seed=1
    )
    assert 0.91 <= c.rates["population"].estimate <= 0.985, c.rates["population"]
    assert c.rates["elsewhere"].estimate < 0.05
    assert c.to_frame().loc["population", "truth"] == pytest.approx(true_auc)
    assert len(c.estimates) == 400 and np.all(c.low <= c.estimates) and np.all(c.estimates <= c.high)


def test_interval_coverage_inputs():
    with pytest.raises(ValueError, match="truths is empty"):
        val.interval_coverage([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], truths={}, n=4, n_studies=3, seed=0)


def test_sens_interval_width_at_buderer_n():
    s = val.n_for_sens_spec(sensitivity=0.9, prevalence=0.1, half_width=0.05)
    w = val.sens_interval_width(sensitivity=0.9, prevalence=0.1, n=s.n, n_studies=4000, seed=0)
    assert abs(w.half_width.estimate - 0.05) < 0.001, w.half_width
    assert 0.92 < w.coverage.estimate < 0.96  # Wald at 0.9 with ~138 positives: slightly below 95%
    # a quarter of the cases: twice the width
    w4 = val.sens_interval_width(sensitivity=0.9, prevalence=0.1, n=s.n // 4, n_studies=4000, seed=0)
    assert w4.half_width.estimate == pytest.approx(0.1, rel=0.05)


def test_assist_readers_extremes():
    gen = np.random.default_rng(0)
    u = gen.integers(0, 2, (200, 4))
    m = gen.integers(0, 2, 200)
    assert np.array_equal(val.assist_readers(u, m, trust=0.0, seed=0), u)
    assert np.array_equal(val.assist_readers(u, m, trust=1.0, seed=0), np.repeat(m[:, None], 4, axis=1))
    half = val.assist_readers(u, m, trust=0.5, seed=0)
    changed = (half != u).sum() / (u != m[:, None]).sum()
    assert 0.4 < changed < 0.6
    with pytest.raises(ValueError, match="0/1 calls"):
        val.assist_readers(u * 0.5, m, trust=0.5, seed=0)


def test_reader_study_paired_se_matches_closed_form():
    """One reader: the bootstrap SE of the sensitivity difference matches the paired (McNemar-type) SE."""
    gen = np.random.default_rng(3)
    n = 2000
    y = (gen.random(n) < 0.3).astype(int)
    u = np.where(y == 1, gen.random(n) < 0.7, gen.random(n) < 0.1).astype(int)
    a = np.where(gen.random(n) < 0.3, y, u)  # aided: some calls corrected
    r = val.reader_study(y, u[:, None], a[:, None], n_boot=2000, seed=0)
    d = r.difference("sensitivity")
    pos = y == 1
    b, c, m = np.sum((a == 1) & (u == 0) & pos), np.sum((a == 0) & (u == 1) & pos), pos.sum()
    assert d.estimate == pytest.approx((b - c) / m)
    se = np.sqrt(b + c - (b - c) ** 2 / m) / m
    assert (d.high - d.low) / (2 * 1.96) == pytest.approx(se, rel=0.12)
    assert r.per_reader.shape == (1, 4)
    # the paired interval is narrower than treating the two conditions as independent samples
    e_u, e_a = r.table.loc[("sensitivity", "unaided")], r.table.loc[("sensitivity", "aided")]
    unpaired = np.hypot(e_u["high"] - e_u["low"], e_a["high"] - e_a["low"])
    assert d.high - d.low < unpaired


def test_reader_study_against_statsmodels_mcnemar_direction():
    from statsmodels.stats.contingency_tables import mcnemar

    gen = np.random.default_rng(4)
    y = np.ones(300, int)
    u = (gen.random(300) < 0.6).astype(int)
    a = np.where(gen.random(300) < 0.5, 1, u)  # assistance finds half of the misses
    y = np.r_[y, np.zeros(300, int)]
    u, a = np.r_[u, np.zeros(300, int)], np.r_[a, np.zeros(300, int)]
    r = val.reader_study(y, u, a, n_boot=1000, seed=0)
    d = r.difference("sensitivity")
    table = pd.crosstab(u[:300], a[:300]).reindex(index=[0, 1], columns=[0, 1], fill_value=0).to_numpy()
    p = mcnemar(table, exact=False).pvalue
    assert d.low > 0 and p < 0.001  # both see the gain
    assert r.difference("specificity").estimate == 0.0


def test_reader_study_shapes_are_checked():
    with pytest.raises(ValueError, match="same readers"):
        val.reader_study([0, 1, 0, 1], np.zeros((4, 2), int), np.zeros((4, 3), int), n_boot=10, seed=0)
    with pytest.raises(ValueError, match="cases x readers"):
        val.reader_study([0, 1, 0, 1], np.zeros((5, 2), int), np.zeros((5, 2), int), n_boot=10, seed=0)


def test_silent_trial_counts_by_hand():
    dates = pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-30", "2024-04-02", "2024-05-05", "2024-06-30"])
    y = np.array([1, 1, 0, 1, 0, 0])
    p = np.array([0.9, 0.2, 0.6, 0.8, 0.1, 0.7])
    r = np.array([1, 1, 0, 0, 0, 1])
    t = val.silent_trial(y, p, r, dates, threshold=0.5, freq="Q")
    q1, q2 = "2024-01-01", "2024-04-01"
    assert t.loc[(q1, "model", "sensitivity"), "estimate"] == 0.5
    assert t.loc[(q1, "reader", "sensitivity"), "estimate"] == 1.0
    assert t.loc[(q1, "model", "specificity"), "estimate"] == 0.0
    assert t.loc[(q2, "model", "specificity"), "estimate"] == 0.5
    assert t.loc[(q2, "both", "agreement"), "estimate"] == pytest.approx(2 / 3)
    assert t.loc[(q1, "model", "sensitivity"), "n"] == 2
    with pytest.raises(ValueError, match="period alias"):
        val.silent_trial(y, p, r, dates, threshold=0.5, freq="fortnight")
    with pytest.raises(ValueError, match="one readable date"):
        val.silent_trial(y, p, r, dates[:5], threshold=0.5)


@pytest.fixture(scope="module")
def run():
    gen = np.random.default_rng(0)
    n = 400
    y = (gen.random(n) < 0.2).astype(int)
    p = 1 / (1 + np.exp(-(2.0 * y - 2 + gen.normal(size=n))))
    meta = pd.DataFrame(
        {
            "site": gen.choice(["A", "B"], n),
            "sex": gen.choice(["F", "M"], n),
            "age": gen.integers(20, 90, n),
            "view": gen.choice(["AP", "PA"], n),
            "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(gen.integers(0, 365, n), "D"),
        }
    )
    X = gen.normal(size=(n, 3)) + y[:, None]
    designs = val.validation_designs(
        val.ridge_learner(),
        X,
        y,
        sites=meta["site"].to_numpy(),
        dates=meta["date"].to_numpy(),
        external_site="B",
        cutoff="2023-09-01",
        n_boot=5,
        seed=0,
    )
    return dict(y=y, p=p, meta=meta, designs=designs)


def _report(run, **kw):
    args = dict(
        title="Test report",
        y_true=run["y"],
        y_score=run["p"],
        meta=run["meta"],
        model="a model",
        outcome="an outcome",
        reference_standard="a reference",
        threshold=0.3,
        n_boot=20,
        seed=0,
    )
    return val.report(**(args | kw))


def test_report_has_every_section_and_embeds_figures(run):
    r = _report(run, designs=run["designs"], limitations=["only one test"])
    md, page = r.markdown, r.html
    for name in val.REPORT_SECTIONS:
        assert f"## {name}" in md and f"<h2>{name}</h2>" in page
    assert md.index("## Data sources and dates") < md.index("## Limitations")
    n_fig = 3  # reliability, decision curve, forest plot
    assert len(re.findall(r"data:image/png;base64,", md)) == n_fig
    assert len(re.findall(r"<img [^>]*src='data:image/png;base64,", page)) == n_fig
    # self-contained: nothing loaded from a file or the web
    assert not re.search(r"src=['\"](?!data:)", page) and "<link" not in page and "http" not in page
    assert "only one test" in md and "To be completed by the authors" in md
    assert "AUC" in md and "observed / expected" in md and "Wilson" in md
    assert r._repr_html_() == page


def test_report_numbers_match_the_measures(run):
    r = _report(run)
    perf = r.sections["Performance"][1]
    assert perf.loc["AUC", "estimate"] == pytest.approx(roc_auc_score(run["y"], run["p"]))
    call = run["p"] >= 0.3
    sens = (call & (run["y"] == 1)).sum() / run["y"].sum()
    assert perf.loc["sensitivity at 0.30", "estimate"] == pytest.approx(sens)
    assert perf.loc["observed / expected (O/E)", "estimate"] == pytest.approx(run["y"].sum() / run["p"].sum())
    assert "No internal-validation estimates" in r.markdown


def test_report_save_never_overwrites(run, tmp_path):
    r = _report(run)
    paths = r.save(tmp_path)
    assert paths["html"].read_text().startswith("<!DOCTYPE html>")
    assert paths["markdown"].read_text().startswith("# Test report")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        r.save(tmp_path)
    r.save(tmp_path, overwrite=True)


def test_report_inputs_are_checked(run):
    with pytest.raises(ValueError, match="lacks column"):
        _report(run, meta=run["meta"].drop(columns="sex"))
    with pytest.raises(ValueError, match="one row per case"):
        _report(run, meta=run["meta"].iloc[:10])
    with pytest.raises(ValueError):
        _report(run, y_score=run["p"] * 3)  # not probabilities


def test_silent_trial_plot_with_a_perfect_quarter():
    """A quarter where the model finds every case: Wilson's upper end is 1 - 1e-16, not below the estimate."""
    from radkit.validation import plots as vplots

    matplotlib.use("Agg")
    dates = pd.Series(pd.date_range("2024-01-01", "2024-12-31", periods=80))
    y = np.tile([1, 0, 0, 0], 20)
    p = np.where(y == 1, 0.9, 0.1)  # every case found, every normal cleared
    table = val.silent_trial(y, p, y, dates, threshold=0.5, freq="Q")
    assert (table.xs(("model", "sensitivity"), level=("who", "measure"))["estimate"] == 1.0).all()
    axes = vplots.plot_silent_trial(table, event="2024-07-01")
    ticks = [t.get_text() for t in axes[0].get_xticklabels()]
    assert ticks[2] == "2024-07-01"
    line = [ln for ln in axes[0].lines if ln.get_label().startswith("change from")][0]
    assert line.get_xdata()[0] == axes[0].get_xticks()[2]  # the change's line meets its tick
