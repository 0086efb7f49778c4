"""Use cases: connect, sync, evaluate, notify. Callable without Prefect; flows are thin wrappers."""
