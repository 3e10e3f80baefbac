"""Reading Block Kit the way a person reads the rendered message."""

from __future__ import annotations

from typing import Any


def block(blocks: list[dict[str, Any]], suffix: str) -> dict[str, Any]:
    """The card block whose block_id ends with ``.suffix`` (card ids are ``inc<N>.<part>``)."""
    found = [b for b in blocks if str(b.get("block_id", "")).endswith(f".{suffix}")]
    assert found, f"no block '{suffix}' in {[b.get('block_id') for b in blocks]}"
    return found[0]


def field_texts(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """The card's facts as {"Severity": "...", ...}."""
    fields = block(blocks, "facts")["fields"]
    pairs = (f["text"].split("\n", 1) for f in fields)
    return {name.strip("*"): value for name, value in pairs}


def element(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for b in blocks:
        for candidate in b.get("elements", []) if b.get("type") == "actions" else []:
            if candidate.get("action_id") == action_id:
                return dict(candidate)
    raise AssertionError(f"no element {action_id!r}")


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        e["action_id"] for b in blocks if b.get("type") == "actions" for e in b.get("elements", [])
    ]


def mrkdwn_text(blocks: list[dict[str, Any]]) -> str:
    """Every mrkdwn text in these blocks: the only kind Slack parses for mentions and links."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(out)
