"""The form decoder reads every body exactly as ``urllib.parse.parse_qsl`` does.

``bot.form_body`` decodes percent-escapes with a C codec instead of urllib's Python loop;
these properties hold it to urllib's answers, refusals included, for what Slack sends
(quoted text of any kind) and for what it never sends (stray ``%``, backslashes that
look like escapes, raw bytes that are not UTF-8).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, quote_plus

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.form_body import parse_form

MAX_FIELDS = 100

# Pieces that stress the decoder: escapes whole and broken, backslash sequences the
# codec would read as its own, separators, and text beyond ASCII.
PIECES = st.sampled_from(
    [
        "%", "%4", "%41", "%zz", "%C3", "%A9", "%C3%A9", "%E2%82%AC", "%F0%9F%98%80", "%FF",
        "+", "=", "&", "\\", "\\x41", "\\u00e9", "\\N{BULLET}", "\\n", "a", "é", "😀", " ",
    ]
)  # fmt: skip


def urllib_fields(body: bytes) -> dict[str, str] | type[ValueError]:
    try:
        return dict(
            parse_qsl(
                body.decode("utf-8"),
                keep_blank_values=True,
                strict_parsing=True,
                errors="strict",
                max_num_fields=MAX_FIELDS,
            )
        )
    except ValueError:
        return ValueError


def our_fields(body: bytes) -> dict[str, str] | type[ValueError]:
    try:
        return parse_form(body, MAX_FIELDS)
    except ValueError:
        return ValueError


@given(st.dictionaries(st.text(), st.text(), max_size=5))
def test_quoted_fields_come_back_as_they_were(fields: dict[str, str]) -> None:
    body = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields.items()).encode()
    assert our_fields(body) == urllib_fields(body)
    if fields:
        assert our_fields(body) == fields


@given(st.lists(PIECES, max_size=30).map("".join))
@example("payload=%7B%22a%22%3A+%22%5Cx41%22%7D")
@example("a=%C3&b=%A9")
@example("")
@example("a=1&&b=2")
def test_any_text_reads_as_urllib_reads_it(text: str) -> None:
    body = text.encode()
    assert our_fields(body) == urllib_fields(body)


@given(st.binary(max_size=40))
@example(b"a=%C3\xa9")
@example(b"a=\xc3%A9")
@example(b"a=\xff")
def test_any_bytes_read_as_urllib_reads_them(body: bytes) -> None:
    assert our_fields(body) == urllib_fields(body)


def test_an_interactivity_payload_is_the_json_it_carries() -> None:
    payload = {"type": "block_actions", "text": 'a "quoted" <@U1> \\ 100% é 😀', "n": [1, 2]}
    body = f"payload={quote_plus(json.dumps(payload))}".encode()
    assert json.loads(parse_form(body, MAX_FIELDS)["payload"]) == payload


def test_too_many_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="more than 100 fields"):
        parse_form(b"&".join([b"a=1"] * 101), MAX_FIELDS)
