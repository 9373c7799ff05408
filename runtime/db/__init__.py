"""Database plumbing: declarative base, engine, column types."""
