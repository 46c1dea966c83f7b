"""Derecognition: what each application clears of a foreign invoice's carrying amount.

An invoice in a foreign currency is carried at a rate (plugins.fx), so its
carrying amount in the functional currency is fixed when it is billed:
100.00 EUR at 1.0837 is 108.37 USD. Each generated posting that clears it
at that rate (a cash application, a credit note netted or lowering a
write-off, a customer credit applied, a settlement at a rate of its own
moved out) derecognizes part of that amount, cumulatively:

- what it clears is the carrying value of everything cleared of the invoice
  so far, this one included, rounded to the functional currency's minor
  unit, less what the earlier ones cleared;
- when the invoice is then cleared in full, it clears exactly what is left.

The realized exchange difference is what the application brings in the
functional currency less that piece. Two receipts of 55.00 USD, each
paying 50.00 EUR of that invoice when EUR is 1.10:

    first:  50.00 x 1.0837 = 54.185, rounded half to even 54.18;
            realized 55.00 - 54.18 = 0.82 USD of gain
    second: the last, what is left: 108.37 - 54.18 = 54.19;
            realized 55.00 - 54.19 = 0.81 USD of gain

together 1.63 USD, which is 110.00 - 108.37: each rounded alone would make
1.64. The receivable posting carries its piece as its weight, at the price
piece / units (`-50.00 EUR @ 1.0836 USD`, which weighs -54.18 USD exactly,
and `-50.00 EUR @ 1.0838 USD`); where that division does not end, the
price has the 28 significant digits of Beancount's arithmetic, chosen so
that Beancount weighs the posting at the piece itself (`price_of`): 1,602
JPY cleared by 10.01 EUR is `@ 160.0399600399600399600399600 JPY`. So a
functional currency without decimals balances to the unit as well.
Where no one price of a few digits weighs an amount exactly, it can be
written in two legs at neighbouring prices (`legs`), as a customer
credit pool's carrying amount is (`plugins.credits_own_rate`,
`plugins.credit_transfers`) and a residue's (below).

"So far" is in the order the postings are dated, typed ones first on a day,
then the order the plugin makes its entries. A debit at the carrying rate
(a refund moved back at it, a chargeback taking back an application, say)
counts as clearing a negative amount. Postings typed by the user, and the
plugin's postings at another rate, are weighed as they are
(`plugins.fx.value_of`).

A posting typed at the carrying rate weighs its units at that rate,
fractions of a cent included. When one leaves the invoice with nothing
open and a fraction of the minor unit of its carrying amount (`Residue`),
that residue is settled on its day (`residue_entry`): the typed posting's
units are moved back at its rate and out in legs (`legs`) that weigh
exactly what they weigh back plus the residue, rounded to where
Beancount's arithmetic begins (1e-20: a rate that does not end leaves
0.005, not 0.005000000000000000000000001), and the realized difference is
written as every other is, rounded half to even to the minor unit
(`ar_entries.with_realized_difference`): the legs leave the residue
itself, at most half of it, so 0.00, its fraction of a cent within
Beancount's tolerance. Half of the invoice above paid by the first receipt
(54.18), the other half written off as `-50.00 EUR @ 1.0837 USD` (54.185)
leaves 108.37 - 54.18 - 54.185 = 0.005 USD:

    2026-05-31 * "Rounding difference on INV-1: 0.005 USD of its carrying amount left"
      Assets:AccountsReceivable          50.00 EUR @ 1.0837 USD
      Assets:AccountsReceivable         -50.00 EUR @ 1.0838 USD
      Income:ForeignExchange:Realized    0.00 USD

The receipt's piece, in an earlier month, is left as it is.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import NamedTuple

from beancount.core import amount, data

from plugins import ar_entries, meta
from plugins.ar_policy import ArPolicy
from plugins.fx import Rates, own_rate, quantize, value_of
from plugins.receivables import Item, Movement, Subledger, postings_to

Place = tuple[int, int]  # id of the entry, 1-based position of the posting

# Below this a residue is Beancount's arithmetic, not a posting's: a rate
# that does not end (`@@ 1.00 USD` on 3.00 EUR) has 28 significant digits.
_ARITHMETIC = Decimal("1e-20")
ROUNDING = "rounding"  # the kind of an entry settling a residue (`residue_entry`)


class Residue(NamedTuple):
    """What a typed posting at the carrying rate leaves of an item's carrying amount, closing it.

    Attributes:
      item: The item, with nothing open once the posting is made.
      movement: The typed posting.
      carrying: The item's carrying rate, the posting's own.
      value: What is left of the carrying amount, less than the functional
        currency's minor unit, signed as the receivable holds it.
    """

    item: Item
    movement: Movement
    carrying: Decimal
    value: Decimal


def cumulative(
    made: list[data.Transaction], subledger: Subledger, rates: Rates, policy: ArPolicy
) -> list[data.Transaction]:
    """Returns the generated entries with each carried item cleared cumulatively.

    Every entry whose receivable posting clears a carried item at its
    carrying rate is repriced to the piece it derecognizes, and its realized
    exchange difference written again; the others are returned as they are.
    Each residue a typed posting at the carrying rate leaves (`Residue`)
    gets its entry, at the end (`residue_entry`). The subledger's movements
    are pointed at the new entries and the residues' entries posted into
    it, in place. Books with no foreign item carried at a rate get `made`
    itself back.

    Args:
      made: The entries generated so far, in the order the plugin made them.
      subledger: The open items, with every generated posting in them.
      rates: The ledger's prices.
      policy: The receivables policy.
    """
    functional = rates.functional
    if functional is None:
        return made
    carried = [
        (item, carrying)
        for item in subledger.foreign(functional)
        if len(item.movements) > 1 and (carrying := rates.carrying(item)) is not None
    ]
    if not carried:  # the common case: nothing foreign cleared, no pass over `made`
        return made
    order = {id(entry): index for index, entry in enumerate(made)}
    pieces: dict[Place, Decimal] = {}
    touched: list[Item] = []
    residues: list[Residue] = []
    for item, carrying in carried:
        found, left = _pieces(item, carrying, functional, order, policy)
        residues += left
        if found:
            pieces.update(found)
            touched.append(item)
    if not pieces and not residues:
        return made
    replaced = {
        id(entry): _repriced(entry, pieces, policy)
        for entry in made
        if any((id(entry), index) in pieces for index in range(1, len(entry.postings) + 1))
    }
    for item in touched:
        movements = item.movements
        for index, movement in enumerate(movements):
            new = replaced.get(id(movement.entry))
            if new is not None:
                movements[index] = movement._replace(entry=new)
    settled = []
    for residue in residues:
        entry = residue_entry(residue, policy)
        item = residue.item
        subledger.post((item.id, moved) for moved in _movements(entry, item.currency, policy))
        settled.append(entry)
    return [*(replaced.get(id(entry), entry) for entry in made), *settled]


def _pieces(
    item: Item, carrying: Decimal, functional: str, order: dict[int, int], policy: ArPolicy
) -> tuple[dict[Place, Decimal], list[Residue]]:
    """Returns the value each of an item's generated postings at its carrying rate derecognizes.

    The values are signed as the postings are: a credit clears a negative
    value. Then the residues the item's typed postings at its carrying rate
    leave, each settled from its posting on.
    """
    digits = policy.precision.digits(functional)
    to_number = policy.precision.from_minor
    minor = Decimal(1).scaleb(-digits)

    def key(movement: Movement) -> tuple[object, ...]:
        generated = id(movement.entry) in order
        return (movement.date, generated, order.get(id(movement.entry), 0))

    pieces: dict[Place, Decimal] = {}
    residues: list[Residue] = []
    open_units = cleared_units = 0
    left = cleared = Decimal(0)
    for movement in sorted(item.movements, key=key):
        open_units += movement.units
        if id(movement.entry) in order and _at_carrying(movement, carrying, functional):
            cleared_units -= movement.units
            if open_units == 0:
                value = -left
            else:
                so_far = to_number(cleared_units, item.currency) * carrying
                value = cleared - quantize(so_far, digits)
            cleared -= value
            pieces[(id(movement.entry), movement.position)] = value
        else:
            value = value_of(movement, carrying, functional)
        left += value
        if (
            open_units == 0
            and _ARITHMETIC <= abs(left) < minor
            and meta.GENERATED_BY not in movement.entry.meta
            and own_rate(movement.posting, functional) == carrying
        ):
            residues.append(Residue(item, movement, carrying, left))
            left = Decimal(0)  # its entry clears it, on the posting's day
    return pieces, residues


def _at_carrying(movement: Movement, carrying: Decimal, functional: str) -> bool:
    return (
        movement.entry.meta.get(meta.GENERATED_BY) == ar_entries.GENERATOR
        and own_rate(movement.posting, functional) == carrying
    )


def residue_entry(residue: Residue, policy: ArPolicy) -> data.Transaction:
    """Returns the entry that settles a residue, on its day.

    It moves the typed posting's units back at its rate and out again in
    the legs that weigh exactly what they weigh back plus the residue
    (`legs`: one where Beancount weighs its price exactly, else two at
    neighbouring prices), the residue rounded to where Beancount's
    arithmetic begins (`_ARITHMETIC`): 0.005 for the
    0.005000000000000000000000001 a total price (`@@ 3.29 USD` on 3.00 EUR)
    leaves, which would realize a cent. So the receivable's weight in the
    functional currency is zero with its units, to that 28th digit.
    The legs leave the residue itself, at most half the minor unit, and the
    realized difference is written as every other is, rounded half to even
    to it (`ar_entries.with_realized_difference`): 0.00, the residue within
    Beancount's tolerance (the posting gives the entry that tolerance). The
    narration names that rounded residue, 0.005 for 0.004999999999999999999999999:

        2026-05-31 * "Rounding difference on INV-1: 0.005 USD of its carrying amount left"
          Assets:AccountsReceivable          50.00 EUR @ 1.0837 USD
          Assets:AccountsReceivable         -50.00 EUR @ 1.0838 USD
          Income:ForeignExchange:Realized    0.00 USD
    """
    item, movement, rate, value = residue.item, residue.movement, residue.carrying, residue.value
    functional = policy.functional_currency
    assert functional is not None, "an item carried at a rate has a functional currency"
    units = movement.posting.units
    assert units is not None and isinstance(units.number, Decimal)
    number, receivable, currency = units.number, policy.accounts.receivable, item.currency
    # The residue without the noise of a rate that does not end, so the legs
    # leave it exactly: 0.005000000000000000000000001 would realize a cent.
    left = value.quantize(_ARITHMETIC).normalize()
    back = ar_entries.leg(receivable, -number, currency, rate, functional)
    out = [
        ar_entries.leg(receivable, part, currency, price, functional)
        for part, price in legs(number * rate - left, number, policy.precision.digits(currency))
    ]
    narration = (
        f"Rounding difference on {item.id}: {left:f} {functional} of its carrying amount left"
    )
    postings = ar_entries.with_realized_difference(
        [back, *out] if number < 0 else [*out, back], policy
    )
    return ar_entries.item_entry(item, movement, narration, ROUNDING, postings)


def _movements(entry: data.Transaction, currency: str, policy: ArPolicy) -> list[Movement]:
    """Returns the movements of a residue's entry: its postings to the receivable, legs and all."""
    to_minor = policy.precision.to_minor
    movements = []
    for _, position, posting in postings_to([entry], policy.accounts.receivable):
        assert posting.units is not None and isinstance(posting.units.number, Decimal)
        minor = to_minor(posting.units.number, currency)
        assert minor is not None, "a residue's legs move whole minor units"
        movements.append(Movement(entry.date, minor, entry, position, currency))
    return movements


