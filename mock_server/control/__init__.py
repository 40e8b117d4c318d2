"""The control API under ``/__mock/``: reset, clock, tasks, timings, journals, rules, limits.

Plain JSON in and out (not Kling's envelope: these are the fake's own routes), listed in
``/openapi.json`` under the tag ``kling-mock control``. Reachable from loopback only, unless
``--control-token`` is set; then every call must carry it.
"""
