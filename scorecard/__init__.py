"""The optional trainable scorecard (extra `[scorecard]`): WoE binning + logistic regression with optbinning.

Nothing here is imported by the credit core, sync or the CLI's other commands; optbinning (OR-Tools,
cvxpy: hundreds of MB) is imported only inside the functions that fit. A fitted model never runs in
production as such: `scorecard.to_policy` turns it into the policy's own `[scorecard.*]` bin tables,
so the rule-based core scores with it and `simulate`/`backtest --policy` can judge it first.
"""
