#!/usr/bin/env python3
"""A bank's provisioning workflow with mx_sso, as MX's guide describes it: the script to copy.

    MX_SSO_BASE_URL=https://int-api2.moneydesktop.com \\
    MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... \\
    python3 provision.py [-v] EXTERNAL_USER_GUID

Makes sure the customer's MX user exists (created if missing), reads its login material,
makes sure the user's member exists with the bank's ``userkey`` credential, reads it, and
prints the URL that opens MoneyDesktop; later, when the customer leaves online banking, it
disables the user and reads it back. ``-v`` logs every attempt (the library's audit events) to
standard error. Exits with 1 when a call fails or MX's answer has no login URL, 2 for a usage
or configuration problem.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from typing import List

import mx_sso


def main(argv: List[str]) -> int:
    verbose = "-v" in argv[1:]
    arguments = [a for a in argv[1:] if a != "-v"]
    if len(arguments) != 1:
        print(f"usage: {argv[0]} [-v] EXTERNAL_USER_GUID", file=sys.stderr)
        return 2
    external_user_guid = arguments[0]
    missing = [
        name for name in ("MX_SSO_API_KEY", "MX_SSO_CLIENT_GUID") if not os.environ.get(name)
    ]
    if missing:
        print(f"error: set {' and '.join(missing)}", file=sys.stderr)
        return 2
    if verbose:
        # Without an on_event handler, each attempt is a DEBUG record of the "mx_sso" logger.
        logging.basicConfig(level=logging.DEBUG, format="%(name)s %(message)s")

    # The bank's own key for this customer, as its online-banking system keeps it (a secret:
    # mx_sso never shows it in an error, a log line or an event).
    userkey = os.environ.get("BANK_USERKEY") or secrets.token_hex(16)

    # One client per process, shared by every call and thread. Its credentials come from
    # MX_SSO_API_KEY and MX_SSO_CLIENT_GUID, its host from MX_SSO_BASE_URL (default: MX's
    # production API).
    try:
        with mx_sso.Client(timeout_ms=10_000) as client:
            user, created = client.ensure_user(
                {"external_user_guid": external_user_guid, "first_name": "Julie"}
            )
            print(f"ensure    {'created the user' if created else 'the user already existed'}")

            # login_token and the widget URLs open the user's session: hand them to the user's
            # browser, never to a log.
            user = client.read_user(external_user_guid)
            login_url = user.get("master_widget_url")
            if not login_url:
                print("error: MX's answer has no master_widget_url", file=sys.stderr)
                return 1
            print("read      master_widget_url present")

            member, created = client.ensure_member(
                {
                    "user_guid": user["guid"],
                    "external_member_guid": f"{external_user_guid}-member",
                    "credentials": [{"field_name": "userkey", "response": userkey}],
                }
            )
            print(f"member    {'created' if created else 'already there'}: {member['guid']}")
            member = client.read_member(member["guid"])
            print(
                f"read      member {member['external_member_guid']} is {member['status']['name']}"
            )

            print(f"open MoneyDesktop: {login_url}")

            # Later: the customer leaves online banking.
            client.update_user(external_user_guid, {"status": "DISABLED"})
            print("disable   ok")
            status = client.read_user(external_user_guid)["status"]["name"]
            print(f"read back {status}")
            stats = client.stats()
            print(f"calls     {stats['calls']} calls, {stats['attempts']} requests")
    except mx_sso.HttpError as e:
        # MX's own text, e.g. "User with guid X not found." (the API key never appears).
        print(f"error: HTTP {e.http_status}: {e.mx_error or e.message}", file=sys.stderr)
        return 1
    except mx_sso.MxError as e:
        print(f"error ({e.code.c_name}): {e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
