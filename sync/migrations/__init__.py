"""Alembic migrations of the store; `sync.store.migrate.upgrade` runs them on open."""
