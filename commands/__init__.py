"""Slack listeners (slash commands, actions, views, events) and the Block Kit they render.

A listener parses the payload, calls one workflow function and renders the result.
"""
