"""Records: storage, validation, audit, queries."""
