"""The contract memo: ASC 606's five steps for one contract, with its own figures.

`revclose memo LEDGER CONTRACT [--as-of DATE]` writes markdown for an audit
file: the contract and where it is in the books (step 1), its performance
obligations (step 2), its transaction price and variable consideration
(step 3), the allocation with each obligation's share (step 4), revenue to
date and remaining for each obligation (step 5), the contract's balances at
the date, and the policy choices applied. Every figure comes from the same
code the plugin runs (reports.contracts), so the memo and the books agree.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

from plugins import allocation
from plugins.allocation import Claim
from plugins.allocation_policy import AllocationPolicy
from plugins.obligations import POINT, USAGE, ContractTerms, Obligation
from plugins.ssp_allocation import ContractRevenue
from reports import contracts
from reports.books import Books


class UnknownContract(ValueError):
    """The memo's contract is not an allocated contract of the books."""


def _where(books: Books, meta: dict[str, object]) -> str:
    folder = os.path.dirname(os.path.abspath(books.path))
    filename = str(meta.get("filename", ""))
    relative = os.path.relpath(filename, folder) if os.path.isabs(filename) else filename
    return f"{relative}:{meta.get('lineno')}"


class _Money:
    def __init__(self, terms: ContractTerms, policy: AllocationPolicy) -> None:
        self.currency = terms.currency
        self.precision = policy.revenue.precision

    def __call__(self, units: int) -> str:
        return f"{self.precision.from_minor(units, self.currency):,f} {self.currency}"


def _period(ob: Obligation) -> str:
    if ob.pattern == POINT:
        return f"delivered {ob.end}"
    if ob.start and ob.end:
        return f"{ob.start} to {ob.end}"
    return "as used"


def _step1(books: Books, terms: ContractTerms, money: _Money) -> list[str]:
    contract = terms.contract
    lines = [
        "## Step 1: the contract",
        "",
        f"- Contract `{terms.id}` with customer `{contract.customer or '(none)'}`, dated "
        f"{contract.entry.date} ({_where(books, contract.entry.meta)}).",
    ]
    if contract.start and contract.end:
        lines.append(f"- Term: {contract.start} to {contract.end}.")
    lines.append(f"- Fixed consideration at inception: {money(terms.price)}.")
    for change in terms.modifications:
        lines.append(
            f"- Modification `{change.id}` on {change.date} ({_where(books, change.entry.meta)}): "
            f"{change.method}, consideration {money(change.price)}, adding "
            f"{', '.join(f'`{ob.id}`' for ob in change.added) or 'no obligations'}."
        )
    return [*lines, ""]


def _step2(terms: ContractTerms, money: _Money) -> list[str]:
    lines = [
        "## Step 2: performance obligations",
        "",
        'Each obligation is distinct as declared (`custom "obligation"`).',
        "",
        "| obligation | type | pattern | period | quantity | SSP |",
        "|---|---|---|---|---|---|",
    ]
    for ob in terms.all_obligations():
        if ob.residual:
            ssp = "residual"
        elif ob.ssp is None:
            ssp = "variable (usage)"
        else:
            ssp = money(ob.ssp)
        lines.append(
            f"| `{ob.id}` | {ob.type} | {ob.pattern} | {_period(ob)} | {ob.quantity} | {ssp} |"
        )
    return [*lines, ""]


def _step3(terms: ContractTerms, money: _Money) -> list[str]:
    total = terms.price + sum(change.price for change in terms.modifications)
    lines = [
        "## Step 3: the transaction price",
        "",
        f"- Fixed: {money(terms.price)} at inception"
        + (f", {money(total)} after modifications." if terms.modifications else "."),
    ]
    for ob in terms.all_obligations():
        usage = ob.usage
        if usage is None:
            continue
        parts = [f"- Variable: `{ob.id}`, usage at contract rates"]
        if usage.rate is not None:
            parts.append(f" ({usage.rate} {terms.currency} a unit)")
        if usage.minimum:
            parts.append(
                f", minimum commitment {money(usage.minimum)} from {ob.start} to "
                f"{ob.end}; a shortfall is revenue at the end of the period"
            )
        if usage.tiers:
            tiers = ", ".join(f"{price} from {quantity}" for quantity, price in usage.tiers)
            parts.append(
                f"; retroactive volume tiers {tiers}, revenue at the expected average price for "
                f"{usage.expected_quantity} units (constrained: the volume the customer is "
                "expected to reach, so no significant reversal is probable)"
            )
        lines.append("".join(parts) + ".")
    return [*lines, ""]


