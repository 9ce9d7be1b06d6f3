"""Successful updates through the default client and through Client.

MX answers an update with the user and the status object ``2 "User update succeeded"`` (not
the user's status), so the stored status is read back from the emulator.
"""

from __future__ import annotations

from typing import Any, Dict

from conftest import Emulator

import mx_sso


def test_default_client_with_a_dict(emulator: Emulator, user: Dict[str, Any]) -> None:
    answer = mx_sso.update_user(
        emulator.api_key, emulator.client_guid, user["guid"], {"status": "DISABLED"}
    )
    assert isinstance(answer, dict)
    assert answer["guid"] == user["guid"]
    assert emulator.status_of(user["guid"]) == "DISABLED"


def test_default_client_with_json_text(emulator: Emulator, user: Dict[str, Any]) -> None:
    answer = mx_sso.update_user(
        emulator.api_key, emulator.client_guid, user["external_user_guid"], '{"status": "DISABLED"}'
    )
    assert answer["external_user_guid"] == user["external_user_guid"]
    assert emulator.status_of(user["guid"]) == "DISABLED"


def test_client_with_a_dict_and_json_text(
    emulator: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    disabled = client.update_user(
        emulator.api_key, emulator.client_guid, user["guid"], {"status": "DISABLED"}
    )
    assert disabled["guid"] == user["guid"]
    assert emulator.status_of(user["guid"]) == "DISABLED"
    enabled = client.update_user(
        emulator.api_key, emulator.client_guid, user["guid"], '{"status": "ENABLED"}'
    )
    assert enabled["guid"] == user["guid"]
    assert emulator.status_of(user["guid"]) == "ENABLED"


def test_several_fields_and_non_ascii_text(
    emulator: Emulator, user: Dict[str, Any], client: mx_sso.Client
) -> None:
    answer = client.update_user(
        emulator.api_key,
        emulator.client_guid,
        user["external_user_guid"],
        {"first_name": "Zoë", "last_name": "Łukasiewicz-東京", "zip_code": "84101"},
    )
    assert answer["first_name"] == "Zoë"
    assert answer["last_name"] == "Łukasiewicz-東京"


def test_user_guid_with_a_slash_stays_one_path_segment(
    emulator: Emulator, client: mx_sso.Client
) -> None:
    created = emulator.create_user(external_user_guid="branch/42?x=1")
    answer = client.update_user(
        emulator.api_key, emulator.client_guid, "branch/42?x=1", {"status": "DISABLED"}
    )
    assert answer["guid"] == created["guid"]
