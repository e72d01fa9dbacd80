"""`crm-credit check | setup-fields | suggest-mapping`: a source's fields, as the CRM describes them (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import tomlkit
import typer

from cli.app import EXIT_OK, EXIT_PROBLEMS, app, console, emit_json, handle_errors, state
from connectors.base import OBJECT_KINDS, SECTION_OF, Connector, ConnectorContext, SourceSettings
from connectors.errors import ConfigError
from connectors.field_check import check_fields
from connectors.registry import make_connector
from connectors.suggest import CANDIDATE_OBJECTS, DEFAULT_WRITEBACK, pick_object, status_map
from connectors.writeback_specs import specs_for
from sync.config import load_config

SourceName = Annotated[str, typer.Argument(help="A source name from the config.")]


@contextmanager
def source_connector(name: str) -> Iterator[tuple[SourceSettings, Connector]]:
    """The settings and a connector of one configured source, closed afterwards."""
    config = load_config(state.config_path())
    settings = config.source(name)
    connector = make_connector(name, settings, ConnectorContext(name))
    try:
        yield settings, connector
    finally:
        connector.close()


@app.command("check")
@handle_errors
def check_command(
    source: Annotated[str | None, typer.Argument(help="One source (default: all).")] = None,
) -> None:
    """Connect and report every mapped field: ok, missing, not writable or not on layout."""
    names = [source] if source else list(load_config(state.config_path()).sources)
    report: dict[str, Any] = {}
    problems = 0
    for name in names:
        with source_connector(name) as (settings, connector):
            lines = check_fields(settings, connector.describe)
        problems += sum(line.problem for line in lines)
        report[name] = {"fields": [asdict(line) for line in lines], "problems": sum(line.problem for line in lines)}
        if not state.json:
            for line in lines:
                mark = "ok " if not line.problem else "!! "
                console().print(f"{mark}{name}: {line.crm_object}.{line.field} ({line.use}): {line.status}",
                                markup=False, soft_wrap=True)  # fmt: skip
    if state.json:
        emit_json({"sources": report})
    elif problems:
        console().print(f"{problems} field problem(s); `crm-credit setup-fields SOURCE` creates write-back fields")
    raise typer.Exit(EXIT_PROBLEMS if problems else EXIT_OK)


@app.command("setup-fields")
@handle_errors
def setup_fields_command(
    source: SourceName,
    export_metadata: Annotated[
        Path | None, typer.Option("--export-metadata", help="Write Salesforce DX source here instead.")
    ] = None,
) -> None:
    """Create the write-back fields (idempotent), or write them as Salesforce DX metadata."""
    with source_connector(source) as (settings, connector):
        specs = specs_for(settings.writeback)
        if not specs:
            raise ConfigError(f"source {source!r} maps no write-back fields ([sources.{source}.writeback])")
        if export_metadata is not None:
            exporter = getattr(connector, "export_metadata", None)
            if exporter is None:
                raise ConfigError(f"--export-metadata is for Salesforce sources; {source!r} is {settings.kind}")
            written = exporter(export_metadata, specs)
            result: dict[str, Any] = {"folder": str(export_metadata), "files": written.files, "notes": written.notes}
        else:
            outcomes = connector.create_fields(specs)
            result = {"fields": [asdict(o) for o in outcomes]}
    if state.json:
        emit_json(result)
        return
    out = console()
    for line in result.get("fields", []):
        out.print(f"{line['name']} ({line['decision_key']}): {line['outcome']} {line['message']}".rstrip(),
                  markup=False, soft_wrap=True)  # fmt: skip
    for path in result.get("files", []):
        out.print(f"wrote {Path(result['folder']) / path}", markup=False, soft_wrap=True)
    for note in result.get("notes", []):
        out.print(f"note: {note}", markup=False, soft_wrap=True)


def _object_table(kind: Any, connector: Connector, candidates: tuple[str, ...], own_fields: set[str]) -> Any:
    picked = pick_object(kind, candidates, connector.describe, exclude=own_fields)
    if picked is None:
        return None
    crm_object, suggestions = picked
    table = tomlkit.table()
    table["object"] = crm_object
    fields = tomlkit.table()
    for s in suggestions:
        fields.add(s.key, s.field)
        fields[s.key].comment(f"confidence {s.confidence:.2f} ({s.crm_type})")
    table["fields"] = fields
    status = next((s for s in suggestions if s.key == "status"), None)
    if status is not None and kind in ("invoice", "order"):
        values = next((f.picklist_values for f in connector.describe(crm_object) if f.name == status.field), ())
        guessed = status_map(kind, values)
        if guessed:
            table["transforms"] = {"status": {"map": guessed}}
    return table


@app.command("suggest-mapping")
@handle_errors
def suggest_mapping_command(source: SourceName) -> None:
    """Propose a mapping from the CRM's describe output, as TOML (review before use)."""
    with source_connector(source) as (settings, connector):
        candidates = CANDIDATE_OBJECTS.get(settings.kind, {})
        document = tomlkit.document()
        document.add(tomlkit.comment(f"crm-credit suggest-mapping {source}: review every line before use"))
        sources = tomlkit.table(is_super_table=True)
        body = tomlkit.table(is_super_table=True)
        own_fields = set(DEFAULT_WRITEBACK.get(settings.kind, {}).values())
        if settings.writeback is not None:
            own_fields |= set(settings.writeback.fields.values())
        for kind in OBJECT_KINDS:
            configured = settings.mapping(kind)
            names = (configured.object,) if configured is not None else candidates.get(kind, ())
            table = _object_table(kind, connector, names, own_fields) if names else None
            if table is not None:
                body[SECTION_OF[kind]] = table
        writeback = DEFAULT_WRITEBACK.get(settings.kind)
        if writeback:
            account_object = body["accounts"]["object"] if "accounts" in body else "Account"
            present = {f.name.lower() for f in connector.describe(str(account_object))}
            wb = tomlkit.table()
            wb["object"] = account_object
            fields = tomlkit.table()
            for key, crm_field in writeback.items():
                fields.add(key, crm_field)
                if crm_field.lower() not in present:
                    fields[key].comment(f"missing: `crm-credit setup-fields {source}` creates it")
            wb["fields"] = fields
            body["writeback"] = wb
        sources[source] = body
        document["sources"] = sources
    if state.json:
        emit_json(document.unwrap())
    else:
        typer.echo(tomlkit.dumps(document), nl=False)
