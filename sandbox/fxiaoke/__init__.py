"""A wire-level emulator of the Fxiaoke (纷享销客 / ShareCRM) OpenAPI for demos, tests and benchmarks."""

from sandbox.fxiaoke.limits import ManualClock
from sandbox.fxiaoke.sandbox import FxiaokeSandbox

__all__ = ["FxiaokeSandbox", "ManualClock"]
