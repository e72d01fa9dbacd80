"""Currency conversion with caller-given rates: units of the base currency per 1 unit of a currency.

A record in a currency without a rate is an error naming the currency, never a silent 1.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from credit_core.errors import MissingRateError

ONE = Decimal(1)
CENT = Decimal("0.01")


def parse_rates(fx_rates: Mapping[str, object] | None) -> dict[str, Decimal]:
    """Rates as Decimals keyed by upper-case code; refuses non-positive or non-numeric rates."""
    rates: dict[str, Decimal] = {}
    for code, raw in (fx_rates or {}).items():
        try:
            rate = raw if isinstance(raw, Decimal) else Decimal(repr(raw) if isinstance(raw, float) else str(raw))
        except ArithmeticError:
            raise ValueError(f"fx rate for {code!r} is not a number: {raw!r}") from None
        if not rate.is_finite() or rate <= 0:
            raise ValueError(f"fx rate for {code!r} must be a positive number, not {raw!r}")
        rates[str(code).strip().upper()] = rate
    return rates


class Converter:
    """Converts amounts between record currencies, the base currency and one decision currency."""

    __slots__ = ("_factors", "base", "rates", "target")

    def __init__(self, base: str, target: str, rates: Mapping[str, Decimal]) -> None:
        self.base = base
        self.target = target
        self.rates = rates
        self._factors: dict[str, Decimal] = {target: ONE}
        self.rate(target)  # the decision currency itself must be convertible

    def rate(self, currency: str) -> Decimal:
        """Units of base per 1 `currency`."""
        if currency == self.base:
            return ONE
        rate = self.rates.get(currency)
        if rate is None:
            raise MissingRateError(currency, self.base)
        return rate

    def factor(self, currency: str) -> Decimal:
        """Multiplier from `currency` to the decision currency."""
        factor = self._factors.get(currency)
        if factor is None:
            factor = self.rate(currency) / self.rate(self.target)
            self._factors[currency] = factor
        return factor

    def to_target(self, amount: Decimal, currency: str) -> Decimal:
        """`amount` of `currency` in the decision currency (unrounded)."""
        return amount if currency == self.target else amount * self.factor(currency)

    def target_to_base(self, amount: Decimal) -> Decimal:
        """An amount of the decision currency in the base currency."""
        return amount if self.target == self.base else amount * self.rate(self.target)

    def base_to_target(self, amount: Decimal) -> Decimal:
        """An amount of the base currency in the decision currency."""
        return amount if self.target == self.base else amount / self.rate(self.target)
