"""The scorecard's characteristics: what each measures, which factor it belongs to, and its value.

A value of None means the data is missing: the characteristic then scores neutral and its factor gets
an INSUFFICIENT_DATA_<FACTOR> reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from credit_core.behaviour import Behaviour
from credit_core.fx import Converter
from credit_core.metrics import ALTMAN_MODELS
from credit_core.models import Account
from credit_core.policy import Policy

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Characteristic:
    """One scored characteristic: its policy key, factor, reason code, number kind and missing-data words."""

    name: str
    factor: str
    code: str
    kind: str  # int | pct | ratio | days | money | zone | class | rating
    missing: str


CHARACTERISTICS: tuple[Characteristic, ...] = (
    Characteristic("paydex", "payment", "PAYDEX", "int", "payment experiences"),
    Characteristic("late_share", "payment", "LATE_PAYMENTS", "pct", "invoices paid in the last 12 months"),
    Characteristic("max_days_past_due", "payment", "PAST_DUE", "int", "invoices"),
    Characteristic("days_delinquent", "payment", "DAYS_DELINQUENT", "days", "sales in the last 12 months"),
    Characteristic("altman_zone", "financials", "ALTMAN_Z", "zone", "figures for the Altman Z score"),
    Characteristic("current_ratio", "financials", "CURRENT_RATIO", "ratio", "current assets and liabilities"),
    Characteristic("leverage", "financials", "LEVERAGE", "pct", "total assets and liabilities"),
    Characteristic("cash_flow", "financials", "OPERATING_CASH_FLOW", "pct", "operating cash flow"),
    Characteristic("bureau_score", "bureau", "BUREAU_SCORE", "int", "bureau score"),
    Characteristic("management", "qualitative", "MANAGEMENT", "rating", "management rating"),
    Characteristic("market_position", "qualitative", "MARKET_POSITION", "rating", "market position rating"),
    Characteristic("industry_outlook", "qualitative", "INDUSTRY_OUTLOOK", "rating", "industry outlook rating"),
    Characteristic("years_in_business", "profile", "YEARS_IN_BUSINESS", "int", "founding date"),
    Characteristic("annual_revenue", "profile", "COMPANY_SIZE", "money", "annual revenue"),
    Characteristic("industry_risk", "profile", "INDUSTRY_RISK", "class", "industry"),
    Characteristic("months_as_customer", "relationship", "CUSTOMER_TENURE", "int", "first invoice"),
    Characteristic("invoice_count", "relationship", "INVOICE_HISTORY", "int", "invoices"),
)


def whole_years(since: date, as_of: date) -> int:
    """Completed years from `since` to `as_of`."""
    return as_of.year - since.year - ((as_of.month, as_of.day) < (since.month, since.day))


def whole_months(since: date, as_of: date) -> int:
    """Completed calendar months from `since` to `as_of`."""
    return (as_of.year - since.year) * 12 + as_of.month - since.month - (as_of.day < since.day)


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> float | None:
    # Floats are enough to place a ratio in a scorecard bin, and cheaper than Decimal division.
    if numerator is None or denominator is None or denominator <= ZERO:
        return None
    return float(numerator) / float(denominator)


# The Altman models as floats: the scorecard needs only the zone, and float arithmetic is far cheaper
# than Decimal for 40 000 statements a run (metrics.altman_z is the reference, with Decimals).
_ZONES = {
    model: (tuple(float(w) for w in weights), float(distress_below), float(safe_above))
    for model, (weights, distress_below, safe_above) in ALTMAN_MODELS.items()
}


def altman(account: Account, policy: Policy) -> tuple[str, str] | None:
    """(model symbol, zone): Z′ for manufacturers, Z″ for everyone else; None without the figures."""
    f = account.financials
    if f is None or f.current_assets is None or f.current_liabilities is None:
        return None
    equity = f.equity if f.equity is not None else _difference(f.total_assets, f.total_liabilities)
    if f.retained_earnings is None or f.ebit is None or equity is None:
        return None
    if f.total_assets is None or f.total_liabilities is None or f.total_assets <= 0 or f.total_liabilities <= 0:
        return None
    manufacturer = (account.industry or "").strip().casefold() in policy.industries.manufacturer_names
    sales = f.sales if f.sales is not None else account.annual_revenue
    if manufacturer and sales is None:
        return None
    (w1, w2, w3, w4, w5), distress_below, safe_above = _ZONES["private" if manufacturer else "non_manufacturer"]
    assets = float(f.total_assets)
    z = (
        w1 * float(f.current_assets - f.current_liabilities) / assets
        + w2 * float(f.retained_earnings) / assets
        + w3 * float(f.ebit) / assets
        + w4 * float(equity) / float(f.total_liabilities)
        + (w5 * float(sales) / assets if sales is not None else 0.0)
    )
    zone = "safe" if z > safe_above else "distress" if z < distress_below else "grey"
    return ("Z′" if manufacturer else "Z″"), zone


def _difference(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None else a - b


def values(account: Account, behaviour: Behaviour, policy: Policy, fx: Converter, as_of: date) -> dict[str, Any]:
    """Every characteristic's value for one account (None = missing)."""
    b = behaviour
    q = account.qualitative
    f = account.financials
    revenue = account.annual_revenue
    if revenue is None and f is not None:
        revenue = f.sales
    add = None
    if b.sales > ZERO:
        add = float(b.receivables - b.current_receivables) * policy.scorecard.window_days / float(b.sales)
    return {
        "paydex": b.paydex,
        "late_share": b.late_count / b.paid_count if b.paid_count else None,
        "max_days_past_due": b.max_days_past_due if b.invoice_count else None,
        "days_delinquent": add,
        "altman_zone": altman(account, policy) if f is not None else None,
        "current_ratio": _ratio(f.current_assets, f.current_liabilities) if f else None,
        "leverage": _ratio(f.total_liabilities, f.total_assets) if f else None,
        "cash_flow": _ratio(f.operating_cash_flow, f.current_liabilities) if f else None,
        "bureau_score": account.bureau_score,
        "management": q.management if q else None,
        "market_position": q.market_position if q else None,
        "industry_outlook": q.industry_outlook if q else None,
        "years_in_business": whole_years(account.established_on, as_of) if account.established_on else None,
        "annual_revenue": float(fx.target_to_base(revenue)) if revenue is not None else None,
        "industry_risk": policy.industries.risk_class(account.industry),
        "months_as_customer": whole_months(b.first_issued_on, as_of) if b.first_issued_on else None,
        "invoice_count": b.invoice_count or None,
    }
