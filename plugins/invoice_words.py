"""Invoice ids in a text: the one rule for which invoices a receipt's words name.

The AR plugin reads it for a receipt with no `invoice` metadata
(`plugins.receipts`); the bank import reads the same rule when it
decides whether to post a line straight to the one invoice it names
(`importers.bank_invoices` and `importers.bank_statement` import `WORD`,
`words`, `parts`, `has_parts`, `fold` and `InvoiceIds` from here). The rule:

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
  naming INV-2), unless it is an invoice's own id in some case: then it
  names that invoice only.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

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


class InvoiceIds:
    """The invoice ids of the books, looked up by the words of a text (the module's rule).

    Made once per run: the folded index (`fold` of each id, to the id)
    costs a pass over every id.
    """

    def __init__(self, ids: Collection[str], aliases: Mapping[str, str] | None = None) -> None:
        """Indexes the ids.

        Args:
          ids: The invoice ids, as booked; looked up exactly before folded.
          aliases: Invoices' other ids, each to the id of its invoice (one of
            `ids`); one that is an id of `ids` in some case is left out.
        """
        self.ids = ids
        self.aliases: dict[str, str] = {}
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

    def id_of(self, word: str) -> str | None:
        """Returns the invoice id a word names, as spelled exactly, else in any case; else None."""
        if word in self.ids:
            return word
        if self.aliases and word in self.aliases:
            return self.aliases[word]
        return self.by_fold.get(fold(word))

    def named(self, text: str) -> list[str]:
        """Returns the invoice ids a text names, in the order named (an id as often as named)."""
        words = WORD.findall(text)
        if not self.clashes and not has_parts(text):
            # Most texts: no word to part, and each id is its folded word's (found in C).
            return list(filter(None, map(self.by_fold.get, map(fold, words))))
        id_of = self.id_of
        found = []
        for word in words:
            name = id_of(word)
            if name is not None:
                found.append(name)
            elif has_parts(word):
                found += [name for name in map(id_of, parts(word)) if name is not None]
        return found
