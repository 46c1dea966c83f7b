"""The benchmark's report: Markdown tables of ratios, memory, phases and checks."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

from bench.runner import REPOSITORY, Samples

PLUGIN_PHASE = {"deferred_revenue": "plugins.deferred_revenue"}
PERIODIC = "beancount-periodic"
PERIODIC_PHASE = "beancount_periodic.amortize"


@dataclass(frozen=True)
class Comparison:
    """Two loads of the same postings: without a plugin and with it.

    Attributes:
      ledger: The ledger's name, e.g. `10,000 invoices`.
      plugin: `deferred_revenue` or `beancount-periodic`.
      detail: The detail level (`line`, `summary`) or the plugin's own option.
      without: The loads without the plugin line.
      with_plugin: The loads with it.
      goal: The highest ratio the issue accepts, if it sets one.
      phase: The name under which Beancount times the plugin.
    """

    ledger: str
    plugin: str
    detail: str
    without: Samples
    with_plugin: Samples
    goal: float | None
    phase: str

    @property
    def ratio(self) -> float:
        """Median load time with the plugin over median load time without it."""
        return self.with_plugin.seconds / self.without.seconds

    @property
    def fastest_ratio(self) -> float:
        """Fastest load with the plugin over fastest without: less exposed to a busy machine."""
        return self.with_plugin.spread[0] / self.without.spread[0]

    @property
    def met(self) -> str:
        """`yes` or `no` against the goal, or a dash when there is none."""
        if self.goal is None:
            return "-"
        return "yes" if self.ratio <= self.goal else "**no**"


def _row(cells: Sequence[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(row) for row in rows)]


def _name(comparison: Comparison) -> list[object]:
    return [comparison.ledger, comparison.plugin, comparison.detail]


def _seconds(samples: Samples) -> str:
    low, high = samples.spread
    return f"{samples.seconds:.2f} ({low:.2f}-{high:.2f}, n={len(samples.runs)})"


def ratio_table(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns the table of load times and their ratios."""
    rows = []
    for item in comparisons:
        postings = item.without.first["postings"]
        rate = postings / item.without.seconds
        goal = f"<= {item.goal}" if item.goal is not None else "-"
        rows.append(
            [
                *_name(item),
                f"{postings:,}",
                _seconds(item.without),
                f"{rate:,.0f}",
                _seconds(item.with_plugin),
                f"**{item.ratio:.2f}x**",
                f"{item.fastest_ratio:.2f}x",
                goal,
                item.met,
            ]
        )
    header = ["ledger", "plugin", "detail", "postings typed", "without: s (range)", "postings/s"]
    return _table([*header, "with: s (range)", "ratio", "fastest/fastest", "goal", "met"], rows)


def memory_table(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns the table of peak memory and of what the plugin added to the books."""
    rows = []
    for item in comparisons:
        without, with_plugin = item.without.first, item.with_plugin.first
        rows.append(
            [
                *_name(item),
                f"{item.without.peak_rss_mib:,.0f}",
                f"{item.with_plugin.peak_rss_mib:,.0f}",
                f"{item.with_plugin.peak_rss_mib / item.without.peak_rss_mib:.2f}x",
                f"{with_plugin['entries'] - without['entries']:,}",
                f"{with_plugin['postings'] - without['postings']:,}",
                f"{without['errors']} / {with_plugin['errors']}",
            ]
        )
    header = ["ledger", "plugin", "detail", "peak RSS without (MiB)", "peak RSS with (MiB)"]
    return _table([*header, "ratio", "entries added", "postings added", "errors"], rows)


def _ms(value: float) -> str:
    return f"{value / 1000:.2f}"


def phase_table(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns where each load's time goes, in seconds, by Beancount's own timings."""
    rows = []
    seen: set[str] = set()
    for item in comparisons:
        for label, samples in (("without", item.without), (item.detail, item.with_plugin)):
            if samples.variant.key in seen:
                continue
            seen.add(samples.variant.key)
            phases = samples.phases_ms
            plugin = phases.get(item.phase, 0.0)
            others = phases.get("run_transformations", 0.0) - plugin
            rows.append(
                [
                    item.ledger,
                    item.plugin if label != "without" else f"({item.plugin} syntax)",
                    label,
                    _ms(phases.get("parse", 0.0)),
                    _ms(phases.get("booking", 0.0)),
                    _ms(plugin),
                    _ms(others),
                    _ms(phases.get("beancount.ops.validate", 0.0)),
                    f"{samples.seconds:.2f}",
                ]
            )
    header = ["ledger", "plugin", "variant", "parse", "booking", "the plugin", "other plugins"]
    return _table([*header, "validate", "total"], rows)


def _amounts(amounts: dict[str, str]) -> str:
    return ", ".join(f"{number} {currency}" for currency, number in amounts.items()) or "0"


def check_table(comparisons: Sequence[Comparison]) -> list[str]:
    """Returns the correctness of every generated schedule."""
    rows = []
    for item in comparisons:
        check = item.with_plugin.first["check"]
        if check is None:
            continue
        sources = f"{check['sources_off']} of {check['sources']:,}" if check["sources"] else "-"
        rows.append(
            [
                *_name(item),
                f"{check['pieces']:,}",
                _amounts(check["billed"]),
                _amounts(check["released"]),
                "yes" if check["sum_exact"] else "**no**",
                sources,
                f"{check['not_exact_decimals']:,}",
                f"{check['sub_minor_unit']:,}",
            ]
        )
    # To release: what was billed, or with `horizon: books` each line's share through it.
    header = ["ledger", "plugin", "detail", "pieces", "to release", "released", "sum exact"]
    return _table([*header, "sources off", "pieces not at 2 decimals", "sub-cent pieces"], rows)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def revision() -> str:
    """Returns the commit measured, and whether `plugins/` had changes not committed."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "plugins"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} (plugins/ with changes not committed)" if dirty else head


def machine() -> str:
    """Returns one line describing the machine and the versions measured."""
    return (
        f"{os.cpu_count()} cores ({_cpu_model()}), {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, beancount {_version('beancount')}"
    )


def document(comparisons: Sequence[Comparison], command: str, notes: Sequence[str]) -> str:
    """Returns the whole report as Markdown.

    Args:
      comparisons: Every row measured.
      command: The command line that produced it.
      notes: Lines to add under the tables (skipped rows, versions).
    """
    sections = [
        "# Benchmark: plugins.deferred_revenue",
        "",
        f"Machine: {machine()}. Commit: {revision()}.",
        f"Command: `{command}`. Each figure is the median of the loads counted in the",
        "table, each in a fresh process, with `beancount.loader.load_file` and the pickle cache",
        "off; the ratio is median with over median without, measured in the same run with the",
        "variants interleaved.",
        "",
        "## Load time",
        "",
        *ratio_table(comparisons),
        "",
        "## Peak memory and generated entries",
        "",
        *memory_table(comparisons),
        "",
        "## Where the time goes (seconds, Beancount's own phase timings, medians)",
        "",
        *phase_table(comparisons),
        "",
        "## Correctness of the generated pieces",
        "",
        *check_table(comparisons),
        "",
        *(f"- {note}" for note in notes),
    ]
    return "\n".join(sections).rstrip() + "\n"
