"""Stored files (attachments and generated documents)."""
