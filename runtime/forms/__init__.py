"""Form definitions at run time: compile once, check submitted values."""
