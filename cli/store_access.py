"""What the sync-related commands share: load the config, open the store, build the engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cli.app import state
from sync.config import AppConfig, load_config
from sync.engine import SyncEngine
from sync.pull import Progress
from sync.store import Store


@contextmanager
def opened_store() -> Iterator[tuple[AppConfig, Store]]:
    """The config of this invocation and its (migrated) store."""
    config = load_config(state.config_path())
    store = Store.open(config.store.url)
    try:
        yield config, store
    finally:
        store.close()


@contextmanager
def engine(progress: Progress | None = None) -> Iterator[SyncEngine]:
    """A SyncEngine for this invocation's config, closed afterwards."""
    with opened_store() as (config, store):
        sync_engine = SyncEngine(config, store, progress=progress)
        try:
            yield sync_engine
        finally:
            sync_engine.close()
