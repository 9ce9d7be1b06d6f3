"""Every member operation: the lifecycle, MX's documented errors, the body rules (nothing sent
for a bad body, and no credential value in any message), read-back and the ensure race."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest
from conftest import Emulator, unique

import mx_sso

#: A credential value to recognise: it must never appear in an error message.
SECRET = "CRED-VALUE-7d1e-python-never-print"


def userkey(value: str = SECRET) -> List[Dict[str, str]]:
    return [{"field_name": "userkey", "response": value}]


def login(password: str = SECRET) -> List[Dict[str, str]]:
    return [
        {"field_name": "login", "response": "jdoe"},
        {"field_name": "password", "response": password},
    ]


def test_member_lifecycle(emulator: Emulator, client: mx_sso.Client, user: Dict[str, Any]) -> None:
    external = unique("mem")
    body = {
        "external_user_guid": user["external_user_guid"],
        "external_member_guid": external,
        "name": "Checking",
        "credentials": userkey(),
    }
    created = client.create_member(body)
    assert created["guid"].startswith("MBR-") and created["user_guid"] == user["guid"]
    assert SECRET not in repr(created)  # MX never returns credentials
    assert client.read_member(external)["guid"] == created["guid"]
    assert client.read_member(created["guid"])["external_member_guid"] == external
    updated = client.update_member(external, {"credentials": login("new-password")})
    assert updated["guid"] == created["guid"]
    client.delete_member(created["guid"])
    assert emulator.find_member(external) is None
    with pytest.raises(mx_sso.HttpError) as caught:
        client.read_member(external)
    assert (caught.value.http_status, caught.value.mx_error) == (500, "Member not found.")


def test_member_by_user_guid_on_the_default_client(emulator: Emulator) -> None:
    user = emulator.create_user()
    member = mx_sso.create_member({"user_guid": user["guid"], "credentials": login()})
    assert member["user_guid"] == user["guid"] and member["external_member_guid"] is None
    assert mx_sso.read_member(member["guid"])["guid"] == member["guid"]
    mx_sso.update_member(member["guid"], {"credentials": userkey()})
    mx_sso.delete_member(member["guid"])
    assert emulator.find_member(member["guid"]) is None


def test_ensure_member_creates_once_then_finds(
    emulator: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    body = {
        "user_guid": user["guid"],
        "external_member_guid": unique("ens"),
        "credentials": userkey(),
    }
    first, created = client.ensure_member(body)
    again, created_again = client.ensure_member(body)
    assert (created, created_again) == (True, False)
    assert first["guid"] == again["guid"]


def test_documented_member_errors(client: mx_sso.Client) -> None:
    for call in (
        lambda: client.read_member("M-nobody"),
        lambda: client.update_member("M-nobody", {"credentials": userkey()}),
        lambda: client.delete_member("M-nobody"),
    ):
        with pytest.raises(mx_sso.HttpError) as caught:
            call()
        assert (caught.value.http_status, caught.value.mx_error) == (500, "Member not found.")
        assert SECRET not in repr(caught.value)
    with pytest.raises(mx_sso.HttpError) as caught:
        client.create_member({"external_user_guid": "U-nobody", "credentials": userkey()})
    assert (caught.value.http_status, caught.value.mx_error) == (
        400,
        "User with guid U-nobody not found.",
    )


def test_deleting_a_user_deletes_its_members(
    emulator: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    member = emulator.create_member(user_guid=user["guid"])
    client.delete_user(user["guid"])
    assert emulator.find_member(member["guid"]) is None


# (body without the owner, what the message must name)
BAD_CREATES = [
    ({"credentials": userkey(), "user_guid": "USR-1", "external_user_guid": "u"}, "user_guid"),
    ({"credentials": userkey(), "no_owner": True}, "user_guid"),
    ({}, "credentials"),
    ({"credentials": []}, "credentials"),
    ({"credentials": "userkey"}, "credentials"),
    ({"credentials": [{"field_name": "login", "response": SECRET}]}, "password"),
    ({"credentials": userkey() + login()}, "userkey"),
    ({"credentials": userkey() + userkey()}, "userkey"),
    ({"credentials": [{"field_name": "pin", "response": SECRET}]}, "pin"),
    ({"credentials": [{"field_name": "userkey", "response": 1234}]}, "response"),
    ({"credentials": [{"response": SECRET}]}, "field_name"),
    ({"credentials": userkey(), "external_member_guid": "MBR-1"}, "MBR-"),
    ({"credentials": userkey(), "external_member_guid": "mbr-1"}, "MBR-"),
    ({"credentials": userkey(), "name": 7}, "name"),
    ({"credentials": userkey(), "institution_guid": None}, "institution_guid"),
    ({"credentials": userkey(), "nickname": "x"}, "nickname"),
]


@pytest.mark.parametrize("body,named", BAD_CREATES, ids=lambda v: str(v)[:40])
def test_bad_member_bodies_send_nothing(
    emulator: Emulator, client: mx_sso.Client, body: Dict[str, Any], named: str
) -> None:
    body = dict(body)
    if "no_owner" not in body and "user_guid" not in body:
        body["external_user_guid"] = "bank-user"
    body.pop("no_owner", None)
    before = emulator.requests_served()
    for call in (client.create_member, client.ensure_member, mx_sso.create_member):
        with pytest.raises(mx_sso.ValidationError) as caught:
            call(body)
        assert named in caught.value.message, caught.value.message
        assert SECRET not in repr(caught.value) and SECRET not in caught.value.message
    assert emulator.requests_served() == before


@pytest.mark.parametrize(
    "body,named",
    [
        ({}, "credentials"),
        ({"credentials": userkey(), "name": "x"}, "name"),
        ({"credentials": [{"field_name": "password", "response": SECRET}]}, "login"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_bad_update_member_bodies_send_nothing(
    emulator: Emulator, client: mx_sso.Client, body: Dict[str, Any], named: str
) -> None:
    before = emulator.requests_served()
    with pytest.raises(mx_sso.ValidationError) as caught:
        client.update_member("M-any", body)
    assert named in caught.value.message and SECRET not in caught.value.message
    assert emulator.requests_served() == before


def test_lenient_mode_sends_other_credential_names(
    emulator: Emulator, user: Dict[str, Any]
) -> None:
    """Strict mode refuses ``pin``; a lenient client sends it, and MX's rule (the emulator's)
    answers 400, without the value in the answer."""
    with mx_sso.Client(base_url=emulator.base_url, strict_fields=False) as client:
        with pytest.raises(mx_sso.HttpError) as caught:
            client.create_member(
                {
                    "user_guid": user["guid"],
                    "credentials": [{"field_name": "pin", "response": SECRET}],
                }
            )
    assert caught.value.http_status == 400 and SECRET not in repr(caught.value)


def test_a_lost_member_create_is_read_back(
    faults: Emulator, log: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    external = unique("lost-member")
    faults.inject({"kind": "process_then_close", "method": "POST", "path": "/member"})
    member = client.create_member(
        {"user_guid": user["guid"], "external_member_guid": external, "credentials": userkey()}
    )
    assert member["external_member_guid"] == external
    assert log.count("POST", "/member") == 1
    assert log.count("GET", f"/member/{external}") == 1
    assert client.stats()["read_backs"] == 1


def test_eight_threads_ensuring_one_member_create_one(
    faults: Emulator, log: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    """Creates held back 200 ms: every thread reads "not found" first, the losers' creates are
    refused, and they find the winner's member."""
    faults.inject({"kind": "delay", "ms": 200, "method": "POST", "path": "/member", "count": 8})
    body = {
        "user_guid": user["guid"],
        "external_member_guid": unique("race"),
        "credentials": login(),
    }
    start = threading.Barrier(8)
    results: List[bool] = []
    guids: List[str] = []

    def ensure() -> None:
        start.wait()
        member, created = client.ensure_member(body)
        results.append(created)
        guids.append(member["guid"])

    threads = [threading.Thread(target=ensure) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 7 + [True]
    assert len(set(guids)) == 1
    assert log.count("POST", "/member", 200) == 1
    assert client.stats()["races"] >= 1, "the race was not exercised"
