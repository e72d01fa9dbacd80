"""Pure credit domain: canonical records and policy in, decisions out. No I/O, no CRM names.

`evaluate_account` decides for one account, `evaluate` for a portfolio; `metrics` holds the published
formulas; `records.build_*` is the boundary that validates raw values into records.
"""

from credit_core import metrics
from credit_core.engine import evaluate_account
from credit_core.portfolio import evaluate

__all__ = ["evaluate", "evaluate_account", "metrics"]
