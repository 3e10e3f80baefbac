"""File upload v2 through slack_sdk's files_upload_v2."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.slack_standin import SlackStandIn


def test_files_upload_v2_shares_into_the_channel(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    report = b"# INC-1 postmortem\n\nroot cause: expired certificate\n"
    body = client.files_upload_v2(
        channel="C0INCIDENTS",
        content=report,
        filename="inc-1.md",
        title="INC-1 report",
        initial_comment="Postmortem attached",
    )
    [uploaded] = body["files"]
    assert uploaded["title"] == "INC-1 report"
    assert uploaded["name"] == "inc-1.md"
    assert uploaded["size"] == len(report)
    assert [c.method for c in standin.calls] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert standin.calls[0].response["upload_url"].startswith(f"{standin.base_url}/upload/")
    assert standin.uploaded(uploaded["id"]) == report
    [message] = standin.messages("C0INCIDENTS")
    assert message.text == "Postmortem attached"
    assert message.source == "files.completeUploadExternal"
    assert [f["id"] for f in message.files] == [uploaded["id"]]


def test_complete_needs_an_uploaded_file(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    announced = client.files_getUploadURLExternal(filename="a.csv", length=3)
    with pytest.raises(SlackApiError) as caught:
        client.files_completeUploadExternal(files=[{"id": announced["file_id"], "title": "A"}])
    assert caught.value.response["error"] == "file_not_found"


def test_sharing_needs_channel_membership(standin: SlackStandIn) -> None:
    client = WebClient(token="xoxb-standin", base_url=standin.api_url)
    with pytest.raises(SlackApiError) as caught:
        client.files_upload_v2(channel="C0GENERAL", content=b"x", filename="x.txt")
    assert caught.value.response["error"] == "not_in_channel"
