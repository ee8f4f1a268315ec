"""The policy's life (issue 18): stored versions, promotion to live, shadow or a staged share of enterprises,
rollback, shadow decisions beside the live ones, reviewers' verdicts as labels, and backtests against them.

Roles as in every slice: pure `model`, `rules`, `access`, `views`; `store` (the only SQL); `live` (the process's
view of the stages: hot reload), `feature` (the shadow evaluation hooks), `service` (the use cases), `backtest`;
edges `http`, `cli`. See docs/policies.md.
"""
