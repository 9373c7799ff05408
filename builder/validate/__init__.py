"""Definition validation: meta-schema checks plus one semantic checker per kind."""
