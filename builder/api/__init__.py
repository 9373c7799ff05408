"""Builder HTTP routers."""
