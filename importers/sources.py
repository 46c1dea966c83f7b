"""The sources of `config/importers.yaml`, each built into its importer.

    commissions:
      importer: commissions     # one of KINDS
      documents: commissions/*.csv
      ledger: commissions
      ...                       # the fields of the importer's module

Adding a source system (a bank, the billing system) is a module in
`importers/` with a `from_config(section, placement)`, a line in `KINDS`, and a
section in the YAML file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from importers import (
    bank_bai2,
    bank_camt,
    bank_csv,
    bank_mt940,
    bank_ofx,
    billing_generic,
    billing_stripe,
    billing_stripe_csv,
    commissions,
    config,
    crm,
    source,
    stripe_balance,
    usage,
)
from importers.config import Section
from importers.errors import raise_if_any
from importers.source import Placement, SourceImporter
from plugins import policy

KINDS: Mapping[str, Callable[[Section, Placement], SourceImporter]] = {
    "commissions": commissions.from_config,
    "crm": crm.from_config,
    "bai2": bank_bai2.from_config,
    "camt053": bank_camt.from_config,
    "mt940": bank_mt940.from_config,
    "ofx": bank_ofx.from_config,
    "bank_csv": bank_csv.from_config,
    "stripe_balance": stripe_balance.from_config,
    "billing_stripe": billing_stripe.from_config,
    "billing_stripe_csv": billing_stripe_csv.from_config,
    "billing_generic": billing_generic.from_config,
    "usage": usage.from_config,
}


def load(path: Path) -> list[SourceImporter]:
    """Returns the importer of every source in the configuration file, in the file's order.

    Raises:
      ImportFailed: With every problem of the file, each at its line.
    """
    document, sections = config.load(path)
    kinds = ", ".join(f"'{kind}'" for kind in KINDS)
    importers = []
    folders: dict[str, str] = {}
    for section in sections:
        kind = section.require("importer", policy.choice(tuple(KINDS)), f"one of {kinds}", "")
        place = source.placement(section)
        if place.folder and place.folder in folders:
            other = folders[place.folder]
            message = f"Field '{section.label('ledger')}' is also the folder of source '{other}'"
            section.error("ledger", message)
        folders.setdefault(place.folder, section.name)
        if kind:
            importers.append(KINDS[kind](section, place))
    raise_if_any(config.problems(document))
    return importers
