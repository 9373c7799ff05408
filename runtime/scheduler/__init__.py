"""Timers: durable waits and deadlines, fired by a poller or `formwork tick`."""
