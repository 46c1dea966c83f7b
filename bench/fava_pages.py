"""Benchmark of the Fava pages: `python -m bench.fava_pages`.

Serves the demo company (`ledger/main.beancount`, with the extension declared
in a temporary copy of its main file) with Fava's own Flask application and
times each page's server-side render, in a fresh process per page: the first
request (`cold`: the report functions compute the page's tables) and the
median of the next requests (`warm`: the tables of this load are reused until
Fava reloads the ledger), in wall-clock time and in this process's CPU time
(the wall time is longer on a busy machine). No time or account filter: the
default view.
The table is printed and written to `bench/out/fava_pages.md`; figures go to
`bench/README.md`.

    python -m bench.fava_pages               # 5 warm requests per page
    python -m bench.fava_pages --repeat 9
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.runner import REPOSITORY

PAGES = ("RevcloseRevenue", "RevcloseReceivables", "RevcloseCommissions", "RevcloseClose")
GOAL = 1.0
OUT = Path(REPOSITORY) / "bench" / "out" / "fava_pages.md"
EXTENSION = 'custom "fava-extension" "revclose_fava"'


def demo_with_extension(folder: Path) -> Path:
    """Writes the demo's main file with the extension declared, beside links to its files."""
    root = Path(REPOSITORY)
    ledger = folder / "ledger"
    ledger.mkdir(parents=True)
    (folder / "config").symlink_to(root / "config")
    for item in sorted((root / "ledger").iterdir()):
        if item.name != "main.beancount":
            (ledger / item.name).symlink_to(item)
    text = (root / "ledger" / "main.beancount").read_text(encoding="utf-8")
    if EXTENSION not in text:
        text += f"\n2024-11-01 {EXTENSION}\n"
    main = ledger / "main.beancount"
    main.write_text(text, encoding="utf-8")
    return main


def measure_one(ledger: str, page: str, repeat: int) -> dict[str, float]:
    """Loads the ledger in Fava and times one page: the first request, then `repeat` more."""
    from fava.application import create_app

    started = time.perf_counter()
    app = create_app([ledger], load=True)
    load = time.perf_counter() - started
    client = app.test_client()
    slug = next(iter(app.config["LEDGERS"].items()))[0]
    url = f"/{slug}/extension/{page}/"
    wall, cpu = [], []
    for _ in range(repeat + 1):
        started, used = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return {
        "load": load,
        "cold": wall[0],
        "cold_cpu": cpu[0],
        "warm": statistics.median(wall[1:]),
        "warm_cpu": statistics.median(cpu[1:]),
    }


def table(results: dict[str, dict[str, float]]) -> str:
    """Returns the results as a Markdown table."""
    lines = [
        "| page | cold: wall (CPU) | warm, median: wall (CPU) | cold under 1 s | Fava load |",
        "|---|---:|---:|---|---:|",
    ]
    for page, figures in results.items():
        lines.append(
            f"| {page} | {figures['cold']:.2f} s ({figures['cold_cpu']:.2f} s) | "
            f"{figures['warm'] * 1000:.0f} ms ({figures['warm_cpu'] * 1000:.0f} ms) | "
            f"{'yes' if figures['cold'] < GOAL else 'no'} | {figures['load']:.2f} s |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the benchmark; with --one, measures one page in this process (JSON out)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument("--one", nargs=2, metavar=("LEDGER", "PAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], args.one[1], args.repeat)))
        return 0
    results = {}
    with tempfile.TemporaryDirectory(prefix="revclose-bench-fava-") as folder:
        ledger = demo_with_extension(Path(folder))
        for page in PAGES:
            command = [sys.executable, "-m", "bench.fava_pages", "--repeat", str(args.repeat)]
            output = subprocess.run(
                [*command, "--one", str(ledger), page],
                check=True,
                capture_output=True,
                text=True,
                cwd=REPOSITORY,
            ).stdout
            results[page] = json.loads(output.strip().splitlines()[-1])
            print(f"{page}: {results[page]}", file=sys.stderr)
    text = table(results)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
