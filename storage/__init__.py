"""Persistence: typed SQLAlchemy models, sessions and Alembic migrations.

Nothing here knows about Slack; the database is the truth Firebreak keeps.
"""
