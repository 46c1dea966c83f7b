"""Invoice ids in a text: the one rule for which invoices a receipt's words name.

The AR plugin reads it for a receipt with no `invoice` metadata
(`plugins.receipts`); the bank import reads the same rule when it
decides whether to post a line straight to the one invoice it names
(`importers.bank_invoices` and `importers.bank_statement` import `WORD`,
`words`, `parts`, `has_parts`, `fold`, `other_ids` and `InvoiceIds` from
here). The rule:

- A **word** is a run of letters, digits and `-_/.` less the `-_/.` at its
  ends (`WORD`): `INV-1.` and `(INV-1)` hold the word `INV-1`, and `INV-10`
  is one word, never `INV-1`.
- Words are compared **without regard to case** (`fold`, `str.casefold`):
  banks often upper-case remittance text, so "PAYMENT INV-2" names the
  invoice booked as `Inv-2`. Two invoice ids that differ only in case
  (`INV-1` and `inv-1`) are each named by their own spelling alone; a word
  spelled as neither (`Inv-1`) names none of them, as it could be either.
- A word that names no invoice is read in its **parts** between the
  separators `/` and `.` (`SEPARATORS`; each part a word again): "Wire
  INV-1/INV-10" names INV-1 and INV-10 (a bank's remittance field lists
  several invoices), "PMT.INV-2" and "x.INV-2" name INV-2. A word that
  is an id is named whole first: "Wire INV/7" names INV/7, not INV.
- A part made only of digits names nothing (`parts`): "03/02/2026" is a
  date and "12.50" an amount, not invoices 2026 or 50. A whole word of
  digits still names the invoice with that id: "Wire 2026".
- An invoice's **other id** names it as its id does (`InvoiceIds` `aliases`:
  the `stripe_invoice` a billing import keeps beside the number, `in_2`
  naming INV-2; `other_ids`: one carried by two documents is the earlier
  billed's, then the lesser id's), unless it is an invoice's own id in some
  case: then it names that invoice only. A credit note's is read as its
  number is: named, and a receipt passes it over (`plugins.receipts`).
- A receipt's words are read **as of its day** (`named_on`): among the ids
  and other ids of the invoices billed on or before it. Which ids clash in
  case, or take a word from an other id, is decided among those alone, so
  an invoice typed later only adds what the words name later, never takes
  back what they named on the day. The bank import reads the books as they
  are at import: every id, whatever its date (`named`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection, Iterable, Mapping

# A word: a run of letters, digits and `-_/.` that starts and ends with a letter or digit.
WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-_/.]*[A-Za-z0-9])?")
# What parts a word that names no invoice: a bank's list ("INV-1/INV-2"), a prefix ("PMT.INV-2").
SEPARATORS = "/."
_SEPARATOR = re.compile("[" + re.escape(SEPARATORS) + "]")


# A word (or an invoice id) as words are compared: without regard to case.
fold = str.casefold


def words(text: str) -> list[str]:
    """Returns the words of a text (`WORD`), in order."""
    return WORD.findall(text)


def has_parts(word: str) -> bool:
    """Tells whether a word holds a separator, and so can be read in parts."""
    return "/" in word or "." in word


def parts(word: str) -> list[str]:
    """Returns the parts of a word that can name an invoice: the words between its separators.

    A part of digits alone is left out: "03/02/2026" has no part that names
    an invoice, "INV-1/INV-10" has two.
    """
    return [part for part in WORD.findall(_SEPARATOR.sub(" ", word)) if not part.isdigit()]


def other_ids(carried: Iterable[tuple[str, str, datetime.date]]) -> dict[str, str]:
    """Returns each other id to the invoice it names: of two carrying it, the earlier billed.

    On one day, the lesser id's: never the order of files or entries, so
    an invoice typed later, or billed later, never takes an other id from
    the invoice an earlier receipt named by it.

    Args:
      carried: Each document's other id, its own id and its date.
    """
    found: dict[str, tuple[datetime.date, str]] = {}
    for other, name, day in carried:
        known = found.get(other)
        if known is None or (day, name) < known:
            found[other] = (day, name)
    return {other: name for other, (_, name) in found.items()}


class InvoiceIds:
    """The invoice ids of the books, looked up by the words of a text (the module's rule).

    Made once per run: the folded index (`fold` of each id, to the id)
    costs a pass over every id. A word whose folded spelling is spelled
    two ways, or by two invoices (an id and an other id, two other ids),
    is `contested`: on a day it names what the invoices billed by then
    make of it (`named_on`); any other word names on a day what it names
    in the whole books, if that invoice is billed by then.
    """

    def __init__(
        self,
        ids: Collection[str],
        aliases: Mapping[str, str] | None = None,
        date_of: Callable[[str], datetime.date] | None = None,
    ) -> None:
        """Indexes the ids.

        Args:
          ids: The invoice ids, as booked; looked up exactly before folded.
          aliases: Invoices' other ids, each to the id of its invoice (one of
            `ids`, chosen by `other_ids`); one that is an id of `ids` in some
            case is left out.
          date_of: The date each id is billed on, for `named_on`.
        """
        self.ids = ids
        self.aliases: dict[str, str] = {}
        self.date_of = date_of
        spelled: Collection[str] = ids
        if aliases:
            own = set(map(fold, ids))
            self.aliases = {
                other: name for other, name in aliases.items() if fold(other) not in own
            }
            spelled = [*ids, *self.aliases]
        by_fold = dict(zip(map(fold, spelled), spelled, strict=True))
        # Ids that differ only in case: a folded word names neither (`id_of`).
        self.clashes = len(by_fold) < len(spelled)
        if self.clashes:
            count: dict[str, int] = {}
            for key in map(fold, spelled):
                count[key] = count.get(key, 0) + 1
            for key in [key for key, times in count.items() if times > 1]:
                del by_fold[key]
        if self.aliases:  # an other id's word names its invoice
            by_fold = {key: self.aliases.get(name, name) for key, name in by_fold.items()}
        self.by_fold = by_fold
        # Each contested folded word, to its spellings: (spelling, invoice, whether its own id).
        self.contested: dict[str, list[tuple[str, str, bool]]] = {}
        if self.clashes or len(self.aliases) < len(aliases or ()):
            spellings: dict[str, list[tuple[str, str, bool]]] = {}
            for name in ids:
                spellings.setdefault(fold(name), []).append((name, name, True))
            for other, name in (aliases or {}).items():
                if other not in ids or name != other:
                    spellings.setdefault(fold(other), []).append((other, name, False))
            self.contested = {key: found for key, found in spellings.items() if len(found) > 1}

    def id_of(self, word: str) -> str | None:
        """Returns the invoice id a word names, as spelled exactly, else in any case; else None."""
        if word in self.ids:
            return word
        if self.aliases and word in self.aliases:
            return self.aliases[word]
        return self.by_fold.get(fold(word))

    def id_on(self, word: str, day: datetime.date) -> str | None:
        """Returns the invoice id a word names on a day, among the invoices billed by then.

        As `id_of` reads the whole books: exactly, else in any case, an
        invoice's own id before an other id in another case; a folded
        spelling two ids or other ids of that day share names none.
        """
        assert self.date_of is not None, "named on a day: the ids' dates are needed"
        date_of = self.date_of
        spellings = self.contested.get(fold(word)) if self.contested else None
        if spellings is None:
            name = self.id_of(word)
            return name if name is not None and date_of(name) <= day else None
        billed = [spelled for spelled in spellings if date_of(spelled[1]) <= day]
        if any(own for _, _, own in billed):  # an other id in another case gives way
            billed = [spelled for spelled in billed if spelled[2]]
        exact = [name for spelling, name, _ in billed if spelling == word]
        if exact:
            return exact[0]
        return billed[0][1] if len(billed) == 1 else None

    def named(self, text: str) -> list[str]:
        """Returns the invoice ids a text names, in the order named (an id as often as named)."""
        words = WORD.findall(text)
        if not self.clashes and not has_parts(text):
            # Most texts: no word to part, and each id is its folded word's (found in C).
            return list(filter(None, map(self.by_fold.get, map(fold, words))))
        return _read(words, self.id_of)

    def named_on(self, text: str, day: datetime.date) -> list[str]:
        """Returns the ids a text names on a day, then those it names billed after it.

        On the day: by the rule among the invoices billed on or before it,
        so an invoice billed later (typed or not) takes nothing back. After
        it: what the whole books read names of the invoices billed later,
        which the receipt may pay once billed (`plugins.receipts.Receipt.later`).
        The caller tells the two apart by the invoices' dates.
        """
        found = self.named(text)
        if not self.contested and not (found and has_parts(text)):
            # Most books and texts: each word names on the day what it names in
            # the whole books, if billed by then (no word parted once it names none).
            return found
        date_of = self.date_of
        assert date_of is not None, "named on a day: the ids' dates are needed"
        later = [name for name in found if date_of(name) > day]
        if not later and not self.contested:
            return found
        return [*_read(WORD.findall(text), lambda word: self.id_on(word, day)), *later]


def _read(words: list[str], id_of: Callable[[str], str | None]) -> list[str]:
    """Returns the ids words name, one by one: a word that names none in its parts."""
    found = []
    for word in words:
        name = id_of(word)
        if name is not None:
            found.append(name)
        elif has_parts(word):
            found += [name for name in map(id_of, parts(word)) if name is not None]
    return found
