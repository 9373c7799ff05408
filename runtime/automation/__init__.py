"""Automation: events written with the change, triggers that match them, flows they start."""
