#!/usr/bin/env python3
"""Conformance checks for an MX SSO API v2 server (users and members), written only from MX's public
documentation (docs.mx.com/api-reference/sso/v2: accessing, errors, create/read/update user,
create member; read/update/delete member have no page, so those checks accept any 2xx).

    python3 emulator/tests/conformance.py BASE_URL API_KEY CLIENT_GUID

Python standard library only. For an https BASE_URL, the CA file in $MX_SSO_CA_FILE (if set) is
trusted in addition to the system store. Each check creates its own users (unique external
guids), so it can run against a server that already holds data. It checks only what MX documents;
where MX's documentation is silent, it accepts any plausible answer. Prints one line per check and
'N passed, N failed'; exits 1 if any check failed.
"""

import http.client
import json
import os
import ssl
import sys
import traceback
import urllib.parse
import uuid

BASE_URL, API_KEY, CLIENT = (sys.argv[1:4] + [None, None, None])[:3]
if not CLIENT:
    sys.exit(__doc__)

_url = urllib.parse.urlsplit(BASE_URL)
_prefix = _url.path.rstrip("/")


def connection():
    if _url.scheme == "https":
        context = ssl.create_default_context(cafile=os.environ.get("MX_SSO_CA_FILE"))
        return http.client.HTTPSConnection(_url.hostname, _url.port, timeout=10, context=context)
    return http.client.HTTPConnection(_url.hostname, _url.port, timeout=10)


def query(key=None, client=None):
    return "?" + urllib.parse.urlencode(
        {"k": API_KEY if key is None else key, "c": CLIENT if client is None else client}
    )


def seg(user_id):
    """One path segment, every reserved character escaped."""
    return urllib.parse.quote(user_id, safe="")


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def error(self):
        return self.json()["error"]


def send(method, path, body=None, content_type="application/json", conn=None):
    """Returns an Answer, or None when the server closed the connection without answering."""
    own = conn is None
    conn = conn or connection()
    headers = {}
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        data = data.encode() if isinstance(data, str) else data
    if content_type is not None and data is not None:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, _prefix + path, body=data, headers=headers)
        resp = conn.getresponse()
        answer = Answer(resp.status, resp.getheaders(), resp.read())
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        return None
    finally:
        if own:
            conn.close()
    return answer


def header(answer, name):
    for k, v in answer.headers:
        if k.lower() == name.lower():
            return v
    return None


