"""The portfolio report's data (`crm-credit report`, /admin/report): decisions summed up, read from the store.

Money is summed in the policy's base currency (decisions are in each account's currency; `[fx]`
converts them). The report shows what the last evaluation decided; it does not re-evaluate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from credit_core.concentration import Concentration
from credit_core.fx import parse_rates
from credit_core.models import Account
from credit_core.policy import FLAGS, GRADES, Policy, load_policy
from sync.concentration import read_concentration
from sync.config import AppConfig
from sync.receivables import Receivables, measure_receivables
from sync.store import Store
from sync.store import decisions as saved
from sync.store.codec import decode_record
from sync.store.schema import accounts, decisions

ZERO = Decimal(0)
TOP = 50
SCORE_BINS = tuple(range(0, 100, 10))  # 0–9, 10–19, … 90–100
STATUSES = ("OK", "WATCH", "HOLD")


@dataclass
class Exposure:
    """One account among the largest exposures, with its decision and its history."""

    source: str
    crm_id: str
    name: str
    currency: str
    exposure: Decimal
    exposure_base: Decimal
    credit_limit: Decimal
    credit_limit_base: Decimal
    available_credit: Decimal
    group_exposure: Decimal
    group_exposure_base: Decimal
    score: int
    grade: str
    status: str
    flags: list[str]
    reasons: list[dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PortfolioReport:
    """Everything the report shows."""

    as_of: datetime
    base_currency: str
    policy_version: str
    accounts: int = 0
    evaluated: int = 0
    total_exposure: Decimal = ZERO
    total_limit: Decimal = ZERO
    by_grade: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    score_bins: dict[str, int] = field(default_factory=dict)
    score_bin_grades: dict[str, str] = field(default_factory=dict)  # the grade of each bin's lowest score
    concentration_cap: Decimal = ZERO
    portfolio_budget: Decimal = ZERO
    concentration: Concentration | None = None  # by customer group (sync.concentration)
    concentration_unconverted: int = 0
    receivables: Receivables | None = None
    top: list[Exposure] = field(default_factory=list)
    unconverted: dict[str, int] = field(default_factory=dict)  # currency -> decisions left out

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready values (money as strings, instants as ISO text); the concentration
        section has its own JSON form (`cli.concentration_view.concentration_json`)."""
        value: dict[str, Any] = _jsonable({k: v for k, v in asdict(self).items() if k != "concentration"})
        return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _score_bin(score: int) -> str:
    low = min(score // 10 * 10, 90)
    return f"{low}–{low + 9 if low < 90 else 100}"


def _current_decisions(conn: Connection) -> Iterator[tuple[str, str, dict[str, Any]]]:
    live = sa.select(accounts.c.source, accounts.c.crm_id).where(accounts.c.deleted.is_(False))
    query = sa.select(decisions.c.source, decisions.c.crm_id, decisions.c.payload).where(
        sa.tuple_(decisions.c.source, decisions.c.crm_id).in_(live)
    )
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        yield row.source, row.crm_id, json.loads(row.payload)


def _profiles(conn: Connection) -> dict[tuple[str, str], Account]:
    query = sa.select(accounts.c.source, accounts.c.crm_id, accounts.c.payload).where(accounts.c.deleted.is_(False))
    found: dict[tuple[str, str], Account] = {}
    for row in conn.execution_options(stream_results=True, yield_per=2000).execute(query):
        account = decode_record("account", row.source, row.crm_id, row.payload)
        assert isinstance(account, Account)
        found[(row.source, row.crm_id)] = account
    return found


class _Tally:
    """Sums decisions into a PortfolioReport as they stream by."""

    def __init__(self, report: PortfolioReport, policy: Policy, rates: dict[str, Decimal]) -> None:
        self.report = report
        self.rates = rates
        self.base = policy.base_currency
        self.grades: dict[str, dict[str, Any]] = {g: {"accounts": 0, "exposure": ZERO, "limit": ZERO} for g in GRADES}
        self.statuses: Counter[str] = Counter({s: 0 for s in STATUSES})
        self.flags: Counter[str] = Counter({f: 0 for f in FLAGS})
        self.bins: Counter[str] = Counter({_score_bin(low): 0 for low in SCORE_BINS})
        self.exposures: list[tuple[Decimal, str, str, dict[str, Any]]] = []

    def to_base(self, amount: str | None, currency: str) -> Decimal | None:
        """A decision's money in the base currency; None without a rate."""
        rate = Decimal(1) if currency == self.base else self.rates.get(currency)
        return None if rate is None or amount is None else Decimal(amount) * rate

    def add(self, source: str, crm_id: str, payload: dict[str, Any]) -> None:
        """Count one account's current decision."""
        currency = str(payload.get("currency") or self.base)
        exposure = self.to_base(payload.get("exposure"), currency)
        limit = self.to_base(payload.get("credit_limit"), currency)
        if exposure is None or limit is None:
            self.report.unconverted[currency] = self.report.unconverted.get(currency, 0) + 1
            return
        self.report.evaluated += 1
        grade = self.grades[payload["grade"]]
        grade["accounts"] += 1
        grade["exposure"] += exposure
        grade["limit"] += limit
        self.statuses[payload["status"]] += 1
        self.flags.update(payload.get("flags") or [])
        self.bins[_score_bin(int(payload["score"]))] += 1
        self.exposures.append((exposure, source, crm_id, payload))

    def finish(self) -> None:
        """Totals, shares and the ranking."""
        r = self.report
        r.by_grade, r.by_status, r.flags, r.score_bins = (
            self.grades,
            dict(self.statuses),
            dict(self.flags),
            dict(self.bins),
        )
        r.total_exposure = sum((g["exposure"] for g in self.grades.values()), ZERO)
        r.total_limit = sum((g["limit"] for g in self.grades.values()), ZERO)
        self.exposures.sort(key=lambda item: (-item[0], item[1], item[2]))


def _exposure(item: tuple[Decimal, str, str, dict[str, Any]], name: str, tally: _Tally) -> Exposure:
    base, source, crm_id, p = item
    currency = p["currency"]
    limit, group = Decimal(p["credit_limit"]), Decimal(p["group_exposure"])
    return Exposure(
        source, crm_id, name, currency, Decimal(p["exposure"]), base, limit,
        tally.to_base(p["credit_limit"], currency) or limit, Decimal(p["available_credit"]), group,
        tally.to_base(p["group_exposure"], currency) or group, int(p["score"]), p["grade"], p["status"],
        list(p.get("flags") or []), list(p.get("reasons") or []),
    )  # fmt: skip


def _history(conn: Connection, key: tuple[str, str]) -> list[dict[str, Any]]:
    keep = ("at", "score", "grade", "credit_limit", "available_credit", "status", "flags", "currency", "reasons")
    return [{k: h.get(k) for k in keep} for h in saved.load_history(conn, key, limit=10)]


def portfolio_report(config: AppConfig, store: Store, now: datetime, top: int = TOP) -> PortfolioReport:
    """Read the store into a PortfolioReport (decisions, receivables, concentration, the largest exposures)."""
    policy = load_policy(config.policy.path())
    rates = parse_rates(config.fx.rates)
    report = PortfolioReport(now, policy.base_currency, policy.policy_version)
    report.portfolio_budget = policy.portfolio_budget
    report.concentration_cap = policy.concentration.max_share * policy.portfolio_budget
    report.score_bin_grades = {_score_bin(low): policy.grade_of(low) for low in SCORE_BINS}
    tally = _Tally(report, policy, rates)
    with store.read() as conn:
        profiles = _profiles(conn)
        report.accounts = len(profiles)
        for source, crm_id, payload in _current_decisions(conn):
            tally.add(source, crm_id, payload)
        tally.finish()
        report.receivables = measure_receivables(conn, policy.base_currency, rates, now.date())
        for item in tally.exposures[:top]:
            account = profiles.get((item[1], item[2]))
            exposure = _exposure(item, (account.name if account else None) or item[2], tally)
            exposure.history = _history(conn, (item[1], item[2]))
            report.top.append(exposure)
    report.concentration, report.concentration_unconverted = read_concentration(store, policy, config.fx.rates)
    return report
