"""The pacer: room per interface in a sliding window, each call counted from when its answer came."""

from __future__ import annotations

from connectors.fxiaoke.pacing import Pacer
from sandbox.fxiaoke import ManualClock


def pacer(clock: ManualClock, waits: list[float], limit: int = 2, window_s: float = 20.0) -> Pacer:
    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.advance(seconds)

    return Pacer(limit, window_s, clock, sleep)


def test_calls_within_the_limit_do_not_wait_and_the_next_waits_for_the_window() -> None:
    clock, waits = ManualClock(0.0), []
    paced = pacer(clock, waits)
    for _ in range(2):
        with paced.turn("/cgi/crm/v2/data/query"):
            pass
    with paced.turn("/cgi/crm/v2/data/update"):
        pass  # another interface has its own window
    assert waits == []
    with paced.turn("/cgi/crm/v2/data/query"):
        pass
    assert waits == [20.0]


def test_a_call_counts_from_its_answer_not_from_its_send() -> None:
    # The gateway admits a call somewhere between send and answer; counting from the send would
    # open the next window early at our end and earn errorCode 14001 at the gateway's.
    clock, waits = ManualClock(0.0), []
    paced = pacer(clock, waits, limit=1)
    with paced.turn("q"):
        clock.advance(3.0)  # a slow answer
    with paced.turn("q"):
        pass
    assert waits == [20.0]  # until 23 s, not 20 s after the send at 0 s
    assert clock() == 23.0


def test_a_no_op_sleep_never_spins() -> None:
    clock = ManualClock(0.0)
    paced = Pacer(1, 20.0, clock, lambda seconds: None)
    for _ in range(5):
        with paced.turn("q"):
            pass
    assert clock() == 0.0
