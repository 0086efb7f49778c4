"""Thin Prefect flows: load inputs, call the services in coaching/, record what happened."""
