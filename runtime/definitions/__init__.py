"""Definitions as data: meta-schemas, typed views, canonical JSON, references."""
