"""One migration history for SQLite and PostgreSQL: a single line of revisions, and after it, on
either database, exactly the schema the models describe (nothing for autogenerate to add)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from coaching.store.db import MIGRATIONS_DIR, alembic_config, current_revision, head_revision, make_engine
from coaching.store.models import Base


def test_the_migration_history_is_one_line_from_base_to_a_single_head():
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert len(script.get_heads()) == 1, "two heads: merge them, both databases must share one history"
    walked = list(script.walk_revisions())  # head first
    assert [r.revision for r in walked][0] == head_revision()
    for revision in walked:
        assert not revision.is_merge_point and not revision.is_branch_point, revision.revision
    assert walked[-1].down_revision is None
    files = sorted(p for p in (MIGRATIONS_DIR / "versions").glob("*.py") if not p.name.startswith("_"))
    assert len(files) == len(walked), "a migration file outside the history"


def test_after_the_migrations_each_database_has_exactly_the_models_schema(engine):
    """Runs on SQLite and on PostgreSQL (the `engine` fixture): same history, same result."""
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations disagree on {engine.dialect.name}: {differences}"
