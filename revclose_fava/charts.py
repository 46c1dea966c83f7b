"""Charts of the pages: Fava's own chart components, and small server-drawn SVG bars.

Series keyed by accounts or currencies go to Fava's charts (the
`<svelte-component type="charts">` element of Fava's extension API, fed with
Fava's own `BarChart` and `BalancesChart` data): they look, scale and link like
Fava's charts (a stacked account links to its account page, a bar to its
month). Series keyed by something else (customers, booked months, aging
buckets, roll-forward steps) are drawn here as SVG, since Fava's stacked bars
link every series to an account page. SVG text goes through the template's
autoescaping like any other ledger text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from fava.core.charts import DateAndBalance, DateAndBalanceWithBudget
from fava.core.inventory import SimpleCounterInventory
from fava.internal_api import BalancesChart, BarChart

Format = Callable[[Decimal], str]

# Fava's palette for series is computed in the browser; these are the same
# kind of evenly spaced hues at one lightness, readable on Fava's themes.
_PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
)  # fmt: skip
OTHERS = "other customers"


def color(index: int) -> str:
    """Returns the colour of the `index`-th series."""
    return _PALETTE[index % len(_PALETTE)]


def shades(count: int) -> list[str]:
    """Returns `count` shades of one hue, oldest (first) lightest: for booked months."""
    if count == 1:
        return ["hsl(210, 55%, 55%)"]
    return [f"hsl(210, 55%, {80 - 50 * index / (count - 1):.0f}%)" for index in range(count)]


def fava_bars(
    label: str,
    months: Sequence[datetime.date],
    stacks: Mapping[str, Mapping[datetime.date, Mapping[str, Decimal]]],
) -> BarChart:
    """Returns Fava's stacked bar chart: per month, each account's figure per currency."""
    data = []
    for month in months:
        by_account = {
            name: SimpleCounterInventory(figures[month])
            for name, figures in stacks.items()
            if figures.get(month)
        }
        total = SimpleCounterInventory()
        for inventory in by_account.values():
            for currency, number in inventory.items():
                total[currency] = total.get(currency, Decimal(0)) + number
        data.append(DateAndBalanceWithBudget(month, total, by_account, {}))
    return BarChart(label, data)


def fava_lines(
    label: str,
    months: Sequence[datetime.date],
    series: Mapping[str, Mapping[datetime.date, Decimal]],
) -> BalancesChart:
    """Returns Fava's line chart: one line per series name, one point per month."""
    data = []
    for month in months:
        points = {name: figures[month] for name, figures in series.items() if month in figures}
        data.append(DateAndBalance(month, SimpleCounterInventory(points)))
    return BalancesChart(label, data)


@dataclass(frozen=True)
class Bar:
    """A drawn rectangle and its tooltip."""

    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Label:
    """A text at a position."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Svg:
    """A chart drawn as SVG: bars, axis labels, grid lines and a legend."""

    title: str
    width: int
    height: int
    bars: list[Bar]
    x_labels: list[Label]
    y_labels: list[Label]
    legend: list[tuple[str, str]]
    zero: float


_LEFT, _RIGHT, _TOP, _BOTTOM = 80, 10, 10, 40
WIDE = (760, 240)
SMALL = (370, 200)


@dataclass(frozen=True)
class _Frame:
    """The drawing area of a chart and its vertical scale."""

    width: int
    height: int
    low: Decimal
    high: Decimal

    def y(self, value: Decimal) -> float:
        """Returns the vertical position of a value."""
        spread = float(self.high - self.low) or 1.0
        return _TOP + (self.height - _TOP - _BOTTOM) * float(self.high - value) / spread

    def step(self, count: int) -> float:
        """Returns the horizontal room of each of `count` bars."""
        return (self.width - _LEFT - _RIGHT) / max(count, 1)

    def x_labels(self, names: Sequence[str], most: int = 12) -> list[Label]:
        """Returns the labels under the bars, at most `most` of them, evenly spread."""
        every = max(1, -(-len(names) // most))
        step = self.step(len(names))
        return [
            Label(_LEFT + index * step + step / 2, self.height - _BOTTOM + 16, name)
            for index, name in enumerate(names)
            if index % every == 0
        ]

    def y_labels(self) -> list[Label]:
        """Returns round values up the axis, from the lowest to the highest."""
        step = nice_step(self.high - self.low)
        count = int((self.high - self.low) / step)
        return [
            Label(_LEFT - 6, self.y(value), short(value))
            for value in (self.low + step * i for i in range(count + 1))
        ]

    def svg(
        self, title: str, bars: list[Bar], names: Sequence[str], legend: list[tuple[str, str]]
    ) -> Svg:
        """Returns the drawn chart."""
        return Svg(
            title, self.width, self.height, bars, self.x_labels(names), self.y_labels(),
            legend, self.y(Decimal(0)),
        )  # fmt: skip


def _frame(size: tuple[int, int], low: Decimal, high: Decimal) -> _Frame:
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    step = nice_step(high - low)
    return _Frame(size[0], size[1], (low / step).to_integral_value(ROUND_FLOOR) * step,
                  (high / step).to_integral_value(ROUND_CEILING) * step)  # fmt: skip


def nice_step(spread: Decimal, ticks: int = 4) -> Decimal:
    """Returns a round step (1, 2 or 5 times a power of ten) that cuts `spread` in about `ticks`."""
    if spread <= 0:
        return Decimal(1)
    rough = spread / ticks
    power = Decimal(10) ** (rough.adjusted())
    return next(power * factor for factor in (1, 2, 5, 10) if power * factor >= rough)


def short(number: Decimal) -> str:
    """Returns a number with three significant digits and an SI suffix, as Fava's chart axes do."""
    for suffix, size in (("G", Decimal(10) ** 9), ("M", Decimal(10) ** 6), ("k", Decimal(1000))):
        if abs(number) >= size:
            return f"{number / size:.3g}{suffix}"
    return f"{number:.3g}" if number else "0"


