"""An enterprise's own usage policy and its violation cases (S-E1–S-E5).

Pure: `policy` (the document and the platform's limits), `model` (compiled policy, cases, figures), `detectors`
(personal data and secrets in text), `texts` (zh/en), `access` (roles), `views` (response models, redaction).
`store` is the only SQL. Services: `policies.PolicyAdmin`, `cases.CaseDesk`, `figures.Figures`; ingest hooks:
`feature.UsagePolicyFeature`. Edges: `http` (routes), `cli` (`warden cases …`).
"""
