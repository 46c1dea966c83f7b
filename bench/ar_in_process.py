"""The AR plugin alone, in process: `python -m bench.ar_in_process [--runs N]`.

Loads `bench/out/ar-100000/main-none.beancount` (written by
`python -m bench.ar_reconciliation`) once, then runs
`plugins.ar_reconciliation` on its entries `--runs` times, after one run
to warm up, and prints each run's CPU seconds, the count of entries it
generated and a digest of their printed text. Without Beancount's load
around it, a change to the plugin's cost shows in seconds rather than in
a share of a 30-second load; the digest says whether the books changed.
The collector runs between runs, not in them (the plugin pauses it).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

from beancount import loader
from beancount.parser import printer

from plugins import ar_reconciliation


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs (default 3)")
    parser.add_argument("--folder", default="bench/out/ar-100000", help="the benchmark's ledgers")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    loader.initialize(use_cache=False)
    entries, _, options = loader.load_file(str(folder / "main-none.beancount"))
    options["filename"] = str(folder / "main-ar.beancount")
    made, errors = ar_reconciliation.ar_reconciliation(list(entries), options, "ar.yaml")
    digest = hashlib.sha256()
    for entry in made[len(entries) :]:
        digest.update(printer.format_entry(entry).encode())
    print(
        f"generated {len(made) - len(entries)}, errors {len(errors)}, "
        f"digest {digest.hexdigest()[:16]}"
    )
    del made, errors
    times = []
    for _ in range(args.runs):
        gc.collect()
        start = time.process_time()
        ar_reconciliation.ar_reconciliation(list(entries), options, "ar.yaml")
        times.append(time.process_time() - start)
    print(
        "CPU seconds:", ", ".join(f"{seconds:.2f}" for seconds in times), f"(best {min(times):.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