def unique(prefix="conf"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_user(**fields):
    ext = fields.pop("external_user_guid", None) or unique()
    body = {"external_user_guid": ext, **fields}
    answer = send("POST", "/user" + query(), body)
    assert answer is not None, "create user got no answer"
    assert 200 <= answer.status < 300, f"create user: {answer.status} {answer.body!r}"
    return ext, answer


CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def assert_json_content_type(answer):
    ct = header(answer, "Content-Type") or ""
    assert ct.split(";")[0].strip().lower() == "application/json", f"Content-Type {ct!r}"


WIDGETS = ["master", "accounts", "budgets", "debts", "net_worth", "spending", "transactions"]


@check
def create_user_returns_guid_login_token_and_widget_urls():
    ext, answer = create_user(
        email="julie.west@example.com",
        first_name="Julie",
        last_name="West",
        phone="9015559990",
        zip_code="12345",
        sex="MALE",
        birthdate="1992-03-28",
    )
    assert_json_content_type(answer)
    user = answer.json()
    assert user["guid"].startswith("USR-"), user["guid"]
    assert user["external_user_guid"] == ext and user["external_guid"] == ext
    assert user["client_guid"].startswith("CLT-") or user["client_guid"] == CLIENT
    assert isinstance(user["login_token"], str) and user["login_token"]
    assert user["master_widget_url"].startswith("https://")
    assert isinstance(user["sex"], int), "sex is an integer in responses"
    assert str(user["zip_code"]) == "12345", "zip_code as a string or a number"


@check
def read_user_by_guid_and_by_external_guid():
    ext, created = create_user(first_name="Richard")
    guid = created.json()["guid"]
    for user_id in (guid, ext):
        answer = send("GET", f"/user/{seg(user_id)}" + query())
        assert answer is not None and answer.status == 200, answer and answer.status
        assert_json_content_type(answer)
        user = answer.json()
        for field in ["guid", "external_guid", "external_user_guid", "client_guid", "email",
                      "login_token", "first_name", "last_name", "phone", "birthday", "sex",
                      "credit_score", "zip_code", "last_login", "status"]:
            assert field in user, f"read user lacks {field}"
        for widget in WIDGETS:
            url = user[f"{widget}_widget_url"]
            assert url.startswith("https://widgets.moneydesktop.com/"), url
        assert user["guid"] == guid and user["first_name"] == "Richard"
        assert user["status"] == {"status": 1, "name": "ENABLED", "message": ""}, user["status"]


@check
def update_user_status_as_in_the_documented_example():
    ext, _ = create_user()
    answer = send("PUT", f"/user/{seg(ext)}" + query(), {"status": "DISABLED"})
    assert answer is not None and answer.status == 200, answer and answer.status
    assert_json_content_type(answer)
    user = answer.json()
    assert user["external_user_guid"] == ext
    assert user["status"] == {"status": 2, "name": "User update succeeded", "message": ""}
    assert "age" in user, "the update example shows age"
    for widget in WIDGETS:
        assert f"{widget}_widget_url" in user


@check
def update_user_profile_fields_are_kept():
    ext, created = create_user()
    guid = created.json()["guid"]
    body = {"email": "x@example.com", "first_name": "Julie", "last_name": "West",
            "phone": "9015559990", "birthdate": "1992-03-28", "sex": "FEMALE",
            "credit_score": 790, "zip_code": "12345-6789", "status": "ENABLED"}
    answer = send("PUT", f"/user/{seg(guid)}" + query(), body)
    assert answer is not None and answer.status == 200, answer and answer.body
    user = send("GET", f"/user/{seg(ext)}" + query()).json()
    assert user["email"] == "x@example.com" and user["first_name"] == "Julie"
    assert user["credit_score"] == 790
    assert str(user["zip_code"]) == "12345-6789"
    assert isinstance(user["sex"], int), "sex is an integer in responses"


@check
def canadian_postal_code_is_accepted():
    ext, _ = create_user()
    answer = send("PUT", f"/user/{seg(ext)}" + query(), {"zip_code": "K1A 0B1"})
    assert answer is not None and answer.status == 200, answer and answer.body


@check
def external_guid_with_reserved_characters_is_one_segment():
    ext = unique("a/b c?d#e%f")
    create_user(external_user_guid=ext)
    answer = send("PUT", f"/user/{seg(ext)}" + query(), {"status": "DISABLED"})
    assert answer is not None and answer.status == 200, answer and answer.body
    assert answer.json()["external_user_guid"] == ext


@check
def unknown_user_is_400_user_not_found():
    ghost = unique("ghost")
    for method, body in [("GET", None), ("PUT", {"status": "DISABLED"})]:
        answer = send(method, f"/user/{seg(ghost)}" + query(), body)
        assert answer is not None and answer.status == 400, answer and answer.status
        assert answer.error() == f"User with guid {ghost} not found.", answer.body


@check
def external_guid_starting_with_usr_is_rejected():
    answer = send("POST", "/user" + query(), {"external_user_guid": "USR-" + uuid.uuid4().hex})
    assert answer is not None and answer.status == 400, answer and answer.status
    assert answer.error() == "Invalid format for external user guid.", answer.body


@check
def duplicate_external_guid_is_rejected():
    ext, _ = create_user()
    answer = send("POST", "/user" + query(), {"external_user_guid": ext})
    assert answer is not None and answer.status == 400, answer and answer.status
    assert answer.error().startswith("User already exists with guid "), answer.body


@check
def client_not_associated_is_500():
    ext, _ = create_user()
    answer = send("PUT", f"/user/{seg(ext)}" + query(client="CLT-not-" + uuid.uuid4().hex),
                  {"status": "DISABLED"})
    assert answer is not None and answer.status == 500, answer and answer.status
    assert answer.error() == "Create user failed: Client must be associated.", answer.body


@check
def put_without_json_content_type_is_404_without_body():
    ext, _ = create_user()
    for content_type in (None, "text/plain"):
        answer = send("PUT", f"/user/{seg(ext)}" + query(), {"status": "DISABLED"},
                      content_type=content_type)
        assert answer is not None and answer.status == 404, answer and answer.status
        assert answer.body == b"", answer.body
    user = send("GET", f"/user/{seg(ext)}" + query()).json()
    assert user["status"]["name"] == "ENABLED", "nothing changed"


@check
def post_without_json_content_type_is_404_without_body():
    answer = send("POST", "/user" + query(), {"external_user_guid": unique()}, content_type=None)
    assert answer is not None and answer.status == 404, answer and answer.status
    assert answer.body == b""


@check
def wrong_url_is_404_without_body():
    for path in ["/users/x", "/api/v2/user/x", "/user/x/extra", "/"]:
        answer = send("GET", path + query())
        assert answer is not None and answer.status == 404, (path, answer and answer.status)
        assert answer.body == b"", (path, answer.body)


@check
def wrong_api_key_fails_with_no_return():
    ext, _ = create_user()
    for q in [query(key="wrong-" + uuid.uuid4().hex), "?" + urllib.parse.urlencode({"c": CLIENT})]:
        answer = send("PUT", f"/user/{seg(ext)}" + q, {"status": "DISABLED"})
        assert answer is None, f"expected no answer, got {answer.status} {answer.body!r}"
    user = send("GET", f"/user/{seg(ext)}" + query()).json()
    assert user["status"]["name"] == "ENABLED", "nothing changed"


@check
def keep_alive_connection_serves_several_calls():
    ext, _ = create_user()
    conn = connection()
    try:
        for status in ["DISABLED", "ENABLED", "DISABLED"]:
            answer = send("PUT", f"/user/{seg(ext)}" + query(), {"status": status}, conn=conn)
            assert answer is not None and answer.status == 200
    finally:
        conn.close()


@check
def invalid_documented_values_are_refused():
    ext, _ = create_user()
    for body in [{"sex": "UNKNOWN"}, {"status": "PAUSED"}, {"zip_code": "ABCDE"},
                 {"credit_score": "high"}]:
        answer = send("PUT", f"/user/{seg(ext)}" + query(), body)
        assert answer is not None and 400 <= answer.status < 500, (body, answer and answer.status)
    user = send("GET", f"/user/{seg(ext)}" + query()).json()
    assert user["status"]["name"] == "ENABLED"


# ---------------------------------------------------------------- members (create-member page, errors page)

SECRET = "conformance-secret-" + uuid.uuid4().hex[:8]


def create_member(ext_user, **fields):
    body = {"external_user_guid": ext_user,
            "credentials": [{"field_name": "userkey", "response": SECRET}], **fields}
    return send("POST", "/member" + query(), body)


@check
def create_member_as_in_the_documented_example():
    ext, user = create_user()
    ext_member = "M-" + ext
    answer = create_member(ext, external_member_guid=ext_member)
    assert answer is not None and 200 <= answer.status < 300, answer and (answer.status, answer.body)
    assert_json_content_type(answer)
    member = answer.json()
    for field in ["guid", "institution_guid", "user_guid", "name", "status",
                  "external_member_guid"]:
        assert field in member, (field, member)
    assert member["guid"].startswith("MBR-"), member
    assert member["user_guid"] == user.json()["guid"], member
    assert member["external_member_guid"] == ext_member, member
    assert member["status"] == {"status": 1, "name": "ENABLED", "message": ""}, member
    assert SECRET.encode() not in answer.body, "credentials are not returned"


@check
def create_member_with_login_and_password_by_user_guid():
    _, user = create_user()
    body = {"user_guid": user.json()["guid"],
            "credentials": [{"field_name": "login", "response": "l"},
                            {"field_name": "password", "response": SECRET}]}
    answer = send("POST", "/member" + query(), body)
    assert answer is not None and 200 <= answer.status < 300, answer and (answer.status, answer.body)
    assert SECRET.encode() not in answer.body


@check
def create_member_for_unknown_user_is_400_user_not_found():
    ext = unique("nobody")
    answer = create_member(ext)
    assert answer is not None and answer.status == 400, answer and answer.status
    assert answer.error() == f"User with guid {ext} not found.", answer.body


@check
def external_member_guid_starting_with_mbr_is_rejected():
    ext, _ = create_user()
    answer = create_member(ext, external_member_guid="MBR-" + uuid.uuid4().hex)
    assert answer is not None and answer.status == 400, answer and answer.status
    # The documented text is cut off after "guid" in every copy of the errors page.
    assert answer.error().startswith("Invalid format for external member guid"), answer.body


@check
def post_member_without_json_content_type_is_404_without_body():
    ext, _ = create_user()
    answer = send("POST", "/member" + query(),
                  {"external_user_guid": ext,
                   "credentials": [{"field_name": "userkey", "response": "k"}]},
                  content_type=None)
    assert answer is not None and answer.status == 404, answer and answer.status
    assert answer.body == b""


@check
def create_member_with_wrong_api_key_fails_with_no_return():
    ext, _ = create_user()
    answer = send("POST", "/member" + query(key="wrong-" + uuid.uuid4().hex),
                  {"external_user_guid": ext,
                   "credentials": [{"field_name": "userkey", "response": "k"}]})
    assert answer is None, f"expected no answer, got {answer.status} {answer.body!r}"


@check
def unknown_member_is_500_member_not_found():
    # Read member has no page (its path is inferred); the error text and its 500 are documented.
    answer = send("GET", f"/member/{seg(unique('no-member'))}" + query())
    assert answer is not None and answer.status == 500, answer and answer.status
    assert answer.error() == "Member not found.", answer.body


@check
def member_read_update_delete_by_external_member_guid():
    # Undocumented routes (the guide's workflow): any 2xx is accepted.
    ext, _ = create_user()
    ext_member = "M-" + ext + "/x y"
    created = create_member(ext, external_member_guid=ext_member)
    assert created is not None and 200 <= created.status < 300
    path = f"/member/{seg(ext_member)}" + query()
    read = send("GET", path)
    assert read is not None and 200 <= read.status < 300, read and read.status
    assert read.json()["guid"] == created.json()["guid"]
    assert SECRET.encode() not in read.body
    updated = send("PUT", path, {"credentials": [{"field_name": "userkey", "response": "new"}]})
    assert updated is not None and 200 <= updated.status < 300, updated and updated.status
    deleted = send("DELETE", path)
    assert deleted is not None and 200 <= deleted.status < 300, deleted and deleted.status
    gone = send("GET", path)
    assert gone is not None and gone.status == 500 and gone.error() == "Member not found."


def main():
    passed = failed = 0
    for fn in CHECKS:
        try:
            fn()
        except Exception:  # a check failed: report it and go on with the others
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc(limit=2, file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {fn.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