def price_of(value: Decimal, units: Decimal) -> Decimal:
    """Returns the price per unit at which `units` weigh `value` in Beancount's arithmetic.

    The quotient, exact where the division ends (54.18 / 50.00 = 1.0836);
    else rounded to the context's 28 digits, and then the weight Beancount
    computes (units x price, rounded to 28 digits too) is the piece itself
    or a unit of its 28th digit off: of the quotient and its two neighbours,
    the first that weighs exactly the piece, else the quotient.
    """
    if not value:
        return Decimal(0)  # a piece of nothing: 0.13 EUR carried at 0.0089 clear 0.00 USD
    price = value / units
    for candidate in (price, price.next_plus(), price.next_minus()):
        if units * candidate == value:
            return candidate
    return price


def written(value: Decimal, digits: int) -> Decimal:
    """Returns an amount with the functional currency's decimals, or as few more as it needs."""
    cents = quantize(value, digits)
    return cents if cents == value else value.normalize()


def legs(value: Decimal, number: Decimal, digits: int) -> list[tuple[Decimal, Decimal]]:
    """Returns (units, price) of the legs in which `number` units weigh exactly `value`.

    One leg at `value / number` (`price_of`) where Beancount weighs it at
    the value itself. Else two, at neighbouring prices of six significant
    digits (or as many decimals as the value needs) around the quotient,
    the units at the higher one what the lower leaves of the value, over
    the step between them, in the currency's minor units (`digits`): 37.87
    EUR weighing 44.97 USD (1.18748349...) are 24.63 EUR @ 1.18748 USD and
    13.24 EUR @ 1.18749 USD, 29.2476324 + 15.7223676 = 44.97. The lower is
    below the quotient itself, not its 28 digits: 7.50 EUR weighing
    8.129999999999999999999999998 (1.08399999999999999999999999973..., to
    28 digits 1.084) are 0.02 EUR @ 1.0839999999999999999999999 and 7.48
    EUR @ 1.0840000000000000000000000.
    """
    price = price_of(value, number)
    if number * price == value or not value or (value > 0) != (number > 0):
        return [(number, price)]
    sign = 1 if number > 0 else -1
    whole, worth = abs(number), abs(value)
    quotient = worth / whole
    exponent = worth.as_tuple().exponent
    places = max(5 - quotient.adjusted(), -exponent - digits if isinstance(exponent, int) else 0)
    step = Decimal(1).scaleb(-places)
    low = quotient.quantize(step, rounding=ROUND_DOWN)
    if whole * low > worth:  # the quotient's 28 digits rounded it up onto a step
        low -= step
    high = low + step
    upper = (worth - whole * low) / step
    minor = Decimal(1).scaleb(-digits)
    exact = upper == upper.quantize(minor) and 0 < upper < whole
    if not exact or (whole - upper) * low + upper * high != worth:
        return [(number, price)]
    return [(sign * (whole - upper), low), (sign * upper, high)]


def _repriced(
    entry: data.Transaction, pieces: dict[Place, Decimal], policy: ArPolicy
) -> data.Transaction:
    """Returns an entry whose receivable postings weigh their pieces, realized again."""
    realized = policy.realized_fx_account
    postings = []
    changed = False
    for index, posting in enumerate(entry.postings, start=1):
        value = pieces.get((id(entry), index))
        if posting.account == realized:
            assert index == len(entry.postings), "the realized difference is the last posting"
            continue
        if value is not None:
            assert posting.units is not None and posting.price is not None
            number, rate = posting.units.number, posting.price.number
            assert isinstance(number, Decimal) and isinstance(rate, Decimal)
            if number * rate != value:  # else the carrying rate weighs the piece already
                price = amount.Amount(price_of(value, number), posting.price.currency)
                posting = posting._replace(price=price)
                changed = True
        postings.append(posting)
    if not changed:
        return entry
    return entry._replace(postings=ar_entries.with_realized_difference(postings, policy))
