"""Ledgers for the benchmarks: annual invoices, and the demo company.

Every synthetic ledger holds `count` annual invoices: a 12-month service period
starting on a day drawn from one year, an amount in USD drawn from 12.00 to
60,000.00, one deferred line and the receivable. The same invoices are written
twice: in this project's syntax (a posting to `Liabilities:DeferredRevenue`
with `service_start` and `service_end`) and in beancount-periodic's (a posting
to `Income:Revenue` with an `amortize` string). Each syntax gets a ledger
without its plugin and one with it, so a ratio compares two loads of the same
postings. The draw is seeded, so a run always writes the same files.
"""

from __future__ import annotations

import calendar
import datetime
import os
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

SEED = 606
FIRST_START = datetime.date(2025, 1, 1)
OPENED = datetime.date(2024, 1, 1)
RECEIVABLE = "Assets:AccountsReceivable"
DEFERRED = "Liabilities:DeferredRevenue:Subscriptions"
REVENUE = "Income:Revenue:Subscriptions"
PERIODIC_HOLDING = "Equity:Received:Revenue:Subscriptions"  # where beancount-periodic parks it
PLUGIN = "plugins.deferred_revenue"
PERIODIC_PLUGIN = "beancount_periodic.amortize"
DETAILS = ("line", "summary")
HORIZONS = ("all", "books")


def variant_name(detail: str, horizon: str) -> str:
    """Returns a variant's name: `line`, `summary` (horizon all), `line-books`, ..."""
    return detail if horizon == "all" else f"{detail}-{horizon}"


def variant_names(horizons: Sequence[str] = HORIZONS) -> list[tuple[str, str, str]]:
    """Returns (name, detail, horizon) of every variant with the plugin."""
    return [
        (variant_name(detail, horizon), detail, horizon)
        for horizon in horizons
        for detail in DETAILS
    ]


@dataclass(frozen=True)
class Invoice:
    """One annual invoice: billed on the first day of its service period."""

    number: int
    start: datetime.date
    end: datetime.date
    cents: int

    @property
    def id(self) -> str:
        """The invoice id, also its link."""
        return f"INV-{self.number:06d}"

    @property
    def amount(self) -> str:
        """The amount as the ledger writes it, with exactly two decimals."""
        return f"{self.cents // 100}.{self.cents % 100:02d}"


@dataclass(frozen=True)
class LedgerSet:
    """The ledgers of one benchmark row family: a main file per variant."""

    name: str
    without: Path
    with_detail: dict[str, Path]
    periodic_without: Path | None = None
    periodic_with: Path | None = None


def end_of_term(start: datetime.date, months: int) -> datetime.date:
    """Returns the inclusive last day of a term of `months` months from `start`.

    Args:
      start: The first day of the term.
      months: Its length in months.
    Returns:
      The day before the same day `months` later (clamped to a shorter month's end).
    """
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(start.day, last_day)) - datetime.timedelta(days=1)


def invoices(count: int, seed: int = SEED) -> list[Invoice]:
    """Returns `count` annual invoices with varied start days and amounts.

    Args:
      count: How many invoices.
      seed: The seed of the draw; the same seed gives the same invoices.
    Returns:
      The invoices in order of number (not of date).
    """
    draw = random.Random(seed)
    drawn = []
    for number in range(1, count + 1):
        start = FIRST_START + datetime.timedelta(days=draw.randrange(365))
        cents = draw.randrange(1_200, 6_000_001)
        drawn.append(Invoice(number, start, end_of_term(start, 12), cents))
    return drawn


def _header(invoice: Invoice) -> str:
    customer = f"CUS-{invoice.number % 997:04d}"
    due = invoice.start + datetime.timedelta(days=30)
    return (
        f'{invoice.start} * "Customer {customer}" "Invoice {invoice.id}" ^{invoice.id}\n'
        f'  invoice: "{invoice.id}"\n'
        f'  customer: "{customer}"\n'
        f"  due: {due}\n"
        f"  {RECEIVABLE:<44} {invoice.amount:>10} USD\n"
    )


def deferred_invoice(invoice: Invoice) -> str:
    """Returns an invoice in this project's syntax: a deferred line with its period."""
    return (
        _header(invoice) + f"  {DEFERRED:<44} {'-' + invoice.amount:>10} USD\n"
        f"    service_start: {invoice.start}\n"
        f"    service_end: {invoice.end}\n"
    )


def periodic_invoice(invoice: Invoice) -> str:
    """Returns an invoice in beancount-periodic's syntax.

    `12 Months @start /Monthly!` spreads the line over 12 monthly steps from the
    start, each weighted by its real days: the nearest of its options to the
    daily basis.
    """
    return (
        _header(invoice) + f"  {REVENUE:<44} {'-' + invoice.amount:>10} USD\n"
        f'    amortize: "12 Months @{invoice.start} /Monthly!"\n'
    )


def _opens(accounts: Iterator[str] | tuple[str, ...]) -> str:
    return "".join(f"{OPENED} open {name} USD\n" for name in accounts)


