"""Importers: source files under `documents/` into the ledger, per `config/importers.yaml`.

- `commissions`: the commission system's CSV export (one module per source).
- `source`, `config`, `csv_rows`, `errors`: what every source's importer shares.
- `sources`: builds the importers of the configuration file.
- `ledger_files`: writes imported entries idempotently, one file per source and month.
- `batch` and `command`: `python import.py import`, what `make import` runs.
"""
