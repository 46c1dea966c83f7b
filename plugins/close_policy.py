"""The close policy: `config/close.yaml`.

sealed:                 # closed months and their seals (`make seal MONTH=...`)
  2026-09: 5d0c2e...    # reopening a month is deleting its line
seals_folder: seals     # per-entry manifests of the seals, beside this file
bank_root: Assets:Bank  # bank accounts, for the pad control
tie_outs: true          # month-end tie-outs of the subledgers
hygiene: true           # pads, customers on revenue, exact balance assertions
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugins import accounts, policy

_FIELDS = {"sealed", "seals_folder", "bank_root", "tie_outs", "hygiene", "accounts_file", "flux"}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ClosePolicy:
    """Which months are closed, and which controls run."""

    sealed: Mapping[str, str] = field(default_factory=dict)
    sealed_lines: Mapping[str, int] = field(default_factory=dict)
    seals_folder: str | None = None
    bank_root: str = "Assets:Bank"
    tie_outs: bool = True
    hygiene: bool = True
    accounts: accounts.Accounts = field(default_factory=accounts.Accounts)
    path: str | None = None


def _sealed(document: policy.Document) -> dict[str, str]:
    value = document.data.get("sealed") or {}
    if not isinstance(value, dict):
        document.error(("sealed",), "Field 'sealed' expected a mapping of YYYY-MM to a seal")
        return {}
    sealed = {}
    for month, digest in value.items():
        text = str(month)
        if not _MONTH.match(text):
            document.error(
                ("sealed", month), f"Sealed month '{text}' is not a month; expected YYYY-MM"
            )
        elif not isinstance(digest, str) or not _DIGEST.match(digest):
            document.error(
                ("sealed", month),
                f"Seal of '{text}' expected 64 hexadecimal digits, found '{digest}'",
            )
        else:
            sealed[text] = digest
    return sealed


def load(
    config: str | None, options_map: Mapping[str, Any]
) -> tuple[ClosePolicy, list[policy.PolicyError]]:
    """Reads the close policy named by the plugin's config string."""
    path = policy.resolve(config, options_map)
    if path is None:
        book_accounts, errors = accounts.load(None, options_map)
        return ClosePolicy(accounts=book_accounts), errors
    document = policy.load(path)
    if document.errors:
        return ClosePolicy(path=path), list(document.errors)
    document.reject_unknown(_FIELDS)
    book_accounts, account_errors = accounts.load(accounts.file_beside(path, document), options_map)
    folder = document.read("seals_folder", policy.text, "a folder name", "seals")
    sealed = _sealed(document)
    chosen = ClosePolicy(
        sealed=sealed,
        sealed_lines={month: document.line(("sealed", month)) for month in sealed},
        seals_folder=os.path.normpath(os.path.join(os.path.dirname(path), folder)),
        bank_root=document.read(
            "bank_root", policy.account_name, policy.ACCOUNT_EXPECTED, "Assets:Bank"
        ),
        tie_outs=document.read("tie_outs", policy.boolean, "true or false", True),
        hygiene=document.read("hygiene", policy.boolean, "true or false", True),
        accounts=book_accounts,
        path=path,
    )
    return chosen, [*document.errors, *account_errors]