def _main(title: str, plugin: str | None, body: str) -> str:
    lines = [f'option "title" "{title}"', 'option "operating_currency" "USD"']
    if plugin is not None:
        lines.append(plugin)
    lines.append(f'include "{body}"')
    return "\n".join(lines) + "\n"


def write_policy(
    path: Path, detail: str, base: dict[str, object] | None = None, horizon: str = "all"
) -> Path:
    """Writes a revenue policy YAML with the given detail level and release horizon.

    Args:
      path: Where to write it.
      detail: `line` or `summary`.
      base: Other fields of the policy to keep (default: the daily basis only).
      horizon: `all` or `books`.
    Returns:
      The path written.
    """
    fields = dict(base or {"basis": "daily"})
    fields["detail"] = detail
    fields["horizon"] = horizon
    path.write_text(yaml.safe_dump(fields, sort_keys=False), encoding="utf-8")
    return path


def write_invoice_ledgers(
    folder: Path, count: int, horizons: Sequence[str] = HORIZONS
) -> LedgerSet:
    """Writes the synthetic ledgers of `count` invoices under `folder`.

    Args:
      folder: An existing or new folder; its files are overwritten.
      count: How many annual invoices.
      horizons: The release horizons to write a variant of each detail level for.
    Returns:
      The main files of every variant.
    """
    folder.mkdir(parents=True, exist_ok=True)
    drawn = invoices(count)
    ours = _opens((RECEIVABLE, DEFERRED, REVENUE)) + "\n"
    ours += "\n".join(deferred_invoice(invoice) for invoice in drawn)
    theirs = _opens((RECEIVABLE, REVENUE, PERIODIC_HOLDING)) + "\n"
    theirs += "\n".join(periodic_invoice(invoice) for invoice in drawn)
    (folder / "invoices.beancount").write_text(ours, encoding="utf-8")
    (folder / "invoices-periodic.beancount").write_text(theirs, encoding="utf-8")
    title = f"{count} annual invoices"
    mains = {"none": _main(title, None, "invoices.beancount")}
    for name, detail, horizon in variant_names(horizons):
        write_policy(folder / f"revenue-{name}.yaml", detail, horizon=horizon)
        mains[name] = _main(title, f'plugin "{PLUGIN}" "revenue-{name}.yaml"', "invoices.beancount")
    mains["periodic-none"] = _main(title, None, "invoices-periodic.beancount")
    mains["periodic"] = _main(title, f'plugin "{PERIODIC_PLUGIN}"', "invoices-periodic.beancount")
    for variant, text in mains.items():
        (folder / f"main-{variant}.beancount").write_text(text, encoding="utf-8")
    return LedgerSet(
        name=f"{count:,} invoices",
        without=folder / "main-none.beancount",
        with_detail={
            name: folder / f"main-{name}.beancount" for name, _, _ in variant_names(horizons)
        },
        periodic_without=folder / "main-periodic-none.beancount",
        periodic_with=folder / "main-periodic.beancount",
    )


_PLUGIN_LINE = re.compile(r'^plugin\s+"' + re.escape(PLUGIN) + r'"[^\n]*$', re.MULTILINE)


def write_demo_variants(
    ledger: Path, config: Path, name: str, horizons: Sequence[str] = HORIZONS
) -> LedgerSet:
    """Writes a main file per variant beside a generated demo's `main.beancount`.

    The variants differ only in the `plugins.deferred_revenue` line: removed, or
    naming a copy of `config/revenue.yaml` set to either detail level and each
    release horizon. Other plugin lines stay, so "without" is the same ledger
    minus this plugin.

    Args:
      ledger: The folder `python -m demo.generate --out` wrote.
      config: The copy of the project's `config/` that the ledger's plugin lines name.
      name: The row name.
      horizons: The release horizons to write a variant of each detail level for.
    Returns:
      The main files of every variant.
    Raises:
      ValueError: If `main.beancount` has no `plugins.deferred_revenue` line.
    """
    text = (ledger / "main.beancount").read_text(encoding="utf-8")
    found = _PLUGIN_LINE.search(text)
    if found is None:
        raise ValueError(f"{ledger / 'main.beancount'} has no '{PLUGIN}' plugin line")
    before, after = text[: found.start()], text[found.end() :]
    policy_file = config / "revenue.yaml"
    loaded = yaml.safe_load(policy_file.read_text(encoding="utf-8")) if policy_file.exists() else {}
    (ledger / "main-none.beancount").write_text(before + after, encoding="utf-8")
    variants = variant_names(horizons)
    for variant, detail, horizon in variants:
        policy = write_policy(
            config / f"revenue-{variant}.yaml", detail, dict(loaded or {}), horizon
        )
        relative = os.path.relpath(policy, ledger)
        line = f'plugin "{PLUGIN}" "{relative}"'
        (ledger / f"main-{variant}.beancount").write_text(before + line + after, encoding="utf-8")
    return LedgerSet(
        name=name,
        without=ledger / "main-none.beancount",
        with_detail={variant: ledger / f"main-{variant}.beancount" for variant, _, _ in variants},
    )
