"""Importing 10 million usage events against a bare DuckDB GROUP BY: `python -m bench.usage_import`.

Writes (once; kept under `bench/out/usage-<events>/` and reused) a month of
metering events as one Parquet file, 10 million events of 5,000 customers
and 20 SKUs in October 2026, with the ledger's 5,000 `custom "customer"`
directives, a price book in USD and one in EUR (flat, graduated and volume
SKUs) and 50 contracts with price overrides and monthly minimums. Then, in
fresh processes, round-robin, `--repeat` times each:

- the yardstick: a bare DuckDB `GROUP BY customer, sku, month` summing the
  quantities of the Parquet file (`YARDSTICK`), fetched into Python;
- the import: the import command's code (`importers.batch.import_documents`:
  read, find repeated ids, aggregate, validate, rate, write the accruals to
  `ledger/usage/2026-10.beancount`) into an empty usage ledger.

Both run DuckDB with the same settings (2 threads, memory limit 512 MB). Each
figure is the process's: wall-clock seconds, CPU seconds (what a busy shared
machine inflates least), and peak resident memory (`ru_maxrss`, which
includes the Python interpreter and the libraries). The ratio is the import's
median over the yardstick's median.

`--strategies` also times the ways to find repeated event ids among the 10
million, each in a fresh process: DuckDB's hash aggregate on the ids, its
COUNT(DISTINCT), its sort of the ids' hashes, and the one the importer uses,
a NumPy sort of the ids' 64-bit hashes (`importers.usage_aggregate.repeated_hashes`).
Results go to `bench/out/usage_import.md`.

    python -m bench.usage_import [--events 10000000] [--repeat 3] [--strategies]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.measure import peak_rss_mib

CUSTOMERS = 5_000
_TIERS = "{{pricing: {}, tiers: [{}, {{unit_price: {}}}]}}"
SKUS = (
    ("gpu-hours", "{unit_price: 2.49}"),
    ("gpu-hours-h100", "{unit_price: 4.10}"),
    ("gpu-hours-a100", "{unit_price: 3.20}"),
    ("cpu-hours", "{unit_price: 0.045}"),
    ("storage-gb-hours", "{unit_price: 0.00014}"),
    ("egress-gb", _TIERS.format("graduated", "{up_to: 1000, unit_price: 0.09}", "0.05")),
    ("api-calls", _TIERS.format("graduated", "{up_to: 2000, unit_price: 0.002}", "0.001")),
    ("image-generations", _TIERS.format(
        "graduated",
        "{up_to: 5000, unit_price: 0.02}, {up_to: 50000, unit_price: 0.015}",
        "0.01",
    )),
    ("video-seconds", _TIERS.format("volume", "{up_to: 3600, unit_price: 0.05}", "0.04")),
    ("tokens-in", "{unit_price: 0.000002}"),
    ("tokens-out", "{unit_price: 0.000006}"),
    ("fine-tune-hours", "{unit_price: 6.00}"),
    ("embeddings", "{unit_price: 0.0001}"),
    ("speech-seconds", _TIERS.format("volume", "{up_to: 6000, unit_price: 0.006}", "0.004")),
    ("transcription-minutes", "{unit_price: 0.006}"),
    ("vector-queries", "{unit_price: 0.0004}"),
    ("batch-jobs", "{unit_price: 0.25}"),
    ("inference-requests", "{unit_price: 0.0009}"),
    ("cache-reads", "{unit_price: 0.00003}"),
    ("support-hours", "{unit_price: 150.00}"),
)  # fmt: skip
MONTH_SECONDS = 31 * 24 * 3600
CONFIG = """\
usage:
  importer: usage
  documents: usage/*
  ledger: usage
  pricing: pricing.yaml
  columns: {id: event_id, timestamp: timestamp, customer: customer_id, sku: sku, quantity: quantity}
  memory_limit: 512MB
  threads: 2
"""
SETTINGS = (
    "SET threads = 2; SET memory_limit = '512MB'; SET enable_progress_bar = false; "
    "SET preserve_insertion_order = false; SET TimeZone = 'UTC'"
)
YARDSTICK = """\
SELECT customer_id, sku, date_trunc('month', timestamp) AS month,
       sum(quantity) AS quantity, count(*) AS events
FROM read_parquet(?)
GROUP BY customer_id, sku, month
"""
# Ways to find the event ids on more than one row (all exact; the last is the importer's).
STRATEGIES = {
    "DuckDB hash aggregate on the ids": (
        "SELECT event_id FROM read_parquet(?) GROUP BY event_id HAVING count(*) > 1"
    ),
    "DuckDB COUNT(DISTINCT id)": "SELECT count(*) - count(DISTINCT event_id) FROM read_parquet(?)",
    "DuckDB hash aggregate on 64-bit hashes": (
        "SELECT hash(event_id) AS h FROM read_parquet(?) GROUP BY h HAVING count(*) > 1"
    ),
    "DuckDB sort of 64-bit hashes": (
        "SELECT count(*) FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous "
        "FROM (SELECT hash(event_id) AS h FROM read_parquet(?))) WHERE h = previous"
    ),
    "NumPy sort of 64-bit hashes (the importer's)": "",
}


def _events_sql(count: int, path: Path) -> str:
    """Returns the DuckDB statement that writes the events, a fixed function of their number."""
    skus = "[" + ", ".join(f"'{name}'" for name, _ in SKUS) + "]"
    return f"""
    COPY (
      SELECT
        'evt-2610-' || lpad(to_hex((i * 1099511627) % 1099511627776), 10, '0') AS event_id,
        TIMESTAMP '2026-10-01 00:00:00' + to_seconds((i * 104729) % {MONTH_SECONDS}) AS timestamp,
        'CUS-' || lpad(((i * 7919) % {CUSTOMERS})::VARCHAR, 5, '0') AS customer_id,
        {skus}[((i // {CUSTOMERS}) * 7 + i) % {len(SKUS)} + 1] AS sku,
        (((i * 2654435761) % 100000) / 1000)::DECIMAL(18,3) AS quantity
      FROM range({count}) AS t(i)
    ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """


def _pricing() -> str:
    usd = "".join(f"      {name}: {price}\n" for name, price in SKUS)
    contracts = "".join(
        f"  CTR-{n:05d}:\n    customer: CUS-{n:05d}\n    start: 2026-01-01\n"
        f"    prices: {{gpu-hours: {{unit_price: 2.20}}}}\n"
        f"    minimum: {{amount: {1000 + n * 40}.00, shortfall: revenue}}\n"
        for n in range(0, CUSTOMERS, CUSTOMERS // 50)
    )
    return (
        f"price_books:\n  list-usd:\n    currency: USD\n    skus:\n{usd}"
        f"  list-eur:\n    currency: EUR\n    skus:\n{usd}"
        f"entities: {{US: list-usd, EU: list-eur}}\ncontracts:\n{contracts}"
    )


def _entity(customer: int) -> str:
    return "EU" if customer % 5 == 0 else "US"


def write_books(folder: Path, count: int) -> Path:
    """Writes the events (unless already there), the customers, the prices and the config."""
    import duckdb

    documents = folder / "documents" / "usage"
    documents.mkdir(parents=True, exist_ok=True)
    (folder / "ledger").mkdir(exist_ok=True)
    events = documents / "2026-10.parquet"
    if not events.exists():
        partial = events.with_name(".partial.parquet")
        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")
        connection.execute(_events_sql(count, partial))
        partial.rename(events)
    customers = "".join(
        f'2024-01-01 custom "customer" "CUS-{n:05d}" "Customer {n}" "{_entity(n)}"\n'
        for n in range(CUSTOMERS)
    )
    (folder / "ledger" / "customers.beancount").write_text(customers, encoding="utf-8")
    (folder / "pricing.yaml").write_text(_pricing(), encoding="utf-8")
    (folder / "importers.yaml").write_text(CONFIG, encoding="utf-8")
    return events


def _cpu() -> float:
    return time.process_time()


def _measured(run: Callable[[], dict[str, Any]]) -> None:
    started, cpu = time.perf_counter(), _cpu()
    figures = run()
    figures |= {"seconds": time.perf_counter() - started, "cpu": _cpu() - cpu}
    print(json.dumps(figures | {"peak_mib": peak_rss_mib()}))


def _yardstick(events: Path) -> dict[str, Any]:
    import duckdb

    connection = duckdb.connect()
    connection.execute(SETTINGS)
    return {"groups": len(connection.execute(YARDSTICK, [str(events)]).fetchall())}


def _import(folder: Path) -> dict[str, Any]:
    from importers import batch, sources

    importers = sources.load(folder / "importers.yaml")
    done = batch.import_documents(importers, [folder / "documents"], folder / "ledger")
    written = sum(path.stat().st_size for path in (folder / "ledger" / "usage").glob("*"))
    return {"added": sum(done.added.values()), "ledger_mib": written / 2**20}


def _strategy(name: str, events: Path) -> dict[str, Any]:
    import duckdb

    from importers import usage_aggregate

    connection = duckdb.connect()
    connection.execute(SETTINGS)
    if STRATEGIES[name]:
        return {"rows": len(connection.execute(STRATEGIES[name], [str(events)]).fetchall())}
    hashes, _ = usage_aggregate.repeated_hashes(connection, f"read_parquet('{events}')")
    return {"rows": len(hashes)}


def child(kind: str, target: Path, name: str) -> None:
    """Runs one measured step in this process and prints its figures as JSON.

    The modules either step uses are imported before its clock starts.
    """
    import duckdb  # noqa: F401
    import numpy  # noqa: F401
    import pyarrow  # noqa: F401

    if kind == "import":
        from importers import batch, sources  # noqa: F401
    if kind == "strategy":
        from importers import usage_aggregate  # noqa: F401
    if kind == "yardstick":
        _measured(lambda: _yardstick(target))
    elif kind == "import":
        shutil.rmtree(target / "ledger" / "usage", ignore_errors=True)
        _measured(lambda: _import(target))
    else:
        _measured(lambda: _strategy(name, target))


def measure(kind: str, target: Path, name: str = "") -> dict[str, Any]:
    """Runs one step in a fresh process and returns its figures."""
    command = [sys.executable, "-m", "bench.usage_import", "--child", kind, str(target)]
    command += ["--name", name] if name else []
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.splitlines()[-1]))


def _span(values: list[float], digits: int = 2) -> str:
    low, high = min(values), max(values)
    middle = statistics.median(values)
    return f"{middle:.{digits}f} ({low:.{digits}f}-{high:.{digits}f})"


def report(count: int, runs: dict[str, list[dict[str, Any]]]) -> str:
    """Returns the yardstick and the import as a Markdown table, medians (and ranges)."""
    lines = [
        "| run | events | seconds | CPU seconds | events/s (wall) | peak MiB |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, figures in runs.items():
        seconds = [figure["seconds"] for figure in figures]
        cpu = [figure["cpu"] for figure in figures]
        rate = count / statistics.median(seconds)
        peaks = [figure["peak_mib"] for figure in figures]
        lines.append(
            f"| {name} | {count:,} | {_span(seconds)} | {_span(cpu)} | {rate:,.0f} "
            f"| {_span(peaks, 0)} |"
        )
    base, ours = runs["yardstick"], runs["import"]
    wall = statistics.median(f["seconds"] for f in ours) / statistics.median(
        f["seconds"] for f in base
    )
    cpu = statistics.median(f["cpu"] for f in ours) / statistics.median(f["cpu"] for f in base)
    pairs = [o["seconds"] / b["seconds"] for o, b in zip(ours, base, strict=True)]
    peak = max(f["peak_mib"] for f in ours)
    lines += [
        "",
        f"Import / yardstick: **{wall:.2f}x** wall-clock (medians; run by run "
        f"{min(pairs):.2f}x-{max(pairs):.2f}x), **{cpu:.2f}x** CPU. Goal <= 2x: "
        f"{'met' if cpu <= 2 else 'not met'} in CPU, {'met' if wall <= 2 else 'not met'} "
        f"wall-clock. Peak memory of the import: {peak:.0f} MiB; "
        f"goal < 1024 MiB: {'met' if peak < 1024 else 'not met'}. Accruals written: "
        f"{ours[0]['added']:,} ({ours[0]['ledger_mib']:.1f} MiB).",
    ]
    return "\n".join(lines) + "\n"


def strategies(events: Path, repeat: int) -> str:
    """Times each way to find repeated ids, round-robin, and returns a Markdown table."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in STRATEGIES}
    for _ in range(repeat):
        for name in STRATEGIES:
            runs[name].append(measure("strategy", events, name))
    lines = [
        "| finding repeated ids among the events | seconds | CPU seconds | peak MiB |",
        "|---|---:|---:|---:|",
    ]
    for name, figures in runs.items():
        seconds = [figure["seconds"] for figure in figures]
        cpu = [figure["cpu"] for figure in figures]
        peaks = [figure["peak_mib"] for figure in figures]
        lines.append(f"| {name} | {_span(seconds)} | {_span(cpu)} | {_span(peaks, 0)} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Runs the benchmark; see the module's docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--strategies", action="store_true", help="also time repeated-id checks")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--name", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.name)
        return
    folder = args.out / f"usage-{args.events}"
    events = write_books(folder, args.events)
    runs: dict[str, list[dict[str, Any]]] = {"yardstick": [], "import": []}
    for _ in range(args.repeat):
        runs["yardstick"].append(measure("yardstick", events))
        runs["import"].append(measure("import", folder))
    text = report(args.events, runs)
    print(text, flush=True)
    if args.strategies:
        text += "\n" + strategies(events, args.repeat)
        print(text.split("\n\n")[-1])
    (args.out / "usage_import.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
