"""The credit policy: a TOML file validated at load (unknown keys refused, errors name key and value).

`load_policy()` returns the built-in policy for a mid-size B2B seller (`default_policy.toml`, commented
line by line); `load_policy(path)` reads a company's own. `policy.policy_version` is the policy's
`version` plus the first 8 hex digits of the sha256 of its normalised content, so two files that mean
the same thing share a version and any change of substance gets a new one.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from decimal import Decimal
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from credit_core.currencies import ISO_4217
from credit_core.errors import PolicyError

T = TypeVar("T")
GRADES = ("A", "B", "C", "D", "E")
FACTORS = ("payment", "financials", "bureau", "qualitative", "profile", "relationship")
FLAGS = (
    "OVER_LIMIT",
    "HIGH_UTILIZATION",
    "PAST_DUE_30",
    "PAST_DUE_60",
    "PAST_DUE_90",
    "SCORE_DOWNGRADE",
    "REVIEW_DUE",
    "OVERRIDE_EXPIRING",
    "CONCENTRATION",
    "INSUFFICIENT_DATA",
)
DUNNING_STAGES = ("reminder", "first", "second", "final", "legal")
Factor = Literal["payment", "financials", "bureau", "qualitative", "profile", "relationship"]
Flag = Literal[
    "OVER_LIMIT",
    "HIGH_UTILIZATION",
    "PAST_DUE_30",
    "PAST_DUE_60",
    "PAST_DUE_90",
    "SCORE_DOWNGRADE",
    "REVIEW_DUE",
    "OVERRIDE_EXPIRING",
    "CONCENTRATION",
    "INSUFFICIENT_DATA",
]
GradeName = Literal["A", "B", "C", "D", "E"]
RiskClass = Literal["low", "medium", "high"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerGrade(_Strict, Generic[T]):
    """One value for each grade A (best) to E (worst)."""

    A: T
    B: T
    C: T
    D: T
    E: T

    def of(self, grade: str) -> T:
        """The value for `grade`."""
        value: T = getattr(self, grade)
        return value


class Bins(_Strict):
    """Points by value: bin i holds values below edges[i]; the last bin everything from the last edge up."""

    edges: tuple[Decimal, ...] = Field(min_length=1)
    points: tuple[Decimal, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Bins:
        if list(self.edges) != sorted(set(self.edges)):
            raise ValueError("edges must be strictly increasing")
        if len(self.points) != len(self.edges) + 1:
            raise ValueError(f"{len(self.edges)} edges need {len(self.edges) + 1} points")
        return self


class ZonePoints(_Strict):
    """Points by Altman zone."""

    safe: Decimal
    grey: Decimal
    distress: Decimal


class ClassPoints(_Strict):
    """Points by industry risk class."""

    low: Decimal
    medium: Decimal
    high: Decimal


class Scorecard(_Strict):
    """Each characteristic's bins; a characteristic left out is not scored."""

    window_days: int = Field(default=365, ge=30, le=730)
    paydex: Bins | None = None
    late_share: Bins | None = None
    max_days_past_due: Bins | None = None
    days_delinquent: Bins | None = None
    altman_zone: ZonePoints | None = None
    current_ratio: Bins | None = None
    leverage: Bins | None = None
    cash_flow: Bins | None = None
    bureau_score: Bins | None = None
    management: Bins | None = None
    market_position: Bins | None = None
    industry_outlook: Bins | None = None
    years_in_business: Bins | None = None
    annual_revenue: Bins | None = None
    industry_risk: ClassPoints | None = None
    months_as_customer: Bins | None = None
    invoice_count: Bins | None = None


class Grades(_Strict):
    """The lowest score of each grade; scores below D's are grade E."""

    A: int = Field(ge=0, le=100)
    B: int = Field(ge=0, le=100)
    C: int = Field(ge=0, le=100)
    D: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _descending(self) -> Grades:
        if not self.A > self.B > self.C > self.D:
            raise ValueError("grade cut-offs must fall from A to D")
        return self


class LimitMethod(_Strict):
    """One way of sizing a limit: its weight when combining, and its multiplier per grade."""

    weight: Decimal = Field(default=Decimal(1), ge=0)
    share: PerGrade[Decimal]


class LimitMethods(_Strict):
    """The limit methods in use; a method left out is not used."""

    revenue: LimitMethod | None = None
    net_worth: LimitMethod | None = None
    needs: LimitMethod | None = None
    bureau: LimitMethod | None = None


class Limits(_Strict):
    """How limits are sized, combined, capped and rounded (money in the base currency)."""

    combine: Literal["min", "median", "weighted"]
    rounding_step: Decimal = Field(gt=0)
    grace_days: int = Field(ge=0, le=180)
    max: PerGrade[Decimal]
    starter: PerGrade[Decimal]
    insurance_mode: Literal["cap", "back"]
    retained_share: Decimal = Field(ge=0, lt=1)
    methods: LimitMethods
    override_days: int = Field(default=90, ge=1, le=3660)  # how long an approved uplift lasts unless given


class Concentration(_Strict):
    """The single-customer cap as a share of the portfolio budget."""

    max_share: Decimal = Field(gt=0, le=1)


