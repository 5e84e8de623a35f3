"""Plots for audit notebooks, drawn with matplotlib (``pip install 'licstore[plots]'``).

Each function draws on ``ax`` (a new figure's axes when omitted) and returns the ``Axes``, so a
notebook can adjust titles, limits or save the figure::

    import licstore.plots as lp
    ax = lp.sku_usage(store.sku_usage("Contoso"))
    ax.figure.savefig("usage.png")

matplotlib is imported when a function is called, not with this module.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Iterable, Literal

from licstore._native import Expiring, LicenseSummary, SkuUsage

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["sku_usage", "expiring", "license_summary"]

#: Colors shared by the plots: what is in use, what is free, what is missing.
ASSIGNED = "#4c72b0"
AVAILABLE = "#a1c9f4"
SHORT = "#c44e52"
ENTITLED = "#8c8c8c"


def _once(seen: set[str], label: str) -> str | None:
    """``label`` the first time it is drawn, None after (one legend entry per kind of bar)."""
    if label in seen:
        return None
    seen.add(label)
    return label


def _axes(ax: Axes | None, width: float, height: float) -> Axes:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("licstore.plots needs matplotlib: pip install 'licstore[plots]'") from e
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=(width, height))
    return new


def sku_usage(usage: SkuUsage, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars per SKU of a customer: seats assigned and seats still available (of
    ``enabled + warning``). A SKU with more seats assigned than it has shows its excess in red
    and is marked in its label."""
    skus = list(usage)
    ax = _axes(ax, 8, 1.5 + 0.45 * max(len(skus), 1))
    labels = []
    seen: set[str] = set()
    for i, s in enumerate(skus):
        capacity = s.enabled + s.warning
        within = min(s.assigned, capacity)
        ax.barh(i, within, color=ASSIGNED, label=_once(seen, "assigned"))
        if s.available > 0:
            ax.barh(i, s.available, left=within, color=AVAILABLE, label=_once(seen, "available"))
        over = s.assigned - capacity
        if over > 0:
            ax.barh(i, over, left=within, color=SHORT, label=_once(seen, "over capacity"))
        labels.append(f"{s.display_name} (+{over} over)" if over > 0 else s.display_name)
    ax.set_yticks(range(len(skus)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("seats")
    ax.set_title(f"SKU usage: {usage.customer}")
    if skus:
        ax.legend(loc="best")
    return ax


Period = Literal["day", "week", "month"]


def _period_start(at: date | datetime, by: Period) -> date:
    day = at.date() if isinstance(at, datetime) else at
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def expiring(items: Iterable[Expiring], *, by: Period = "week", ax: Axes | None = None) -> Axes:
    """Bars of how many licenses expire in each ``day``, ``week`` (from Monday) or ``month``,
    stacked by kind (a user's assignment, a SKU's subscription term), from
    ``store.expiring(days)``."""
    if by not in ("day", "week", "month"):
        raise ValueError(f'by must be "day", "week" or "month", not {by!r}')
    counts: Counter[tuple[date, str]] = Counter()
    for item in items:
        counts[(_period_start(item.at, by), item.kind)] += 1
    periods = sorted({p for p, _ in counts})
    kinds = sorted({k for _, k in counts})
    ax = _axes(ax, 8, 4)
    width = {"day": 0.8, "week": 6.0, "month": 25.0}[by]
    bottom = [0] * len(periods)
    palette = [ASSIGNED, SHORT, AVAILABLE, ENTITLED]
    for n, kind in enumerate(kinds):
        heights = [counts[(p, kind)] for p in periods]
        ax.bar(periods, heights, width=width, bottom=bottom, align="edge",  # type: ignore[arg-type]
               color=palette[n % len(palette)], label=kind)
        bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_ylabel("licenses expiring")
    ax.set_title(f"Licenses expiring per {by}")
    if kinds:
        ax.legend()
    ax.figure.autofmt_xdate()
    return ax


def license_summary(summary: LicenseSummary, *, ax: Axes | None = None) -> Axes:
    """A customer's effective license position per product, grouped by pool (Applications,
    Systems, Servers): licenses owned (effective quantity) against deployed, with each
    shortfall in red and labelled."""
    lines = sorted(summary, key=lambda line: (line.pool, line.family, line.version))
    ax = _axes(ax, 9, 1.8 + 0.5 * max(len(lines), 1))
    labels = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        ax.barh(i - 0.2, line.effective_quantity, height=0.4, color=ENTITLED,
                label=_once(seen, "owned"))
        ax.barh(i + 0.2, line.deployed_quantity, height=0.4, color=ASSIGNED,
                label=_once(seen, "deployed"))
        if line.shortfall > 0:
            ax.barh(i + 0.2, line.shortfall, left=line.effective_quantity, height=0.4,
                    color=SHORT, label=_once(seen, "shortfall"))
            ax.annotate(f"short {line.shortfall}", (line.deployed_quantity, i + 0.2),
                        xytext=(4, 0), textcoords="offset points", va="center", color=SHORT)
        labels.append(f"[{line.pool}] {line.family} {line.version}")
    ax.set_yticks(range(len(lines)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("licenses")
    ax.set_title(f"License position: {summary.customer} as of {summary.as_of.isoformat()}")
    if lines:
        ax.legend(loc="best")
    return ax
