"""Outbound calls (HTTP today): every one through the SSRF guard (DESIGN §3)."""
