"""Unknown outcomes, against the emulator's "process the request, then close without answering"
fault: a create is resolved by reading its external guid back, never sent blindly again."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from conftest import Emulator, unique

import mx_sso

LOST_CREATE = {"kind": "process_then_close", "method": "POST", "path": "/user"}


def test_a_lost_create_reply_is_resolved_by_reading_it_back(
    faults: Emulator, log: Emulator, client: mx_sso.Client
) -> None:
    external = unique("lost")
    events: List[Any] = []
    client.on_event = events.append
    faults.inject(LOST_CREATE)
    user = client.create_user({"external_user_guid": external, "email": "a@bank.example"})
    assert user["external_user_guid"] == external
    assert faults.find_user(external) is not None  # one user: external guids are unique
    assert log.count("POST", "/user") == 1, "never re-sent blindly"
    assert log.count("GET", f"/user/{external}") == 1
    assert [(e["op"], e["attempt"], e["outcome"]) for e in events] == [
        ("user.create", 1, "MX_ERR_TRANSPORT"),
        ("user.read", 2, "MX_OK"),
    ]
    stats = client.stats()
    assert (stats["read_backs"], stats["attempts"], stats["by_outcome"]["MX_OK"]) == (1, 2, 1)


def test_without_an_external_guid_the_error_is_clear_and_one_post_is_sent(
    faults: Emulator, log: Emulator
) -> None:
    faults.inject(LOST_CREATE)
    with mx_sso.Client(base_url=faults.base_url, strict_fields=False) as client:
        with pytest.raises(mx_sso.TransportError) as caught:
            client.create_user({"email": "no-guid@bank.example"})
    assert "may or may not have been created" in caught.value.message
    assert caught.value.attempts == 1
    assert log.count("POST", "/user") == 1


def test_a_deadline_during_the_read_back_is_a_bounded_timeout(
    faults: Emulator, log: Emulator, client: mx_sso.Client
) -> None:
    external = unique("slow-back")
    # The read-back is answered after 5 s: a call that waited past its 2 s deadline would
    # succeed, so the timeout itself shows that the deadline held.
    faults.inject([LOST_CREATE, {"kind": "delay", "ms": 5000, "method": "GET", "path": "/user/*"}])
    with pytest.raises(mx_sso.TimeoutError) as caught:
        client.call("user.create", body={"external_user_guid": external}, timeout_ms=2000)
    assert "reading the user back" in caught.value.message
    assert caught.value.attempts == 2
    assert log.count("POST", "/user") == 1


def test_a_create_that_did_not_happen_is_sent_again(
    faults: Emulator, log: Emulator, client: mx_sso.Client
) -> None:
    external = unique("again")
    faults.inject({"kind": "status", "status": 503, "method": "POST", "path": "/user"})
    assert client.create_user({"external_user_guid": external})["external_user_guid"] == external
    assert (log.count("POST", "/user"), log.count("GET", f"/user/{external}")) == (2, 1)


def test_a_delete_whose_first_attempt_did_it_returns_normally(
    faults: Emulator, client: mx_sso.Client, user: Dict[str, Any]
) -> None:
    client.read_user(user["guid"])  # a pooled connection, so that the lost answer is retried
    faults.inject({"kind": "process_then_close", "method": "DELETE"})
    client.delete_user(user["guid"])
    assert faults.find_user(user["guid"]) is None


def test_ensure_after_a_lost_create_reply_reports_created(
    faults: Emulator, client: mx_sso.Client
) -> None:
    faults.inject(LOST_CREATE)
    user, created = client.ensure_user({"external_user_guid": unique("ens-lost")})
    assert created is True and faults.find_user(user["guid"]) is not None
