"""Editing one mapping table of `crm-credit.toml` in place (the admin pages' mapping editor).

The file is edited through tomlkit, key by key: only the `fields` and `transforms` entries that
changed are touched, so comments, layout and `${NAME}` references elsewhere stay as the admin wrote
them. A candidate is validated exactly as every command loads a config before it replaces the file,
and the previous file is kept as a timestamped backup next to it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from connectors.errors import ConfigError
from sync.config import AppConfig, load_config

SECTIONS = ("accounts", "invoices", "orders", "payments", "writeback")


@dataclass(frozen=True)
class SectionText:
    """One mapping table as the editor shows it: its object and TOML lines for `fields` and `transforms`."""

    source: str
    section: str
    crm_object: str
    fields: str
    transforms: str


def _document(path: Path) -> tomlkit.TOMLDocument:
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None


def _table(doc: tomlkit.TOMLDocument, source: str, section: str) -> Any:
    if section not in SECTIONS:
        raise ConfigError(f"{section!r} is not a mapping table (one of {', '.join(SECTIONS)})")
    sources = doc.get("sources") or {}
    if source not in sources:
        raise ConfigError(f"unknown source {source!r}")
    table = sources[source].get(section)
    if table is None:
        raise ConfigError(f"source {source!r} has no [sources.{source}.{section}] table")
    return table


def _lines(values: Any) -> str:
    """`key = value` lines, keys quoted where TOML needs it, nested tables inline."""
    lines = []
    for key, value in (values or {}).items():
        doc = tomlkit.document()
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(_plain(value))
            doc[key] = inline
        else:
            doc[key] = _plain(value)
        lines.append(tomlkit.dumps(doc).strip())
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def read_section(path: Path, source: str, section: str) -> SectionText:
    """The table as written in the file (before `${NAME}` interpolation)."""
    table = _table(_document(path), source, section)
    return SectionText(source, section, str(table.get("object", "")), _lines(table.get("fields")),
                       _lines(table.get("transforms")))  # fmt: skip


def parse_lines(text: str, what: str) -> dict[str, Any]:
    """Editor text (`key = value` lines) as a dict; a syntax error names the part and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{what}: not valid TOML: {error}") from None


def _update(table: Any, name: str, new: dict[str, Any]) -> None:
    """Make `table[name]` hold exactly `new`, touching only the keys that differ.

    The sub-table is looked up again for every change: tomlkit rebuilds its view of dotted keys
    (`fields.due_on = …`) after each edit, so a view held across edits goes stale.
    """
    for key in [k for k in table[name] if k not in new]:
        del table[name][key]
        if name not in table:
            break
    for key, value in new.items():
        if name not in table:
            table[name] = tomlkit.inline_table()
        if key in table[name] and _plain(table[name][key]) == value:
            continue
        if isinstance(value, dict):
            inline = tomlkit.inline_table()
            inline.update(value)
            table[name][key] = inline
        else:
            table[name][key] = value


def edited_text(path: Path, source: str, section: str, crm_object: str, fields: dict[str, Any],
                transforms: dict[str, Any]) -> str:  # fmt: skip
    """The whole file with one table's object, fields and transforms replaced key by key."""
    doc = _document(path)
    table = _table(doc, source, section)
    if str(table.get("object", "")) != crm_object:
        table["object"] = crm_object
    for name, new in (("fields", fields), ("transforms", transforms)):
        if name == "transforms" and section == "writeback":
            continue
        if name not in table:
            if not new:
                continue
            table[name] = tomlkit.inline_table()
        _update(table, name, new)
        if not new and name in table and not isinstance(table[name], Table):
            del table[name]
    return tomlkit.dumps(doc)


def validate_text(path: Path, text: str) -> AppConfig:
    """Load `text` as if it were the file at `path` (same folder, same environment); ConfigError if invalid."""
    candidate = path.with_name(f".{path.name}.candidate")
    candidate.write_text(text, encoding="utf-8")
    try:
        return load_config(candidate)
    except ConfigError as error:
        raise ConfigError(str(error).replace(str(candidate), str(path))) from None
    finally:
        candidate.unlink(missing_ok=True)


def save_with_backup(path: Path, text: str, now: datetime) -> Path:
    """Keep the current file as `<name>.bak-YYYYmmddTHHMMSS`, then replace it atomically; return the backup."""
    backup = path.with_name(f"{path.name}.bak-{now.strftime('%Y%m%dT%H%M%S')}")
    backup.write_bytes(path.read_bytes())
    temporary = path.with_name(f".{path.name}.saving")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return backup
