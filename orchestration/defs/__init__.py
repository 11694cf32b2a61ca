"""Dagster definitions, one module per area: sources, warehouse, checks, exports, schedules,
sensors, resources. `orchestration/definitions.py` puts them together."""
