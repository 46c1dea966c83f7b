# The revenue close kit. `make close` closes a month of the demo company;
# `make test` is what CI runs. Both build .venv on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LEDGER ?= ledger/main.beancount
MONTH ?=
PORT ?= 5000

.PHONY: install import close seal browser test test-explore test-slow lint typecheck unit check-ledgers fava demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

## Import every source file under documents/ into the ledger (idempotent; all or nothing).
import: install
	$(BIN)/python import.py import documents --ledger $(dir $(LEDGER))

## The month-end close of the demo company (MONTH=YYYY-MM; default: the latest complete month).
## Imports first: re-importing adds only rows whose id is not yet in the ledger.
close: install import
	$(BIN)/revclose close $(LEDGER) $(if $(MONTH),--month $(MONTH)) --out close

## Seal a closed month (MONTH=YYYY-MM): adds its line to config/close.yaml.
seal: install
	@test -n "$(MONTH)" || { echo "usage: make seal MONTH=YYYY-MM"; exit 2; }
	$(BIN)/revclose seal $(LEDGER) --month $(MONTH)

## Lint, type checks, tests and bean-check on every ledger: what CI runs.
test: lint typecheck unit check-ledgers

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install browser
	$(BIN)/pytest

## The property tests with newly drawn examples (CI draws them from a fixed seed).
test-explore: install
	HYPOTHESIS_PROFILE=explore $(BIN)/pytest

## The slow tests, not part of CI: the aggregation step on Apache Spark in local mode.
## Installs the `spark` extra (PySpark, a large download) and needs Java 17 or later.
test-slow: install
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	$(BIN)/pytest -m slow

## Headless Chromium for the Fava page tests (Debian's package, installed when missing).
browser:
	sh tests/browser_setup.sh

# Every ledger under ledger/: the files that set their own title (included
# files, such as a month of billing, are checked through the ledger that includes them).
check-ledgers: install
	@for ledger in $$(grep -l '^option "title"' $$(find ledger -name '*.beancount' | sort)); do \
	  echo "bean-check --no-cache $$ledger"; \
	  $(BIN)/bean-check --no-cache $$ledger || exit 1; \
	done

## Browse the demo company in Fava on 127.0.0.1 (add ARGS=--read-only to forbid edits).
fava: install
	$(BIN)/fava --host 127.0.0.1 --port $(PORT) $(ARGS) $(LEDGER)

## Regenerate the demo company's books from its generator (fixed seed).
demo: install
	$(BIN)/python -m demo.generate

## Benchmarks (not part of CI): see bench/README.md.
bench: install
	$(BIN)/python -m bench.deferred_revenue
	$(BIN)/python -m bench.ar_reconciliation
	$(BIN)/python -m bench.fava_pages
	$(BIN)/python -m bench.bank_import
	$(BIN)/python -m bench.billing_import
	$(BIN)/python -m bench.usage_import --strategies
	$(BIN)/python -m bench.close

clean:
	rm -rf $(VENV) close .pytest_cache .mypy_cache .ruff_cache test-artifacts
