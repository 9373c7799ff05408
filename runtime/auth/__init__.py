"""Authentication: passwords, login sessions, API keys."""
