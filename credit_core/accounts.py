"""The boundary for accounts: raw mapped values, flat or nested, into a validated `Account`.

Nested fields come dotted (`financials.ebit`) or as a nested dict (`{"financials": {"ebit": ...}}`).
Only the keys a mapping gives are parsed; groups with no value at all become None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credit_core import values as v
from credit_core.checks import ZERO, Parser, check_identity, check_keys
from credit_core.errors import RecordError
from credit_core.models import Account, Financials, LimitOverride, Qualitative

_ACCOUNT_FIELDS: dict[str, Parser] = {
    "name": v.text,
    "industry": v.text,
    "country": v.text,
    "currency": v.currency,
    "annual_revenue": v.money,
    "employees": v.whole,
    "established_on": v.day_or_year,
    "parent_crm_id": v.crm_id,
    "owner_crm_id": v.crm_id,
    "bureau_score": v.whole,
    "bureau_limit": v.money,
    "insured_limit": v.money,
    "requested_limit": v.money,
    "promise_to_pay_on": v.day,
    "last_review_on": v.day,
    "request_status": v.text,
}
_FINANCIALS: dict[str, Parser] = {
    **dict.fromkeys(
        (
            "total_assets",
            "total_liabilities",
            "current_assets",
            "current_liabilities",
            "retained_earnings",
            "ebit",
            "sales",
            "equity",
            "intangible_assets",
            "operating_cash_flow",
        ),
        v.money,
    ),
    "as_of": v.day,
}
_QUALITATIVE: dict[str, Parser] = dict.fromkeys(("management", "market_position", "industry_outlook"), v.whole)
_OVERRIDE: dict[str, Parser] = {
    "amount": v.money,
    "currency": v.currency,
    "expires_on": v.day,
    "reason": v.text,
    "approved_by": v.text,
}
_NESTED: dict[str, dict[str, Parser]] = {
    "financials": _FINANCIALS,
    "qualitative": _QUALITATIVE,
    "limit_override": _OVERRIDE,
}
# Figures that cannot be below zero; equity, retained earnings, EBIT and cash flow can.
_NON_NEGATIVE = frozenset(
    {
        "annual_revenue",
        "employees",
        "bureau_limit",
        "insured_limit",
        "requested_limit",
        "financials.total_assets",
        "financials.total_liabilities",
        "financials.current_assets",
        "financials.current_liabilities",
        "financials.sales",
        "financials.intangible_assets",
        "limit_override.amount",
    }
)
_RANGES = {"bureau_score": (0, 100), **{f"qualitative.{k}": (0, 5) for k in _QUALITATIVE}}


def _flatten(source: str, crm_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if key in _NESTED and isinstance(value, Mapping):
            flat.update({f"{key}.{sub}": item for sub, item in value.items()})
        elif key in _NESTED and value is not None:
            raise RecordError("account", source, crm_id, key, value, "expected a table of fields")
        elif key not in _NESTED:
            flat[key] = value
    return flat


def _account_parsers() -> dict[str, Parser]:
    parsers = dict(_ACCOUNT_FIELDS)
    for group, parsers_of_group in _NESTED.items():
        parsers.update({f"{group}.{name}": parse for name, parse in parsers_of_group.items()})
    return parsers


_ACCOUNT_PARSERS = _account_parsers()
ACCOUNT_KEYS = frozenset(_ACCOUNT_PARSERS)


def _parse_given(source: str, crm_id: str, flat: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(top-level fields, nested groups) parsed from the keys given; an account mapping names only a few."""
    top: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for name, raw in flat.items():
        try:
            value = _ACCOUNT_PARSERS[name](raw)
        except v.BadValue as bad:
            raise RecordError("account", source, crm_id, name, raw, bad.reason) from None
        if value is None:
            continue
        if name in _NON_NEGATIVE and value < ZERO:
            raise RecordError("account", source, crm_id, name, raw, "negative amount")
        if name in _RANGES and not _RANGES[name][0] <= value <= _RANGES[name][1]:
            raise RecordError("account", source, crm_id, name, raw, "outside {}–{}".format(*_RANGES[name]))
        group, dot, member = name.partition(".")
        if dot:
            groups.setdefault(group, {})[member] = value
        else:
            top[name] = value
    return top, groups


def build_account(source: str, crm_id: str, values: Mapping[str, Any]) -> Account:
    """An Account from raw values; nested groups with no value at all become None."""
    check_identity("account", source, crm_id, values)
    flat = _flatten(source, crm_id, values)
    check_keys("account", source, crm_id, flat, ACCOUNT_KEYS)
    top, groups = _parse_given(source, crm_id, flat)
    financials = groups.get("financials")
    qualitative = groups.get("qualitative")
    override = groups.get("limit_override")
    if override is not None and "amount" not in override:
        if "currency" in override or "expires_on" in override:
            raise RecordError("account", source, crm_id, "limit_override.amount", None, "override without amount")
        override = None
    return Account(
        source=source,
        crm_id=crm_id,
        financials=Financials(**financials) if financials else None,
        qualitative=Qualitative(**qualitative) if qualitative else None,
        limit_override=LimitOverride(**override) if override else None,
        **top,
    )
