"""Storage: the only code that knows SQL (SQLAlchemy 2, SQLite or PostgreSQL)."""
