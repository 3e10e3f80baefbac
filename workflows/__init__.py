"""The incident domain: lifecycle, provisioning, escalation, on-call, reports and exports.

Functions here take a database session and plain data. Nothing here imports Slack:
talking to Slack goes through the ``SlackGateway`` port in ``workflows.gateway``.
"""
