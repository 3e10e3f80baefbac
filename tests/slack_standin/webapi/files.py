"""File upload v2: files.getUploadURLExternal, the upload POST, files.completeUploadExternal.

Step 1 hands out an upload URL on this server, step 2 is a plain POST of the bytes to it
(see :func:`receive_upload`), step 3 shares the uploaded files into a channel as one
message carrying a ``files`` list (PLATFORM.md, files.uploadV2 flow).
"""

from __future__ import annotations

from typing import Any

from ..models import Message
from ..workspace import Upload, Workspace
from .base import ApiCall, ApiError
from .render import file_json


def files_get_upload_url_external(call: ApiCall) -> dict[str, Any]:
    """Announce a file: returns ``upload_url`` (on this server) and ``file_id``."""
    ws = call.ws
    filename = call.text("filename") or ""
    try:
        length = int(call.args.get("length", ""))
    except ValueError:
        raise ApiError("invalid_length") from None
    if length < 1:
        raise ApiError("invalid_length")
    file_id = ws.new_id("F")
    ws.uploads[file_id] = Upload(
        file_id, filename, length, int(ws.now()), alt_txt=call.text("alt_txt")
    )
    return {"upload_url": f"{call.base_url}/upload/{file_id}", "file_id": file_id}


def receive_upload(ws: Workspace, file_id: str, data: bytes) -> tuple[int, str]:
    """Store the bytes POSTed to an upload URL; (HTTP status, text body) like Slack's."""
    upload = ws.uploads.get(file_id)
    if upload is None:
        return 404, "file_not_found"
    upload.data = data
    return 200, f"OK - {len(data)}"


def files_complete_upload_external(call: ApiCall) -> dict[str, Any]:
    """Finish uploads and share them into ``channel_id`` (or ``channels``) if given."""
    ws = call.ws
    entries = call.structured("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments", messages=["[ERROR] files must be a JSON array"])
    uploads: list[Upload] = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise ApiError("invalid_arguments", messages=["[ERROR] each file needs an id"])
        upload = ws.uploads.get(entry["id"])
        if upload is None or upload.data is None:
            raise ApiError("file_not_found")
        if len(upload.data) != upload.length:
            raise ApiError("file_upload_size_mismatch")
        upload.title = str(entry.get("title") or upload.filename)
        uploads.append(upload)
    targets = [call.text("channel_id"), *(call.text("channels") or "").split(",")]
    channel_ids = [c.strip() for c in targets if c and c.strip()]
    channels = [call.conversation(channel_id) for channel_id in channel_ids]
    for channel in channels:
        for upload in uploads:
            upload.shared_to.append(channel.id)
        ws.post(
            Message(
                channel=channel.id,
                ts=ws.next_ts(),
                user=ws.bot_user_id,
                text=call.text("initial_comment") or "",
                blocks=[],
                thread_ts=call.text("thread_ts"),
                ephemeral_for=None,
                source="files.completeUploadExternal",
                files=[file_json(ws, u, call.base_url) for u in uploads],
                bot_id=ws.bot_id,
            )
        )
    return {"files": [file_json(ws, u, call.base_url) for u in uploads]}
