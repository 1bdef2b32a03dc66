"""Operator commands: users, tokens, help, and the database check."""

from __future__ import annotations

import pytest

from matchmaker.cli import main
from matchmaker.models import User


def test_create_user_reads_the_password_from_stdin_and_token_works(cli, client, make_org, bearer, count):
    org = make_org(ref="ORG-7")

    created = cli("create-user", "hr@example.cn", "--role", "member", "--org", "ORG-7", input="s3cret-pass\n")
    token = cli("create-token", "hr@example.cn").output.strip()

    assert created.exit_code == 0 and "hr@example.cn" in created.output
    assert token.startswith("mm_")
    response = client.post(
        "/api/v1/postings",
        headers=bearer(token),
        json={"direction": "offer", "category": "internship", "title": "数控车间实习岗位"},
    )
    assert response.status_code == 201 and response.json["organization"]["id"] == org.id
    assert count(User) == 1


def test_create_user_errors_are_clear_and_write_nothing(cli, count):
    short = cli("create-user", "a@example.cn", "--role", "coordinator", input="short\n")
    orphan = cli("create-user", "b@example.cn", "--role", "member", input="long-enough-pass\n")
    no_org = cli("create-user", "c@example.cn", "--org", "NOPE", input="long-enough-pass\n")

    assert short.exit_code == 1 and "password" in short.output and "密码" in short.output
    assert orphan.exit_code == 1 and "organization" in orphan.output
    assert no_org.exit_code == 1 and "NOPE" in no_org.output
    assert count(User) == 0


def test_create_token_for_unknown_user(cli):
    result = cli("create-token", "nobody@example.cn")

    assert result.exit_code == 1 and "nobody@example.cn" in result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["create-user"],
        ["create-token"],
        ["import"],
        ["export"],
        ["load-demo"],
        ["models", "prepare"],
        ["db", "upgrade"],
        ["search"],
        ["match"],
        ["reindex"],
        ["sync-index"],
        ["index-status"],
        ["send-digests"],
        ["send-mail"],
    ],
)
def test_every_command_has_help(command):
    from click.testing import CliRunner

    result = CliRunner().invoke(main, [*command, "--help"])

    assert result.exit_code == 0 and "Usage:" in result.output


def test_commands_ask_for_db_upgrade_on_an_empty_database(tmp_path):
    from click.testing import CliRunner

    env = {"MATCHMAKER_HOME": str(tmp_path), "MATCHMAKER_DATABASE_URL": ""}
    result = CliRunner().invoke(main, ["export", str(tmp_path / "x.jsonl")], env=env)

    assert result.exit_code == 1 and "matchmaker db upgrade" in result.output
