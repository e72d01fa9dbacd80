"""Cursor arithmetic: frozen end, lookback, resume after (stamp, id), watermark from stored rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Cursor, SourceRecord
from sync.cursor import Checkpoint, advance_watermark, after_checkpoint, deletion_window, plan_window

T = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_an_incremental_window_starts_a_lookback_behind_the_watermark_and_ends_at_run_start() -> None:
    window = plan_window(T, 600, T + timedelta(hours=1))
    assert (window.start, window.end, window.after) == (T - timedelta(seconds=600), T + timedelta(hours=1), None)


def test_first_and_full_runs_read_everything() -> None:
    assert plan_window(None, 600, T).start is None
    assert plan_window(T, 600, T + timedelta(hours=1), full=True).start is None


def test_a_checkpoint_resumes_its_window_after_the_last_stored_row() -> None:
    checkpoint = Checkpoint(T - timedelta(hours=2), T, Cursor(T - timedelta(hours=1), "B"), None)
    window = plan_window(T - timedelta(hours=3), 600, T + timedelta(minutes=5), checkpoint)
    assert window.start == checkpoint.start and window.after == checkpoint.after
    assert window.end == T + timedelta(minutes=5)


def test_a_full_run_abandons_an_incremental_checkpoint_but_resumes_a_full_one() -> None:
    incremental = Checkpoint(T - timedelta(hours=2), T, Cursor(T, "B"), None)
    assert plan_window(T, 600, T, incremental, full=True).after is None
    full = Checkpoint(None, T, Cursor(T, "B"), full_pass=7)
    assert plan_window(T, 600, T, full, full=True).after == Cursor(T, "B")


def test_rows_on_the_checkpoint_stamp_are_split_by_id() -> None:
    rows = [SourceRecord(i, T, {}) for i in ("A", "B", "C")] + [SourceRecord("A", T + timedelta(seconds=1), {})]
    kept = [(r.crm_id, r.stamp) for r in after_checkpoint(rows, Cursor(T, "B"))]
    assert kept == [("C", T), ("A", T + timedelta(seconds=1))]


def test_the_watermark_only_advances_to_stored_stamps_before_the_frozen_end() -> None:
    assert advance_watermark(None, T, T + timedelta(1)) == T
    assert advance_watermark(T, T - timedelta(1), T + timedelta(1)) == T
    assert advance_watermark(T, T + timedelta(2), T + timedelta(1)) == T  # clock skew: ignored


def test_deletions_are_not_read_on_a_first_load() -> None:
    assert deletion_window(None, 600, T) is None
    window = deletion_window(T - timedelta(hours=1), 600, T)
    assert window is not None and window.start == T - timedelta(hours=1, seconds=600)
