"""The method table: every Web API method the stand-in serves, in one place.

Each row names the handler, the rate-limit tier (the value ``rate_limit_tiers.json``
gives for the method), the required arguments with the error Slack answers when one is
missing (None: generic ``invalid_arguments``) and the optional arguments. Adding a method
is one handler function plus one row here. ``tests/test_standin_openapi.py`` checks the
argument names against Slack's OpenAPI spec.

A row's ``token_type`` says which token the method takes: the bot token (``xoxb-``), or
the app-level token (``xapp-``) for app-wide methods such as ``apps.connections.open``.
"""

from __future__ import annotations

from types import MappingProxyType

from . import apps, chat, conversations, files, items, usergroups, users, views
from .base import MethodSpec, method

_POST_FIELDS = "text blocks attachments thread_ts as_user icon_emoji icon_url link_names parse"

_ROWS = [
    method("auth.test", users.auth_test, "SpecialTier_auth_test"),
    method(
        "users.info",
        users.users_info,
        "Tier4",
        required={"user": "user_not_found"},
        optional="include_locale",
    ),
    method(
        "users.lookupByEmail",
        users.users_lookup_by_email,
        "Tier3",
        required={"email": "users_not_found"},
    ),
    method(
        "usergroups.users.list",
        usergroups.usergroups_users_list,
        "Tier2",
        required={"usergroup": None},
        optional="include_disabled",
    ),
    method(
        "conversations.create",
        conversations.conversations_create,
        "Tier2",
        required={"name": "invalid_name_required"},
        optional="is_private team_id",
    ),
    method(
        "conversations.invite",
        conversations.conversations_invite,
        "Tier3",
        required={"channel": "channel_not_found", "users": "no_user"},
        optional="force",
    ),
    method(
        "conversations.join",
        conversations.conversations_join,
        "Tier3",
        required={"channel": "channel_not_found"},
    ),
    method(
        "conversations.history",
        conversations.conversations_history,
        "Tier3",
        required={"channel": "channel_not_found"},
        optional="latest oldest inclusive limit cursor include_all_metadata",
    ),
    method(
        "conversations.list",
        conversations.conversations_list,
        "Tier2",
        optional="cursor exclude_archived limit types",
    ),
    method(
        "conversations.members",
        conversations.conversations_members,
        "Tier4",
        required={"channel": "channel_not_found"},
        optional="cursor limit",
    ),
    method(
        "conversations.info",
        conversations.conversations_info,
        "Tier3",
        required={"channel": "channel_not_found"},
        optional="include_locale include_num_members",
    ),
    method(
        "conversations.setTopic",
        conversations.conversations_set_topic,
        "Tier2",
        required={"channel": "channel_not_found"},
        optional="topic",
    ),
    method(
        "conversations.archive",
        conversations.conversations_archive,
        "Tier2",
        required={"channel": "channel_not_found"},
    ),
    method(
        "chat.postMessage",
        chat.chat_post_message,
        "SpecialTier_chat_postMessage",
        required={"channel": "channel_not_found"},
        optional=f"{_POST_FIELDS} reply_broadcast unfurl_links unfurl_media mrkdwn username "
        "metadata markdown_text",
    ),
    method(
        "chat.postEphemeral",
        chat.chat_post_ephemeral,
        "Tier4",
        required={"channel": "channel_not_found", "user": "user_not_found"},
        optional=f"{_POST_FIELDS} username markdown_text",
    ),
    method(
        "chat.update",
        chat.chat_update,
        "Tier3",
        required={"channel": "channel_not_found", "ts": "message_not_found"},
        optional="text blocks attachments as_user link_names parse file_ids reply_broadcast "
        "metadata markdown_text",
    ),
    method(
        "chat.getPermalink",
        chat.chat_get_permalink,
        "SpecialTier_chat_getPermalink",
        required={"channel": "channel_not_found", "message_ts": "message_not_found"},
    ),
    method(
        "pins.add",
        items.pins_add,
        "Tier2",
        required={"channel": "channel_not_found", "timestamp": "no_item_specified"},
    ),
    method(
        "reactions.add",
        items.reactions_add,
        "Tier3",
        required={
            "channel": "channel_not_found",
            "name": "invalid_name",
            "timestamp": "no_item_specified",
        },
    ),
    method(
        "views.open",
        views.views_open,
        "Tier4",
        required={"trigger_id": None, "view": None},
    ),
    method(
        "views.push",
        views.views_push,
        "Tier4",
        required={"trigger_id": None, "view": None},
    ),
    method(
        "views.update",
        views.views_update,
        "Tier4",
        required={"view": None},
        optional="view_id external_id hash",
    ),
    method(
        "views.publish",
        views.views_publish,
        "Tier4",
        required={"user_id": None, "view": None},
        optional="hash",
    ),
    method(
        "files.getUploadURLExternal",
        files.files_get_upload_url_external,
        "Tier4",
        required={"filename": None, "length": None},
        optional="alt_txt snippet_type",
    ),
    method(
        "files.completeUploadExternal",
        files.files_complete_upload_external,
        "Tier4",
        required={"files": None},
        optional="channel_id channels initial_comment thread_ts",
    ),
    method("apps.connections.open", apps.apps_connections_open, "Tier1", token_type="app"),
]

METHODS: MappingProxyType[str, MethodSpec] = MappingProxyType({row.name: row for row in _ROWS})
"""Method name -> its row."""


def spec_for(name: str) -> MethodSpec | None:
    """The row of method ``name`` (None: unknown method)."""
    return METHODS.get(name)
