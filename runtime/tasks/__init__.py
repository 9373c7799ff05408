"""The human todo list: approval and cc tasks of flow instances."""
