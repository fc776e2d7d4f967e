"""Alembic migrations, shipped inside the package so `lantern migrate` works from anywhere."""