def stacked(
    title: str,
    groups: Sequence[str],
    series: Sequence[str],
    figures: Mapping[tuple[str, str], Decimal],
    fmt: Format,
    colors: Sequence[str] | None = None,
    size: tuple[int, int] = WIDE,
    tips: Mapping[str, str] | None = None,
) -> Svg:
    """Returns stacked bars: one bar per group, one stacked segment per series.

    Figures are keyed (group, series). Positive figures stack up from zero and
    negative ones down, so a bar's height is what its figures say.
    """
    paint = list(colors) if colors else [color(index) for index in range(len(series))]
    ends: list[Decimal] = [Decimal(0)]
    for group in groups:
        values = [figures.get((group, name), Decimal(0)) for name in series]
        ends.append(sum((v for v in values if v > 0), Decimal(0)))
        ends.append(sum((v for v in values if v < 0), Decimal(0)))
    frame = _frame(size, min(ends), max(ends))
    step = frame.step(len(groups))
    bars: list[Bar] = []
    for index, group in enumerate(groups):
        x = _LEFT + index * step + step * 0.15
        up, down = Decimal(0), Decimal(0)
        for number, name in enumerate(series):
            value = figures.get((group, name), Decimal(0))
            if not value:
                continue
            start = up if value > 0 else down
            end = start + value
            up, down = (end, down) if value > 0 else (up, end)
            top, bottom = frame.y(max(start, end)), frame.y(min(start, end))
            tip = f"{(tips or {}).get(group, group)} · {name}: {fmt(value)}"
            bars.append(Bar(x, top, step * 0.7, max(bottom - top, 0.5), paint[number], tip))
    legend = [(paint[number], name) for number, name in enumerate(series)]
    return frame.svg(title, bars, groups, legend)


def bridge(
    title: str, steps: Sequence[tuple[str, Decimal]], fmt: Format, size: tuple[int, int] = SMALL
) -> Svg:
    """Returns a roll-forward bridge: the first and last steps are balances, the rest moves.

    Each move floats from the running balance before it to the one after it.
    """
    running = Decimal(0)
    spans: list[tuple[str, Decimal, Decimal, bool]] = []
    for index, (name, value) in enumerate(steps):
        if index in (0, len(steps) - 1):
            spans.append((name, Decimal(0), value, True))
            running = value
        else:
            spans.append((name, running, running + value, False))
            running += value
    ends = [Decimal(0), *(a for _, a, _, _ in spans), *(b for _, _, b, _ in spans)]
    frame = _frame(size, min(ends), max(ends))
    step = frame.step(len(spans))
    bars = []
    for index, (name, start, end, balance) in enumerate(spans):
        top, bottom = frame.y(max(start, end)), frame.y(min(start, end))
        shade = color(0) if balance else color(2) if end >= start else color(3)
        tip = f"{name}: {fmt(end if balance else end - start)}"
        x = _LEFT + index * step + step * 0.2
        bars.append(Bar(x, top, step * 0.6, max(bottom - top, 0.5), shade, tip))
    return frame.svg(title, bars, [name for name, *_ in spans], [])
