"""`warden demo`: a story played through the services, one module per scene.

`base` (`Demo`: what scenes share), `run` (the scene order, playing the stream, the closing tables), one scene
module per feature (`enforcement`, `weight`, `unblock`, `appeals`, `usage_policy`) and `cli` (the command).
Scenes call services only (`app.enforcement`, `app.tokens`, `app.pipeline`, a slice's service): no SQL, no
store (checked by `tests/test_layout.py`).
"""
