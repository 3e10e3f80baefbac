"""The Web API side of the stand-in (app -> Slack, ``/api/<method>``).

``table.METHODS`` lists every method served (each row names the token it takes);
``dispatch.WebApi`` runs the pipeline; one module per method family holds the handlers.
"""

from .base import ApiCall, ApiError, MethodSpec
from .dispatch import ApiReply, ApiSettings, WebApi
from .files import receive_upload
from .table import METHODS

__all__ = [
    "METHODS",
    "ApiCall",
    "ApiError",
    "ApiReply",
    "ApiSettings",
    "MethodSpec",
    "WebApi",
    "receive_upload",
]
