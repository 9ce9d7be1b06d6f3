"""Every user operation through Client and the default client: success, MX's documented errors
and statuses, and the body rules (good values reach the emulator, bad ones send nothing)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Tuple

import pytest
from conftest import Emulator, unique

import mx_sso


def test_create_read_update_delete(emulator: Emulator, client: mx_sso.Client) -> None:
    external = unique("life")
    created = client.create_user({"external_user_guid": external, "email": "a@bank.example"})
    assert created["external_user_guid"] == external and created["guid"].startswith("USR-")
    read = client.read_user(external)
    assert read["guid"] == created["guid"]
    assert read["login_token"] and read["master_widget_url"]
    assert client.read_user(created["guid"])["external_user_guid"] == external
    updated = client.update_user(external, {"status": "DISABLED"})
    assert updated["guid"] == created["guid"]
    assert emulator.status_of(external) == "DISABLED"
    client.delete_user(created["guid"])
    assert emulator.find_user(external) is None


def test_every_operation_on_the_default_client(emulator: Emulator) -> None:
    external = unique("default")
    user, created = mx_sso.ensure_user({"external_user_guid": external})
    assert created and user["external_user_guid"] == external
    assert mx_sso.read_user(external)["guid"] == user["guid"]
    assert mx_sso.update_user(external, '{"status": "DISABLED"}')["guid"] == user["guid"]
    assert emulator.status_of(external) == "DISABLED"
    assert mx_sso.call("user.read", external, timeout_ms=2000)["guid"] == user["guid"]
    mx_sso.delete_user(external)
    assert emulator.find_user(external) is None
    second = mx_sso.create_user({"external_user_guid": unique("default")})
    assert emulator.find_user(second["guid"]) is not None


def test_ensure_creates_once_then_finds(emulator: Emulator, client: mx_sso.Client) -> None:
    external = unique("ensure")
    first, created = client.ensure_user({"external_user_guid": external, "first_name": "Julie"})
    assert created is True
    again, created_again = client.ensure_user({"external_user_guid": external})
    assert created_again is False
    assert again["guid"] == first["guid"] and again["first_name"] == "Julie"


def test_call_is_json_in_json_out(emulator: Emulator, client: mx_sso.Client) -> None:
    external = unique("call")
    ensured = client.call("user.ensure", body={"external_user_guid": external})
    assert ensured["created"] is True and ensured["user"]["external_user_guid"] == external
    assert client.call("user.delete", external) == {}


def test_update_with_json_text_and_non_ascii(client: mx_sso.Client, user: Dict[str, Any]) -> None:
    answer = client.update_user(
        user["guid"], json.dumps({"first_name": "Zoë", "last_name": "Łukasiewicz-東京"})
    )
    assert (answer["first_name"], answer["last_name"]) == ("Zoë", "Łukasiewicz-東京")


def test_an_id_with_a_slash_stays_one_path_segment(
    emulator: Emulator, client: mx_sso.Client
) -> None:
    external = unique("branch/42") + "?x=1#y z"
    created = emulator.create_user(external_user_guid=external)
    assert client.read_user(external)["guid"] == created["guid"]


def test_unknown_user_is_400_with_mx_text(client: mx_sso.Client) -> None:
    for call in (
        lambda: client.read_user("USR-nobody"),
        lambda: client.update_user("USR-nobody", {"status": "DISABLED"}),
        lambda: client.delete_user("USR-nobody"),
    ):
        with pytest.raises(mx_sso.HttpError) as caught:
            call()
        assert caught.value.http_status == 400
        assert caught.value.mx_error == "User with guid USR-nobody not found."
        assert caught.value.attempts == 1


def test_user_already_exists_is_400(emulator: Emulator, client: mx_sso.Client) -> None:
    user = emulator.create_user()
    with pytest.raises(mx_sso.HttpError) as caught:
        client.create_user({"external_user_guid": user["external_user_guid"]})
    assert caught.value.http_status == 400
    assert caught.value.mx_error == f"User already exists with guid {user['external_user_guid']}"


def test_a_client_guid_not_associated_is_500(emulator: Emulator) -> None:
    with mx_sso.Client(base_url=emulator.base_url, client_guid="CLT-not-this-one") as client:
        with pytest.raises(mx_sso.HttpError) as caught:
            client.create_user({"external_user_guid": unique("clt")})
    assert caught.value.http_status == 500
    assert caught.value.mx_error == "Create user failed: Client must be associated."


@pytest.mark.parametrize(
    "status,attempts", [(404, 1), (500, 1), (502, 2), (503, 2), (504, 2)], ids=str
)
def test_error_statuses_and_which_are_retried(
    faults: Emulator, client: mx_sso.Client, user: Dict[str, Any], status: int, attempts: int
) -> None:
    """404 (MX's wrong path) and 500 are final; 502, 503, 504 are retried (max_retries=1)."""
    faults.inject({"kind": "status", "status": status, "count": 2})
    with pytest.raises(mx_sso.HttpError) as caught:
        client.read_user(user["guid"])
    assert (caught.value.http_status, caught.value.attempts) == (status, attempts)


def test_lenient_client_may_omit_the_external_guid(emulator: Emulator) -> None:
    with mx_sso.Client(base_url=emulator.base_url, strict_fields=False) as client:
        user = client.create_user({"email": "old@bank.example"})
    assert user["external_user_guid"] is None and emulator.find_user(user["guid"])


GOOD_UPDATES = [
    {"status": "ENABLED"},
    {"sex": "FEMALE"},
    {"zip_code": "84101-1234"},
    {"zip_code": "k1a 0B1"},
    {"birthdate": "2000-02-29"},
    {"credit_score": 700},
    {"email": "", "phone": "555-0100", "first_name": "A", "last_name": "B"},
]


@pytest.mark.parametrize("fields", GOOD_UPDATES, ids=json.dumps)
def test_good_update_bodies_are_sent(
    log: Emulator, client: mx_sso.Client, user: Dict[str, Any], fields: Dict[str, Any]
) -> None:
    client.update_user(user["guid"], fields)
    assert log.count("PUT", f"/user/{user['guid']}", 200) == 1


# (body, what the message must name)
BAD_UPDATES = [
    ({}, "at least one"),
    ({"status": "ACTIVE"}, "status"),
    ({"stauts": "DISABLED"}, "stauts"),
    ({"sex": "male"}, "sex"),
    ({"zip_code": "1234"}, "zip_code"),
    ({"birthdate": "2001-02-29"}, "birthdate"),
    ({"credit_score": "700"}, "credit_score"),
    ({"credit_score": 2**63}, "credit_score"),
    ({"email": None}, "email"),
    ({"external_user_guid": "x"}, "external_user_guid"),
    ('{"status": "DISABLED", "status": "ENABLED"}', "status"),
    ('["status"]', "object"),
    ('{"status": ', "JSON"),
    ({"first_name": "x" * 70_000}, "65536"),
]


@pytest.mark.parametrize("fields,named", BAD_UPDATES, ids=lambda v: str(v)[:30])
def test_bad_update_bodies_send_nothing(
    emulator: Emulator, client: mx_sso.Client, user: Dict[str, Any], fields: Any, named: str
) -> None:
    before = emulator.requests_served()
    for call in (client.update_user, mx_sso.update_user):
        with pytest.raises(mx_sso.ValidationError) as caught:
            call(user["guid"], fields)
        assert named in caught.value.message, caught.value.message
        assert caught.value.attempts == 0 and caught.value.http_status is None
    assert emulator.requests_served() == before


BAD_CREATES = [
    ({"email": "a@bank.example"}, "external_user_guid"),
    ({"external_user_guid": "USR-1"}, "USR-"),
    ({"external_user_guid": "usr-1"}, "USR-"),
    ({"external_user_guid": ""}, "external_user_guid"),
    ({"external_user_guid": "a\u0001b"}, "external_user_guid"),
    ({"external_user_guid": "x" * 1025}, "external_user_guid"),
    ({"external_user_guid": 42}, "external_user_guid"),
    ({"external_user_guid": "ok", "status": "ENABLED"}, "status"),
    ({"external_user_guid": "ok", "sex": "X"}, "sex"),
]


@pytest.mark.parametrize("body,named", BAD_CREATES, ids=lambda v: str(v)[:30])
def test_bad_create_and_ensure_bodies_send_nothing(
    emulator: Emulator, client: mx_sso.Client, body: Dict[str, Any], named: str
) -> None:
    before = emulator.requests_served()
    for call in (client.create_user, client.ensure_user, mx_sso.create_user):
        with pytest.raises(mx_sso.ValidationError) as caught:
            call(body)
        assert named in caught.value.message, caught.value.message
    assert emulator.requests_served() == before


@pytest.mark.parametrize("bad_id", ["", ".", "..", "a\u0007b", "x" * 1025])
def test_bad_ids_send_nothing(emulator: Emulator, client: mx_sso.Client, bad_id: str) -> None:
    before = emulator.requests_served()
    with pytest.raises((mx_sso.ValidationError, mx_sso.InvalidArgumentError)) as caught:
        client.read_user(bad_id)
    assert "user_guid" in caught.value.message
    assert emulator.requests_served() == before


def test_argument_mistakes_of_call_are_named(emulator: Emulator, client: mx_sso.Client) -> None:
    before = emulator.requests_served()
    cases: List[Tuple[Callable[[], Any], str]] = [
        (lambda: client.call("user.frobnicate", "x"), "user.frobnicate"),
        (lambda: client.call("user.read"), "id"),
        (lambda: client.call("user.create", "x", {"external_user_guid": "x"}), "id"),
        (lambda: client.call("user.read", "x", {"a": 1}), "body"),
        (lambda: client.call("user.read", "x", timeout_ms=-1), "timeout_ms"),
    ]
    for call, named in cases:
        with pytest.raises(mx_sso.InvalidArgumentError) as caught:
            call()
        assert named in caught.value.message, caught.value.message
    assert emulator.requests_served() == before