def _step4(terms: ContractTerms, money: _Money) -> list[str]:
    fixed = [ob for ob in terms.obligations if ob.pattern != USAGE]
    lines = ["## Step 4: allocation", ""]
    if not fixed:
        return [*lines, "No fixed consideration: usage is allocated to its obligation.", ""]
    parts = allocation.allocate(terms.price, [Claim(o.id, o.ssp, o.discount) for o in fixed])
    standalone = sum(ob.ssp or 0 for ob in fixed)
    lines += [
        f"Relative SSP at inception: SSPs {money(standalone)}, price {money(terms.price)}, "
        f"discount {money(standalone - terms.price)}.",
        "",
        "| obligation | SSP | share of SSPs | allocated |",
        "|---|---|---|---|",
    ]
    for ob in fixed:
        share = f"{Decimal(100 * (ob.ssp or 0)) / standalone:.2f}%" if standalone else ""
        ssp = "residual" if ob.residual else money(ob.ssp or 0)
        note = f" (assigned discount {money(ob.discount)})" if ob.discount else ""
        lines.append(f"| `{ob.id}` | {ssp}{note} | {share} | {money(parts[ob.id])} |")
    lines += [
        f"| total | | | {money(sum(parts.values()))} |",
        "",
        "Parts are rounded cumulatively in obligation order, so they add up to the price.",
        "",
    ]
    if terms.modifications:
        lines += [
            "The modifications of step 1 reallocate as their method says; step 5 shows each "
            "obligation's allocation after them.",
            "",
        ]
    return lines


def _step5(
    contract: ContractRevenue, as_of: datetime.date, money: _Money, policy: AllocationPolicy
) -> list[str]:
    schedules = contracts.pieces_as_of(contract, as_of, policy)
    lines = [
        f"## Step 5: revenue, to {as_of}",
        "",
        "| obligation | pattern | allocated | recognized | remaining |",
        "|---|---|---|---|---|",
    ]
    for ob in contracts.as_of(contract.terms, as_of).all_obligations():
        pieces = schedules.get(ob.id, [])
        done = sum(units for date, units in pieces if date <= as_of)
        total = sum(units for _, units in pieces)
        allocated = money(total) if ob.pattern != USAGE else "variable"
        lines.append(
            f"| `{ob.id}` | {ob.pattern} | {allocated} | {money(done)} | "
            f"{money(total - done) if ob.pattern != USAGE else ''} |"
        )
    return [*lines, ""]


def _balances(contract: ContractRevenue, as_of: datetime.date, money: _Money) -> list[str]:
    known = [p for p in contract.positions if p.date <= as_of]
    lines = [f"## Balances at {as_of}", ""]
    if not known:
        return [*lines, "Nothing billed or recognized yet.", ""]
    last = known[-1]
    lines += [
        f"- Billed: {money(last.billed)}.",
        f"- Revenue (allocated): {money(last.revenue)}; recognized by the invoices alone: "
        f"{money(sum(last.invoiced.values()))}.",
        f"- Contract asset: {money(last.contract_asset)}.",
        f"- Contract liability: {money(last.contract_liability)} (deferred revenue of the "
        f"invoices {money(last.deferred)}, adjustment {money(last.liability_adjustment)}).",
        "",
    ]
    return lines


def _policies(policy: AllocationPolicy) -> list[str]:
    return [
        "## Policy choices applied",
        "",
        f"- Ratable obligations are spread on the {policy.revenue.basis.value} basis, dated at "
        "month end, none before the month of their directive; rounding is cumulative.",
        "- Discounts are allocated by relative SSP unless assigned to an obligation; the "
        "residual approach only where an obligation is marked `residual`.",
        "- Usage at contract rates is allocated to its usage obligation alone (ASC 606-10-32-40).",
        "- Revenue follows the allocation and receivables follow the invoices: the difference "
        f"is a contract asset (`{policy.contract_asset_account}`) or a contract liability "
        f"adjustment (`{policy.contract_liability_account}`), one net position per contract.",
        "- Modifications take effect on their date; earlier months keep their revenue.",
        "",
    ]


def memo(books: Books, contract_id: str, as_of: datetime.date) -> str:
    """Returns the markdown memo of an allocated contract as of a date.

    Raises:
      UnknownContract: If the books have no allocated contract with that id.
    """
    found = {contract.terms.id: contract for contract in contracts.allocated(books)}
    if contract_id not in found:
        known = ", ".join(sorted(found)) or "none"
        raise UnknownContract(
            f"Contract '{contract_id}' is not an allocated contract of the books; known: {known}"
        )
    contract = found[contract_id]
    policy = contracts.allocation_policy_of(books)
    terms = contract.terms
    money = _Money(terms, policy)
    lines = [f"# Contract memo: {terms.id}", "", f"Prepared from `{books.path}` as of {as_of}.", ""]
    lines += _step1(books, terms, money)
    lines += _step2(terms, money)
    lines += _step3(terms, money)
    lines += _step4(terms, money)
    lines += _step5(contract, as_of, money, policy)
    lines += _balances(contract, as_of, money)
    lines += _policies(policy)
    return "\n".join(lines)
