"""Input built to break the server gets a clear 4xx, never a 500, and writes nothing."""

from __future__ import annotations

import json

import pytest

from matchmaker.models import Posting

TOO_BIG = 2**63  # one past the largest 64-bit id


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/v1/postings/{TOO_BIG}", 404),
        (f"/api/v1/organizations/{TOO_BIG}", 404),
        (f"/api/v1/postings/{10**40}", 404),
        (f"/api/v1/postings?organization_id={TOO_BIG}", 422),
        (f"/postings/{TOO_BIG}", 404),
        (f"/organizations/{TOO_BIG}", 404),
    ],
)
def test_ids_beyond_64_bits_name_nothing(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    if status == 422:
        assert [e["field"] for e in response.json["errors"]] == ["organization_id"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,  # nested deeper than the parser recurses
        '{"title": "数控", "quantity": ' + "9" * 5000 + "}",  # beyond Python's integer-string limit
    ],
    ids=["deeply-nested", "5000-digit-integer"],
)
def test_json_the_parser_cannot_take_is_a_bad_request(client, make_org, make_user, bearer, count, body):
    _, token = make_user(org=make_org())

    response = client.post("/api/v1/postings", data=body, content_type="application/json", headers=bearer(token))

    assert response.status_code == 400 and response.json["message_zh"] == "请求格式有误。"
    assert response.json["errors"][0]["field"] == "body"
    assert count(Posting) == 0


@pytest.mark.parametrize(("character", "code"), [("\ud800", "U+D800"), ("\x07", "U+0007"), ("\x1b", "U+001B")])
def test_characters_that_cannot_be_stored_or_shown_are_refused_by_name(
    client, make_org, make_user, bearer, count, character, code
):
    _, token = make_user(org=make_org())
    body = json.dumps({"direction": "need", "category": "talent", "title": f"招聘{character}数控工"})

    response = client.post("/api/v1/postings", data=body, content_type="application/json", headers=bearer(token))

    assert response.status_code == 422, response.json
    (error,) = response.json["errors"]
    assert error["field"] == "title" and "第 3 个字符" in error["message_zh"] and code in error["message_zh"]
    assert count(Posting) == 0


def test_tabs_and_line_breaks_stay_allowed_in_descriptions(client, make_org, make_user, bearer):
    _, token = make_user(org=make_org())
    body = {
        "direction": "need",
        "category": "talent",
        "title": "招聘数控工",
        "description": "要求：\n\t1. 熟悉FANUC\r\n",
    }

    response = client.post("/api/v1/postings", json=body, headers=bearer(token))

    assert response.status_code == 201 and response.json["description"] == "要求：\n\t1. 熟悉FANUC"
