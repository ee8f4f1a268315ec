"""Unblocking (S-D1–D5, S-D7, S-C3 probation): the way back from a restriction.

`policy` (the policy section), `rules` (pure decisions), `texts` (zh/en), `access` (who may drive and see),
`views` (what is shown), `store` (all of the slice's SQL), `feature` (the ladder's seams), the use cases
(`apply`, `verify`, `helpers`, `abnormal`, `reading`, gathered by `service.Unblocking`), `senders` (how codes
reach a phone) and `http` (the routes).
"""

from warden.unblock import texts as _texts  # noqa: F401 - registers the S-D4 rules' titles and advice for explanations
