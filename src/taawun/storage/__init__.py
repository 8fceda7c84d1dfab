"""Engine, sessions, declarative Base, Alembic migrations."""
