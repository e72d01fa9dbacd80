"""How Salesforce writes values on the wire, and how it reads them from a JSON request body.

Rows keep compact internal forms: datetimes as epoch milliseconds (whole seconds, as Salesforce
stores them), dates as shared `date` objects, money and numbers as floats, ids as 18-char strings.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sandbox.salesforce.errors import RecordError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NUMERIC_TYPES = frozenset({"currency", "double", "percent", "int"})
TEXT_TYPES = frozenset({"string", "textarea", "picklist", "multipicklist", "email", "phone", "url", "combobox"})
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_dates: dict[int, date] = {}


def shared_date(value: date) -> date:
    """One `date` object per calendar day, so a million rows do not hold a million copies."""
    return _dates.setdefault(value.toordinal(), value)


def now_ms() -> int:
    """The machine clock in whole seconds, as epoch ms (Salesforce keeps no sub-second part)."""
    return int(datetime.now(UTC).timestamp()) * 1000


def ms_of(moment: datetime) -> int:
    """Epoch ms of an aware datetime, cut to whole seconds."""
    return int(moment.timestamp()) * 1000


def datetime_of(ms: int) -> datetime:
    """The aware UTC datetime of epoch ms."""
    return EPOCH + timedelta(milliseconds=ms)


@lru_cache(maxsize=65536)
def rest_datetime(ms: int) -> str:
    """REST JSON form: `2011-07-07T00:37:00.000+0000` (no colon in the offset)."""
    return datetime_of(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


@lru_cache(maxsize=65536)
def soap_datetime(ms: int) -> str:
    """SOAP and Bulk CSV form: `2011-07-07T00:37:00.000Z`."""
    return datetime_of(ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def java_double(value: float) -> str:
    """Java's Double.toString, which Salesforce uses for currency and numbers (`1.5E7`, `1234.5`, `100.0`)."""
    if value == 0:
        return "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(float(value))
        return text if ("." in text or "e" in text) else text + ".0"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    scientific_exponent = len(text) + exponent - 1
    mantissa = text[0] + "." + (text[1:] or "0")
    return ("-" if sign else "") + f"{mantissa}E{scientific_exponent}"


def parse_datetime_text(text: str, soql: bool = False) -> int | None:
    """Epoch ms of an ISO dateTime with `Z` or an offset (fraction kept to the ms), or None when malformed.

    SOQL literals need the `+hh:mm` offset form; JSON bodies may also use Salesforce's own `+0000`.
    """
    match = _ISO_DATETIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if soql and zone != "Z" and ":" not in zone:
        return None
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
    except ValueError:
        return None
    if zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    millis = int((fraction[1:] + "00")[:3]) if fraction else 0
    return ms_of(moment) + millis


def parse_date_text(text: str) -> date | None:
    """The date of `YYYY-MM-DD`, or None when malformed."""
    if not _ISO_DATE.match(text):
        return None
    try:
        return shared_date(date.fromisoformat(text))
    except ValueError:
        return None


def _parser_error(kind: str, token: str, value: object) -> RecordError:
    # Salesforce's JSON deserializer wording (Jackson underneath).
    return RecordError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {value} or request may be missing a required field",
    )


def _token(value: object) -> str:
    if isinstance(value, bool):
        return "VALUE_TRUE" if value else "VALUE_FALSE"
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, int):
        return "VALUE_NUMBER_INT"
    if isinstance(value, float):
        return "VALUE_NUMBER_FLOAT"
    return "START_OBJECT" if isinstance(value, dict) else "START_ARRAY"


def coerce_input(sf_type: str, value: object) -> object:
    """The internal value of a JSON input for a field of `sf_type` (None stays None)."""
    if value is None:
        return None
    if sf_type in NUMERIC_TYPES:
        return _coerce_number(sf_type, value)
    if sf_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error("boolean", _token(value), value)
    if sf_type == "date":
        parsed = parse_date_text(value) if isinstance(value, str) else None
        if parsed is None:
            raise _parser_error("date", _token(value), value)
        return parsed
    if sf_type == "datetime":
        ms = parse_datetime_text(value) if isinstance(value, str) else None
        if ms is None:
            raise _parser_error("datetime", _token(value), value)
        return ms - ms % 1000  # stored to the second
    if isinstance(value, dict | list):
        raise _parser_error("string", _token(value), value)
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return text.replace("\x00", "")


def _coerce_number(sf_type: str, value: object) -> object:
    kind = "int" if sf_type == "int" else "double"
    if isinstance(value, bool | dict | list):
        raise _parser_error(kind, _token(value), value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise _parser_error(kind, _token(value), value) from None
    if not number.is_finite():
        raise _parser_error(kind, _token(value), value)
    if sf_type == "int":
        if number != number.to_integral_value():
            raise _parser_error(kind, _token(value), value)
        return int(number)
    return float(number)


def internal_of_python(sf_type: str, value: object) -> object:
    """The internal value of a Python value given by the control API (Decimal, date, datetime, str...)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return ms_of(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date) and sf_type == "date":
        return shared_date(value)
    if isinstance(value, Decimal):
        return int(value) if sf_type == "int" else float(value)
    return coerce_input(sf_type, value)


def python_of_internal(sf_type: str, value: object) -> object:
    """The Python value the control API hands back (aware datetime, Decimal money, date)."""
    if value is None:
        return None
    if sf_type == "datetime":
        assert isinstance(value, int)
        return datetime_of(value)
    if sf_type in ("currency", "double", "percent"):
        return Decimal(repr(value))
    return value
