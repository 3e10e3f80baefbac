"""Firebreak's process: settings, the app factory, the HTTP server, the scheduler and the CLI."""
