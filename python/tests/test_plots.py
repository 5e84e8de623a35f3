"""licstore.plots on matplotlib's Agg backend: each plot draws what its data says."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

import licstore

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import licstore.plots as lp  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

E3 = "ENTERPRISEPACK"
BI = "POWER_BI_PRO"


@pytest.fixture
def online(store: licstore.Store) -> licstore.Store:
    store.add_customer("Contoso", default_usage_location="US")
    store.set_sku("Contoso", E3, enabled=3, term_end=date(2024, 6, 30))
    store.set_sku("Contoso", BI, enabled=10)
    store.add_subscribers([{"customer": "Contoso", "upn": f"u{i}@contoso.com"} for i in range(5)])
    for i in range(3):
        store.assign_license(f"u{i}@contoso.com", E3, expires_at=datetime(2024, 5, 20 + i, tzinfo=timezone.utc))
    store.assign_license("u3@contoso.com", BI)
    store.set_sku("Contoso", E3, enabled=2, term_end=date(2024, 6, 30))  # now one over
    return store


def widths(ax: Axes) -> list[float]:
    return [p.get_width() for p in ax.patches]  # type: ignore[attr-defined]


def test_sku_usage(online: licstore.Store) -> None:
    usage = online.sku_usage("Contoso")
    ax = lp.sku_usage(usage)
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    e3 = next(s for s in usage if s.sku_part_number == E3)
    assert any("+1 over" in label and e3.display_name in label for label in labels)
    # E3: 2 within capacity + 1 over; Power BI: 1 assigned + 9 available.
    assert sorted(widths(ax)) == [1, 1, 2, 9]
    legend = ax.get_legend()
    assert legend is not None
    assert {t.get_text() for t in legend.get_texts()} == {"assigned", "available", "over capacity"}


def test_expiring(online: licstore.Store) -> None:
    items = online.expiring(60)
    assert len(items) >= 3
    ax = lp.expiring(items, by="month")
    heights = [p.get_height() for p in ax.patches]  # type: ignore[attr-defined]
    assert sum(heights) == len(items)
    ax = lp.expiring(items, by="day")
    assert len(ax.patches) >= 3
    with pytest.raises(ValueError):
        lp.expiring(items, by="year")  # type: ignore[arg-type]
    empty = lp.expiring([])
    assert len(empty.patches) == 0


def test_license_summary_shows_shortfalls(store: licstore.Store) -> None:
    store.add_customer("Contoso")
    store.add_licensing_id("E1", customer="Contoso", program="Enterprise")
    store.add_product("Office Professional Plus", "2021", pool="Applications")
    store.add_product("Windows Server Standard", "2022", pool="Servers")
    store.add_entitlement("E1", "Office Professional Plus", "2021", quantity=10, kind="full",
                          order_date=date(2024, 1, 1))
    # 12 deployed (a MAK's baseline) against 10 owned: 2 short.
    store.add_product_key("E1", "Office Professional Plus 2021", "BCDFG-HJKMN-PQRTV-WXY23-2346B",
                          key_type="MAK", activation_limit=50, baseline_used=12)
    summary = store.license_summary("Contoso", as_of=date(2024, 6, 1))
    ax = lp.license_summary(summary)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("[Applications] Office Professional Plus")
    assert len(labels) == len(summary)
    short = [line for line in summary if line.shortfall > 0]
    notes = [t.get_text() for t in ax.texts]
    assert [line.shortfall for line in short] == [2]
    assert notes == ["short 2"]


def test_plots_draw_on_given_axes(online: licstore.Store) -> None:
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    assert lp.sku_usage(online.sku_usage("Contoso"), ax=a) is a
    assert lp.expiring(online.expiring(60), ax=b) is b
    fig.canvas.draw()
    plt.close("all")
