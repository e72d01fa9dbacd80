"""Compact text forms: instants as sortable ISO text, canonical records as JSON payloads.

Payloads hold the record's non-empty fields except the key (`source`, `crm_id`); money and dates are
strings, so nothing passes through a binary float. An amount's text has no trailing fractional zeros:
1000.0 read over REST and 1000 read through Bulk are one value, so one payload, and a record read
both ways is not taken for a changed one. Records decoded here were validated when they
were stored, so they are constructed directly, without `credit_core.records.build_*`.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from credit_core.fast import constructor
from credit_core.models import Account, Financials, Invoice, LimitOverride, Order, Payment, Qualitative

Record = Account | Invoice | Order | Payment
RECORD_CLASSES: dict[str, type[Any]] = {"account": Account, "invoice": Invoice, "order": Order, "payment": Payment}
_KEY = ("source", "crm_id")


def to_stamp(moment: datetime) -> str:
    """An aware instant as fixed-width UTC text that sorts like the instant itself."""
    if moment.tzinfo is not UTC:
        if moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r}: instants must be aware UTC")
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def from_stamp(text: str) -> datetime:
    """The inverse of `to_stamp`."""
    return datetime.fromisoformat(text)


def _amount_text(amount: Decimal) -> str:
    text = str(amount)
    if text[-1] == "0" and "." in text and "E" not in text:
        return text.rstrip("0").rstrip(".")
    return text


def _encoder(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    """A record's non-empty fields as JSON-native values (money and dates as exact text).

    Generated straight-line code (as `dataclasses` generates `__init__`): a generic loop over the
    fields costs several microseconds per invoice, a million times per full sync.
    """
    hints = typing.get_type_hints(cls)
    nested = {"financials": Financials, "qualitative": Qualitative, "limit_override": LimitOverride}
    lines = ["def encode(r, _str, _amount, _nested):", "    d = {}"]
    for f in dataclasses.fields(cls):
        if f.name in _KEY:
            continue
        args = set(typing.get_args(hints[f.name])) or {hints[f.name]}
        if f.name in nested and cls is Account:
            value = f"_nested[{f.name!r}](v)"
        elif Decimal in args:
            value = "_amount(v)"
        elif date in args:
            value = "_str(v)"
        else:
            value = "v"
        lines += [f"    v = r.{f.name}", f"    if v is not None: d[{f.name!r}] = {value}"]
    lines.append("    return d")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<encode {cls.__name__}>", "exec"), namespace)  # noqa: S102  field names only
    generated = namespace["encode"]
    helpers = {name: _encoder(kind) for name, kind in nested.items()} if cls is Account else {}
    return lambda record: generated(record, str, _amount_text, helpers)


_ENCODERS: dict[type[Any], Callable[[Any], dict[str, Any]]] = {
    cls: _encoder(cls) for cls in (Account, Invoice, Order, Payment)
}


def encode_record(record: Record) -> str:
    """The payload of a canonical record: its non-empty fields, key excluded."""
    # json.dumps with no options takes the C encoder's cached fast path.
    return json.dumps(_ENCODERS[record.__class__](record))


def _decoder(cls: type[Any]) -> Callable[[str, str, dict[str, Any]], Any]:
    """Payload values back into a record: generated straight-line code, like `_encoder`.

    A field missing from the payload was empty when stored, or is newer than the payload: it gets
    the dataclass default (or None).
    """
    hints = typing.get_type_hints(cls)
    nested = {Financials: "_fin", Qualitative: "_qual", LimitOverride: "_over"}
    args_of = {f.name: set(typing.get_args(hints[f.name])) or {hints[f.name]} for f in dataclasses.fields(cls)}
    lines = ["def decode(source, crm_id, v, _D, _day, _defaults, _fin, _qual, _over):"]
    keywords = []
    for f in dataclasses.fields(cls):
        if f.name in _KEY:
            keywords.append(f"{f.name}={f.name}")
            continue
        args = args_of[f.name]
        convert = next((helper for kind, helper in nested.items() if kind in args), None)
        convert = convert or ("_D" if Decimal in args else "_day" if date in args else None)
        get = f"v.get({f.name!r}, _defaults[{f.name!r}])"
        if convert is None:
            keywords.append(f"{f.name}={get}")
        else:
            lines.append(f"    x = v.get({f.name!r})")
            lines.append(f"    {f.name} = _defaults[{f.name!r}] if x is None else {convert}(x)")
            keywords.append(f"{f.name}={f.name}")
    lines.append(f"    return _cls({', '.join(keywords)})")
    defaults = {f.name: (None if f.default is dataclasses.MISSING else f.default) for f in dataclasses.fields(cls)}
    namespace: dict[str, Any] = {"_cls": constructor(cls)}  # slots set directly: no frozen __setattr__ per field
    exec(compile("\n".join(lines), f"<decode {cls.__name__}>", "exec"), namespace)  # noqa: S102  field names only
    generated = namespace["decode"]
    helpers = [_nested(kind) for kind in (Financials, Qualitative, LimitOverride)] if cls is Account else [None] * 3

    def decode(source: str, crm_id: str, values: dict[str, Any]) -> Any:
        return generated(source, crm_id, values, Decimal, date.fromisoformat, defaults, *helpers)

    return decode


def _nested(cls: type[Any]) -> Callable[[dict[str, Any]], Any]:
    hints = typing.get_type_hints(cls)
    converters: dict[str, Callable[[Any], Any]] = {}
    for f in dataclasses.fields(cls):
        args = set(typing.get_args(hints[f.name])) or {hints[f.name]}
        if Decimal in args:
            converters[f.name] = Decimal
        elif date in args:
            converters[f.name] = date.fromisoformat

    def decode(values: dict[str, Any]) -> Any:
        return cls(**{k: (converters[k](v) if k in converters else v) for k, v in values.items()})

    return decode


_DECODERS = {kind: _decoder(cls) for kind, cls in RECORD_CLASSES.items()}


def decode_record(kind: str, source: str, crm_id: str, payload: str) -> Any:
    """Rebuild a canonical record from its key and payload."""
    return _DECODERS[kind](source, crm_id, json.loads(payload))
