"""Test plumbing: real databases, the real app behind a real HTTP server, a settable clock."""
