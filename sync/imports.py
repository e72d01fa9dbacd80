"""`crm-credit import financials|insurance CSV`: validate each row, load the good ones, quarantine the rest.

Rows are keyed by `source` + `crm_id` of an account already in the store (a typo in an id is the
usual mistake, so an unknown account is refused rather than parked). Every refusal is one line naming
the line, the column and the value. A header with an unknown or missing column stops the whole file
(a ConfigError: nothing loaded), since every row would be misread.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError
from credit_core import values as parse
from credit_core.models import Financials
from credit_core.supplements import FIGURES, InsuranceCover
from sync.store import Store
from sync.store import supplements as stored
from sync.store.records import existing_ids

Key = tuple[str, str]
KINDS = ("financials", "insurance")
_KEY_COLUMNS = ("source", "crm_id")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # kind -> (required, optional)
    "financials": ((*_KEY_COLUMNS, "as_of"), FIGURES),
    "insurance": ((*_KEY_COLUMNS, "amount"), ("currency", "valid_from", "expires_on", "insurer", "policy_ref")),
}


class RowRefused(Exception):
    """One bad cell: its column, value and the reason."""

    def __init__(self, column: str | None, value: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass
class ImportReport:
    """What one import did."""

    kind: str
    file: str
    rows: int = 0
    loaded: int = 0
    accounts: list[Key] = field(default_factory=list)
    quarantined: list[dict[str, Any]] = field(default_factory=list)  # line, column, value, reason

    def lines(self) -> list[str]:
        """One line per refused row."""
        return [
            f"{self.file} line {q['line']}, column {q['column'] or '-'}, value {q['value']!r}: {q['reason']}"
            for q in self.quarantined
        ]


def _cell(row: Mapping[str, str | None], column: str, parser: Callable[[Any], Any]) -> Any:
    raw = row.get(column)
    try:
        return parser(raw.strip() if isinstance(raw, str) else raw)
    except parse.BadValue as bad:
        raise RowRefused(column, raw, bad.reason) from None


def _required(row: Mapping[str, str | None], column: str, parser: Callable[[Any], Any]) -> Any:
    value = _cell(row, column, parser)
    if value is None:
        raise RowRefused(column, row.get(column), "required")
    return value


def _not_negative(column: str, value: Decimal | None, raw: Any) -> None:
    if value is not None and value < 0 and column not in ("retained_earnings", "ebit", "equity", "operating_cash_flow"):
        raise RowRefused(column, raw, "must not be negative")


def parse_statement(row: Mapping[str, str | None]) -> Financials:
    """A financial statement from one CSV row (as_of required, at least one figure)."""
    figures = {}
    for name in FIGURES:
        value = _cell(row, name, parse.money)
        _not_negative(name, value, row.get(name))
        figures[name] = value
    if all(v is None for v in figures.values()):
        raise RowRefused(None, None, "no figures on this row")
    return Financials(**figures, as_of=_required(row, "as_of", parse.day))


def parse_cover(row: Mapping[str, str | None]) -> InsuranceCover:
    """An insurance cover from one CSV row."""
    amount = _required(row, "amount", parse.money)
    _not_negative("amount", amount, row.get("amount"))
    valid_from: date | None = _cell(row, "valid_from", parse.day)
    expires_on: date | None = _cell(row, "expires_on", parse.day)
    if valid_from and expires_on and expires_on < valid_from:
        raise RowRefused("expires_on", row.get("expires_on"), f"before valid_from {valid_from.isoformat()}")
    return InsuranceCover(
        amount=amount,
        currency=_cell(row, "currency", parse.currency),
        valid_from=valid_from,
        expires_on=expires_on,
        insurer=_cell(row, "insurer", parse.text),
        policy_ref=_cell(row, "policy_ref", parse.text),
    )


def _check_header(kind: str, file: str, header: Iterable[str] | None) -> None:
    required, optional = COLUMNS[kind]
    columns = [c.strip() for c in header or ()]
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        raise ConfigError(f"{file}: unknown column {unknown[0]!r} (columns: {', '.join((*required, *optional))})")
    missing = [c for c in required if c not in columns]
    if missing:
        raise ConfigError(f"{file}: missing column {missing[0]!r}")


def _reject(line: int, refused: RowRefused, row: Mapping[str, Any]) -> dict[str, Any]:
    raw = json.dumps(row, ensure_ascii=False)
    return {"line": line, "column": refused.column, "value": refused.value, "reason": refused.reason, "raw": raw}


class Importer:
    """Loads one CSV file of one kind into the store."""

    def __init__(self, store: Store, sources: Iterable[str], clock: Callable[[], datetime]) -> None:
        self.store = store
        self.sources = set(sources)
        self.clock = clock

    def run(self, kind: str, path: Path) -> ImportReport:
        """Validate and load the file; refused rows are kept in `import_rejects` and listed in the report."""
        if kind not in KINDS:
            raise ConfigError(f"import: unknown kind {kind!r} (one of {', '.join(KINDS)})")
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                _check_header(kind, path.name, reader.fieldnames)
                rows = [(reader.line_num, {k.strip(): v for k, v in row.items() if k is not None}) for row in reader]
        except OSError as error:
            raise ConfigError(f"{path}: {error.strerror or 'cannot be read'}") from None
        except (UnicodeDecodeError, csv.Error) as error:
            raise ConfigError(f"{path}: not a UTF-8 CSV file ({error})") from None
        report = ImportReport(kind, path.name, rows=len(rows))
        self._load(kind, path.name, rows, report)
        return report

    def _load(self, kind: str, file: str, rows: list[tuple[int, dict[str, Any]]], report: ImportReport) -> None:
        parser = parse_statement if kind == "financials" else parse_cover
        good: list[tuple[Key, Any, str]] = []
        seen: dict[tuple[Any, ...], int] = {}
        now = self.clock()
        with self.store.write() as conn:
            known = self._known_accounts(conn, rows)
            for line, row in rows:
                try:
                    key = self._key(row, known)
                    record = parser(row)
                    identity = (*key, getattr(record, "as_of" if kind == "financials" else "valid_from"))
                    if identity in seen:
                        raise RowRefused(None, None, f"repeats line {seen[identity]} (same account and date)")
                    seen[identity] = line
                    good.append((key, record, f"{file}:{line}"))
                except RowRefused as refused:
                    report.quarantined.append(_reject(line, refused, row))
            if kind == "financials":
                stored.save_statements(conn, good, now)
            else:
                stored.save_covers(conn, good, now)
            stored.save_rejects(conn, kind, file, report.quarantined, now)
        report.loaded = len(good)
        report.accounts = sorted({key for key, _, _ in good})

    def _known_accounts(self, conn: Any, rows: list[tuple[int, dict[str, Any]]]) -> set[Key]:
        wanted: dict[str, set[str]] = {}
        for _, row in rows:
            source, crm_id = (row.get("source") or "").strip(), (row.get("crm_id") or "").strip()
            if source in self.sources and crm_id:
                wanted.setdefault(source, set()).add(crm_id)
        return {(s, i) for s, ids in wanted.items() for i in existing_ids(conn, "account", s, ids)}

    def _key(self, row: Mapping[str, Any], known: set[Key]) -> Key:
        source = _required(row, "source", parse.text)
        if source not in self.sources:
            raise RowRefused("source", source, f"no such source in the config ({', '.join(sorted(self.sources))})")
        crm_id = _required(row, "crm_id", parse.text)
        if (source, crm_id) not in known:
            raise RowRefused("crm_id", crm_id, f"no such account in the store for source {source!r} (run sync first)")
        return (source, crm_id)
