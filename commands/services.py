"""What listeners need, assembled once by the app factory and passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from commands.after_ack import AfterAck
from workflows.clock import Clock
from workflows.directory import UserDirectory
from workflows.gateway import SlackGateway
from workflows.policy import Policy
from workflows.provisioning import Provisioner


@dataclass(frozen=True)
class Services:
    sessions: sessionmaker[Session]
    policy: Policy
    clock: Clock
    gateway: SlackGateway
    provisioner: Provisioner
    directory: UserDirectory
    after_ack: AfterAck
    modals: AfterAck
    """Opens modals, on a pool of its own: a ``trigger_id`` expires three seconds after
    the click, so opening one must never queue behind provisioning or a paced post."""
