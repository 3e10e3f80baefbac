"""Migrations build exactly the schema the models describe, and go down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import schema
from storage.database import create_database_engine
from storage.models import Base


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()

    assert differences == []


def test_every_migration_goes_down_and_up_again(database_url: str) -> None:
    engine = create_database_engine(database_url)
    config = schema.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert schema.schema_state(engine).current is None

    schema.upgrade(engine)

    assert schema.schema_state(engine).up_to_date
    engine.dispose()