class Industries(_Strict):
    """Industry names (case-insensitive) by risk class; unlisted industries get `default_class`."""

    default_class: RiskClass = "medium"
    low: tuple[str, ...] = ()
    medium: tuple[str, ...] = ()
    high: tuple[str, ...] = ()
    manufacturers: tuple[str, ...] = ()  # scored with Altman Z' (private manufacturers), others with Z''

    # cached_property, not PrivateAttr: a pydantic private attribute costs microseconds per read.
    @cached_property
    def classes(self) -> dict[str, RiskClass]:
        """Case-folded industry name -> risk class."""
        table: dict[str, RiskClass] = {}
        for risk in ("low", "medium", "high"):
            table.update({name.strip().casefold(): risk for name in getattr(self, risk)})
        return table

    @cached_property
    def manufacturer_names(self) -> frozenset[str]:
        """Case-folded names of the manufacturing industries."""
        return frozenset(name.strip().casefold() for name in self.manufacturers)

    def risk_class(self, industry: str | None) -> RiskClass | None:
        """The class of `industry`, None when the account has no industry."""
        if not industry:
            return None
        return self.classes.get(industry.strip().casefold(), self.default_class)


class Terms(_Strict):
    """Payment terms in days by industry risk class and grade (terms follow cash flow and industry)."""

    low: PerGrade[int]
    medium: PerGrade[int]
    high: PerGrade[int]


class Flags(_Strict):
    """Thresholds of the warning flags."""

    high_utilization: Decimal = Field(gt=0)
    override_expiring_days: int = Field(ge=0)
    evidence_factors: tuple[Factor, ...]


DunningStage = Literal["reminder", "first", "second", "final", "legal"]


class Dunning(_Strict):
    """Days past due at which each dunning stage starts, and the charges a notice may add."""

    reminder: int = Field(ge=1)
    first: int
    second: int
    final: int
    legal: int
    # Late-payment interest is contractual (EU Directive 2011/7: reference rate + 8 points): 0 = none charged.
    interest_rate_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)
    interest_from: DunningStage = "second"  # interest accrues from the due date once a notice reaches this stage
    fees: dict[DunningStage, Decimal] = Field(default_factory=dict)  # a flat fee per notice at that stage

    @model_validator(mode="after")
    def _ascending(self) -> Dunning:
        days = [getattr(self, stage) for stage in DUNNING_STAGES]
        if days != sorted(set(days)):
            raise ValueError("dunning stages must start on increasing days")
        if any(fee < 0 for fee in self.fees.values()):
            raise ValueError("dunning fees cannot be negative")
        return self


class StatusRules(_Strict):
    """Which flags and grades put an account on HOLD or WATCH (HOLD wins)."""

    hold_flags: tuple[Flag, ...]
    hold_grades: tuple[GradeName, ...]
    watch_flags: tuple[Flag, ...]
    watch_grades: tuple[GradeName, ...]


class Policy(_Strict):
    """A whole credit policy."""

    version: str = Field(min_length=1)
    base_currency: str
    neutral_score: int = Field(default=50, ge=0, le=100)
    portfolio_budget: Decimal = Field(gt=0)
    downgrade_flag_days: int = Field(ge=0)
    grades: Grades
    review_days: PerGrade[int]
    scorecard: Scorecard
    limits: Limits
    concentration: Concentration
    industries: Industries = Industries()
    terms: Terms
    flags: Flags
    dunning: Dunning
    status: StatusRules

    @field_validator("base_currency")
    @classmethod
    def _iso(cls, code: str) -> str:
        if code not in ISO_4217:
            raise ValueError("unknown ISO 4217 currency")
        return code

    @cached_property
    def policy_version(self) -> str:
        """`version` + "+" + the first 8 hex of sha256 of the normalised content."""
        digest = hashlib.sha256(normalised_content(self).encode()).hexdigest()[:8]
        return f"{self.version}+{digest}"

    def grade_of(self, score: int) -> GradeName:
        """The grade a score falls in."""
        g = self.grades
        return "A" if score >= g.A else "B" if score >= g.B else "C" if score >= g.C else "D" if score >= g.D else "E"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def normalised_content(policy: Policy) -> str:
    """The policy as canonical JSON: defaults filled, keys sorted, 0.10 and 0.1 written alike."""
    return json.dumps(_plain(policy.model_dump()), sort_keys=True, separators=(",", ":"))


def _policy_error(where: str, error: ValidationError, raw: dict[str, Any]) -> PolicyError:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top)"
    reason = first["msg"]
    if error.error_count() > 1:
        reason += f" (and {error.error_count() - 1} more problems)"
    return PolicyError(where, key, first.get("input"), reason)


def parse_policy(text: str, where: str = "<text>") -> Policy:
    """A Policy from TOML text; `where` names the source in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(where, "(syntax)", None, str(error)) from None
    try:
        return Policy.model_validate(raw)
    except ValidationError as error:
        raise _policy_error(where, error, raw) from None


def default_policy_text() -> str:
    """The built-in policy's TOML, comments and all (what `crm-credit init` writes out)."""
    return resources.files("credit_core").joinpath("default_policy.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _default_policy() -> Policy:
    return parse_policy(default_policy_text(), "built-in default_policy.toml")


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy at `path`, or the built-in default policy when `path` is None."""
    if path is None:
        return _default_policy()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError(str(file), "file", str(file), "no such policy file") from None
    except OSError as error:
        raise PolicyError(str(file), "file", str(file), error.strerror or "cannot be read") from None
    return parse_policy(text, str(file))
