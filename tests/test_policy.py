"""The policy file: defaults for everything, and a clear message per bad field."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from workflows.lifecycle_policy import IncidentAction, WorkspaceAction
from workflows.policy import Policy, PolicyError, load_policy


def test_no_file_means_the_documented_defaults() -> None:
    policy = load_policy(None)

    assert [s.label for s in policy.severities] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [s.key for s in policy.statuses] == [
        "investigating",
        "contained",
        "mitigated",
        "resolved",
        "closed",
    ]
    assert policy.owner_role.key == "commander"
    assert policy.channels.broadcast is None
    assert policy.channels.prefix == "inc"


def test_the_readme_example_policy_loads(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "policy.yml"
    path.write_text(example, encoding="utf-8")

    policy = load_policy(path)

    assert policy.channels.broadcast == "C0123456789"
    assert policy.find_severity("sev1") is not None
    assert [rotation.name for rotation in policy.oncall.rotations] == ["trust-safety", "payments"]
    assert policy.oncall.rotation_for_domain("fraud_scam") == policy.oncall.rotations[1]


def test_a_partial_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("channels:\n  broadcast: C0INCIDENTS\n  prefix: tns\n", encoding="utf-8")

    policy = load_policy(path)

    assert policy.channels.prefix == "tns"
    assert len(policy.severities) == 4


def test_every_bad_field_is_named(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(
        "severities:\n"
        "  - key: SEV 1\n    label: Critical\n"
        "  - label: No key\n"
        "channels:\n  broadcast: general\n  colour: red\n",
        encoding="utf-8",
    )

    with pytest.raises(PolicyError) as raised:
        load_policy(path)

    message = str(raised.value)
    assert "severities.0.key: String should match pattern" in message
    assert "severities.1.key: Field required" in message
    assert "channels.broadcast: String should match pattern" in message
    assert "channels.colour: Extra inputs are not permitted" in message


@pytest.mark.parametrize(
    ("yaml_text", "complaint"),
    [
        ("default_severity: sev9\n", "default_severity 'sev9' is not a listed severity"),
        (
            "roles:\n  - {key: a, label: A}\n",
            "exactly one role must have owner: true",
        ),
        (
            "domains:\n  - {key: x, label: X}\n  - {key: x, label: Y}\ndefault_domain: x\n",
            "domain keys must be unique; repeated: x",
        ),
        ("- just\n- a list\n", "must be a mapping"),
        ("severities: [\n", "is not valid YAML"),
    ],
)
def test_inconsistent_policies_are_explained(
    tmp_path: Path, yaml_text: str, complaint: str
) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(yaml_text, encoding="utf-8")

    with pytest.raises(PolicyError, match=complaint):
        load_policy(path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "nope.yml")


def test_severities_are_found_by_key_label_or_number() -> None:
    policy = Policy()
    found = [policy.find_severity(t) for t in ("sev2", "SEV2", "2", "Sev2")]
    assert {s.key for s in found if s} == {"sev2"}
    assert policy.find_severity("7") is None


def test_workspace_rules_have_no_commander_and_say_so(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text(
        "lifecycle:\n  authorisation:\n    export: commander\n    oncall_override: everyone\n",
        encoding="utf-8",
    )

    with pytest.raises(PolicyError) as raised:
        load_policy(path)

    message = str(raised.value)
    assert (
        "lifecycle.authorisation.export: Value error, `export` is not about one incident, "
        "so it has no commander: use `anyone` or `admins`"
    ) in message
    assert "lifecycle.authorisation.oncall_override: Input should be 'anyone' or 'admins'" in (
        message
    )


def test_authorisation_defaults_keep_every_step_open_but_the_consequential_ones() -> None:
    rules = Policy().lifecycle.authorisation
    actions = [*get_args(IncidentAction), *get_args(WorkspaceAction)]

    assert set(actions) == set(type(rules).model_fields) - {"admins"}
    commanders = [action for action in actions if rules.rule(action) == "commander"]
    assert commanders == ["resolve", "close", "downgrade"]
    assert all(rules.rule(action) == "anyone" for action in actions if action not in commanders)


def test_incident_rules_accept_admins_and_the_old_keys_still_load() -> None:
    rules = Policy.model_validate(
        {
            "lifecycle": {
                "authorisation": {"note": "admins", "reopen": "commander", "export": "admins"}
            }
        }
    ).lifecycle.authorisation

    assert (rules.note, rules.reopen, rules.export, rules.resolve) == (
        "admins",
        "commander",
        "admins",
        "commander",
    )
