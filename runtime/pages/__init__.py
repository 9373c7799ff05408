"""Server-rendered end-user pages: login, home, record list and detail."""
