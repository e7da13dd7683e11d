"""PNG charts of a funding plan and of a stress run (matplotlib, optional), Thai and English.

Returned as PNG bytes; the caller writes them. Uses the Thai font of
:func:`scenarios.sim.charts.thai_font` where one is installed.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np

from matcher.stress.model import StressResult
from scenarios.funding.run import FundingReport
from scenarios.sim.charts import thai_font

BAHT = 100


_THAI: list[bool] = []


def _t(th: str, en: str) -> str:
    """A bilingual label, or the English alone where no Thai font is installed (the Thai
    glyphs would print as boxes)."""
    return f"{th} / {en}" if _THAI and _THAI[0] else en


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = thai_font()
    _THAI[:] = [font is not None]
    plt.rcParams["font.family"] = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    return plt


def _png(fig: Any, plt: Any) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():  # without a Thai font the Thai glyphs are boxes
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def funding_chart(report: FundingReport) -> bytes:
    """Left: share of sampled days whose requirement a buffer covers, against the buffer
    (the plan and the rules marked). Right: season cost and service of each option."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(14, 5), constrained_layout=True)
    fig.suptitle(
        _t("แผนเงินทุนสำรอง", "funding plan") + f" — {report.scenario_id}, "
        f"target {report.target_bps / 100:.1f} %, {report.runs} seasons"
    )
    net = report.problem.networks[0]
    req = np.sort(report.problem.requirement[:, :, 0], axis=None) / BAHT
    share = np.arange(1, req.size + 1) / req.size * 100
    ax = axes[0]
    ax.step(req, share, where="post", label=_t("วันที่ครอบคลุม", "days covered") + f" ({net})")
    ax.axhline(report.target_bps / 100, color="grey", ls=":", label=_t("เป้าหมาย", "target"))
    ax.axvline(report.plan.capacity_satang(net) / BAHT, color="C3", label=_t("แผน", "plan"))
    for rule, color in zip(report.rules[1:], ("C2", "C4"), strict=False):
        ax.axvline(rule.fund_satang[net] / BAHT, color=color, ls="--", label=rule.name)
    ax.set_xlabel(_t("เงินสำรอง (บาท)", "buffer (baht)"))
    ax.set_ylabel(_t("% ของวันในฤดูที่สุ่ม", "% of sampled days"))
    ax.legend(fontsize=8)
    names = ["plan", *(r.name for r in report.rules)]
    costs = [report.plan.cost_satang / BAHT, *(r.cost_satang / BAHT for r in report.rules)]
    served = [report.plan.service_bps[net] / 100, *(r.service_bps[net] / 100 for r in report.rules)]
    x = np.arange(len(names))
    axes[1].bar(x, costs, color="C0", label=_t("ต้นทุนต่อฤดู (บาท)", "season cost (baht)"))
    axes[1].set_xticks(x, names, rotation=20, ha="right")
    axes[1].set_ylabel(_t("บาท", "baht"))
    twin = axes[1].twinx()
    twin.plot(x, served, "o-", color="C3", label=_t("วันที่ครอบคลุม %", "days served %"))
    twin.set_ylim(0, 105)
    axes[1].set_title(_t("ต้นทุนและระดับบริการ", "cost and service"))
    axes[1].legend(loc="upper left", fontsize=8)
    twin.legend(loc="upper right", fontsize=8)
    return _png(fig, plt)


def stress_chart(
    title: tuple[str, str],
    result: StressResult,
    coords: dict[str, tuple[float, float]] | None = None,
) -> bytes:
    """``title`` in Thai and English. Left: loss against reserve of the 20 coops that lose
    most (red: reserve broken).
    Right (with coordinates): the network map, each coop coloured by its loss."""
    plt = _plt()
    panels = 2 if coords else 1
    fig, axes = plt.subplots(1, panels, figsize=(7 * panels, 5), constrained_layout=True)
    axes = np.atleast_1d(axes)
    fig.suptitle(_t(*title))
    top = sorted(result.outcomes, key=lambda o: (-o.loss_satang, o.coop_id))[:20]
    y = np.arange(len(top))
    ax = axes[0]
    colors = ["C3" if o.reserve_broken else "C0" for o in top]
    ax.barh(y, [o.loss_satang / BAHT for o in top], color=colors, label=_t("ความเสียหาย", "loss"))
    ax.scatter(
        [o.reserve_satang / BAHT for o in top],
        y,
        color="k",
        marker="|",
        s=200,
        label=_t("ทุนสำรอง", "reserve"),
    )
    ax.set_yticks(y, [o.coop_id for o in top])
    ax.invert_yaxis()
    ax.set_xlabel(_t("บาท", "baht"))
    ax.set_title(_t("ความเสียหายเทียบทุนสำรอง", "loss against reserve"))
    ax.legend(fontsize=8)
    if coords:
        ax = axes[1]
        ids = [o.coop_id for o in result.outcomes if o.coop_id in coords]
        loss = {o.coop_id: o.loss_satang / BAHT for o in result.outcomes}
        rng = np.random.default_rng(0)  # jitter coops of one district apart, same every run
        jitter = rng.normal(0, 0.01, size=(len(ids), 2))
        xs = [coords[c][1] + jitter[i, 0] for i, c in enumerate(ids)]
        ys = [coords[c][0] + jitter[i, 1] for i, c in enumerate(ids)]
        sc = ax.scatter(xs, ys, c=[loss[c] for c in ids], cmap="Reds", edgecolors="k", s=60)
        fig.colorbar(sc, ax=ax, label=_t("ความเสียหาย (บาท)", "loss (baht)"))
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        ax.set_title(_t("แผนที่เครือข่าย", "network map"))
    return _png(fig, plt)
