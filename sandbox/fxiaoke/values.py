"""Field values on the wire: what a write must look like per type, and how values compare in filters.

Documented write formats (reference fxiaoke.md §2 "Field value formats"): number and currency as
strings (`"100.01"`), dates and date-times as epoch-ms Longs (a date ignores the time of day),
select_one the option `value` not its label, employee and department fields lists even when
single, booleans as JSON booleans, a lookup as the target's `_id`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sandbox.fxiaoke.envelope import PARAMETER_ERROR, FxError
from sandbox.fxiaoke.limits import CHINA
from sandbox.fxiaoke.schema import (
    BOOLEAN,
    CURRENCY,
    DATE,
    DATE_TIME,
    DEPARTMENT,
    EMPLOYEE,
    LONG_TEXT,
    NUMBER,
    PERCENTILE,
    REFERENCE,
    RELATED,
    SELECT_MANY,
    SELECT_ONE,
    TEXT,
    FieldDef,
)

NUMERIC = (NUMBER, CURRENCY, PERCENTILE)
TEMPORAL = (DATE, DATE_TIME)
LISTS = (EMPLOYEE, DEPARTMENT, SELECT_MANY)
Exists = Callable[[str, str], bool]  # (object api name, id) -> does that record exist


def bad_value(definition: FieldDef, why: str) -> FxError:
    """The error for a value the field cannot take."""
    return FxError(PARAMETER_ERROR, f"字段[{definition.label}]({definition.api_name}){why}")


def decimal_of(value: object) -> Decimal | None:
    """A number given as string or JSON number; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def money_text(value: Decimal, places: int) -> str:
    """A decimal as Fxiaoke returns currency and numbers: a string with the field's decimal places."""
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def date_ms(day: date) -> int:
    """A calendar day as Fxiaoke stores a date field: epoch ms of its midnight in China time."""
    return int(datetime(day.year, day.month, day.day, tzinfo=CHINA).timestamp() * 1000)


def day_ms(ms: int) -> int:
    """Midnight (China time, the tenant's GMT+8) of the day containing this instant."""
    return date_ms(datetime.fromtimestamp(ms / 1000, UTC).astimezone(CHINA).date())


def coerce(definition: FieldDef, value: Any, exists: Exists) -> Any:
    """The stored form of a value written to a field, or a 32000 error saying what is wrong."""
    if value is None:
        if definition.required:
            raise bad_value(definition, "为必填项")
        return None
    kind = definition.type
    if kind in (TEXT, LONG_TEXT):
        return _text(definition, value)
    if kind in NUMERIC:
        number = decimal_of(value)
        if number is None:
            raise bad_value(definition, "的值必须是数字字符串")
        return money_text(number, definition.decimal_places or 0)
    if kind in TEMPORAL:
        return _instant(definition, value)
    return _choice_or_link(definition, value, exists)


def _choice_or_link(definition: FieldDef, value: Any, exists: Exists) -> Any:
    kind = definition.type
    if kind == SELECT_ONE:
        if not isinstance(value, str) or definition.option(value) is None:
            raise bad_value(definition, "的值不是有效选项（请传选项的 value）")
        return value
    if kind == BOOLEAN:
        if not isinstance(value, bool):
            raise bad_value(definition, "的值必须是布尔值")
        return value
    if kind in LISTS:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad_value(definition, "的值必须是字符串列表")
        return list(value)
    if kind == REFERENCE:
        if not isinstance(value, str) or definition.target is None or not exists(definition.target, value):
            raise bad_value(definition, "关联的数据不存在")
        return value
    if kind == RELATED:
        return _related(definition, value, exists)
    raise bad_value(definition, "不支持写入")


def _related(definition: FieldDef, value: Any, exists: Exists) -> list[dict[str, str]]:
    """`related_object_data`: the records an activity is about, each `{describe_api_name, id}`."""
    if not isinstance(value, list) or not value:
        raise bad_value(definition, "的值必须是关联对象列表")
    links = []
    for link in value:
        target = link.get("describe_api_name") if isinstance(link, dict) else None
        object_id = link.get("id") if isinstance(link, dict) else None
        if not isinstance(target, str) or not isinstance(object_id, str) or not exists(target, object_id):
            raise bad_value(definition, "关联的数据不存在")
        links.append({"describe_api_name": target, "id": object_id})
    return links


def _text(definition: FieldDef, value: Any) -> str:
    if not isinstance(value, str):
        raise bad_value(definition, "的值必须是字符串")
    if definition.max_length is not None and len(value) > definition.max_length:
        raise bad_value(definition, f"长度超过{definition.max_length}")
    return value


def _instant(definition: FieldDef, value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        raise bad_value(definition, "的值必须是毫秒时间戳")
    ms = int(value)
    return day_ms(ms) if definition.type == DATE else ms


def sort_key(definition: FieldDef | None, value: Any) -> Any:
    """A comparable form of a stored or filter value: numbers by value, the rest as text."""
    if definition is not None and definition.type in NUMERIC + TEMPORAL:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # instants are stored as ints; ints and Decimals compare fine
        return decimal_of(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return None if value is None else str(value)
