"""Prefect deployment definitions: `definitions.py` for `coach serve`, `prefect.yaml` for work pools."""
