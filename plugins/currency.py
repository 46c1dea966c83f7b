"""Currency precision: how many decimals a currency's minor unit has.

Generated amounts are quantized to the currency's precision (ISO 4217 minor
units); a policy may override or add currencies.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

# ISO 4217 currencies whose minor unit is not the cent. Every other code has 2.
_ISO_MINOR_UNITS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


class Precision:
    """Converts between amounts and integer minor units, currency by currency."""

    def __init__(self, overrides: Mapping[str, int] | None = None) -> None:
        self._digits = {**_ISO_MINOR_UNITS, **(overrides or {})}

    def digits(self, currency: str) -> int:
        """Returns the number of decimals of `currency`."""
        return self._digits.get(currency, 2)

    def to_minor(self, number: Decimal, currency: str) -> int | None:
        """Returns `number` in minor units, or None if it has more decimals than allowed."""
        scaled = number.scaleb(self.digits(currency))
        if scaled != scaled.to_integral_value():
            return None
        return int(scaled)

    def excess(self, number: Decimal, currency: str) -> str:
        """Returns the message for an amount with more decimals than its currency has."""
        digits = self.digits(currency)
        return f"Amount '{number} {currency}' has more decimals than {currency} allows ({digits})"

    def from_minor(self, units: int, currency: str) -> Decimal:
        """Returns minor units as a Decimal with exactly the currency's decimals."""
        return Decimal(units).scaleb(-self.digits(currency))
