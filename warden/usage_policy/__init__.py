"""An enterprise's own usage policy and its violation cases (S-E1–S-E5).

Pure: `policy` (the document and the platform's limits), `model` (compiled policy, cases, figures), `detectors`
(personal data and secrets in text), `texts` (zh/en), `access` (roles), `views` (response models, redaction).
`store` is the only SQL. Services (each takes a `UnitOfWork`, and the caller's `Principal` first):
`policies.PolicyAdmin`,
`cases.CaseDesk` (open/join, reports, reads, statements), `outcomes.CaseOutcomes` (decisions and their effect on the
account, training, classification, escalation), `figures.Figures`; ingest hooks: `feature.UsagePolicyFeature`.
Edges: `http` (routes), `cli` (`warden cases …`).
"""
