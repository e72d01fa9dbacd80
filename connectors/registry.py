"""`make_connector`: the connector for a source's `kind`, imported only when a source uses it.

Each CRM package provides `connectors/<kind>/connector.py` with a module-level
`make_connector(source: str, settings, context: ConnectorContext) -> Connector`.
Tests (and plug-ins) may register a factory for any kind with `register_connector`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from connectors.base import Connector, ConnectorContext, SourceSettings
from connectors.errors import ConfigError

Factory = Callable[[str, Any, ConnectorContext], Connector]
_MODULES = {
    "salesforce": "connectors.salesforce.connector",
    "zoho": "connectors.zoho.connector",
    "fxiaoke": "connectors.fxiaoke.connector",
}
_REGISTERED: dict[str, Factory] = {}


def register_connector(kind: str, factory: Factory) -> None:
    """Use `factory` for sources of `kind` (overrides the packaged connector)."""
    _REGISTERED[kind] = factory


def unregister_connector(kind: str) -> None:
    """Forget a registered factory."""
    _REGISTERED.pop(kind, None)


def _packaged_factory(kind: str) -> Factory:
    module_name = _MODULES.get(kind)
    if module_name is None:
        raise ConfigError(f"unknown source kind {kind!r} (known: {', '.join(sorted(_MODULES))})")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ConfigError(f"the {kind} connector is not installed in this version of crm-credit") from None
    factory: Factory | None = getattr(module, "make_connector", None)
    if factory is None:
        raise ConfigError(f"{module_name} has no make_connector()")
    return factory


def make_connector(source: str, settings: SourceSettings, context: ConnectorContext) -> Connector:
    """The connector for one configured source."""
    factory = _REGISTERED.get(settings.kind) or _packaged_factory(settings.kind)
    return factory(source, settings, context)
