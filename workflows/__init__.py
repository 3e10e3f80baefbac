"""The incident domain: lifecycle, provisioning, and (later) escalation, on-call and reports.

Functions here take a database session and plain data. Nothing here imports Slack:
talking to Slack goes through the ``SlackGateway`` port in ``workflows.gateway``.
"""
