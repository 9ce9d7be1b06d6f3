#!/usr/bin/env python3
"""Disable (or enable) an MX user through mx_sso: the script to copy.

    MX_SSO_BASE_URL=https://int-api2.moneydesktop.com \
    MX_SSO_API_KEY=... MX_SSO_CLIENT_GUID=CLT-... \
    python3 update_user.py USER_GUID [ENABLED|DISABLED]

USER_GUID is MX's user guid or your external_user_guid; the status defaults to DISABLED.
Prints MX's answer (the updated user) as JSON without its login material; on failure prints
the error and exits with 1 (2 for a usage or configuration problem).
"""

from __future__ import annotations

import json
import os
import sys
from typing import List

import mx_sso


def main(argv: List[str]) -> int:
    if len(argv) not in (2, 3):
        print(f"usage: {argv[0]} USER_GUID [ENABLED|DISABLED]", file=sys.stderr)
        return 2
    user_guid = argv[1]
    status = argv[2] if len(argv) == 3 else "DISABLED"

    missing = [
        name for name in ("MX_SSO_API_KEY", "MX_SSO_CLIENT_GUID") if not os.environ.get(name)
    ]
    if missing:
        print(f"error: set {' and '.join(missing)}", file=sys.stderr)
        return 2

    # One client per process, reused for every call. Its credentials come from MX_SSO_API_KEY
    # and MX_SSO_CLIENT_GUID; MX_SSO_BASE_URL picks the host (default: MX's production API).
    try:
        with mx_sso.Client(timeout_ms=10_000, max_retries=2) as client:
            user = client.update_user(user_guid, {"status": status})
    except mx_sso.HttpError as e:
        # MX's own text, e.g. "User with guid X not found." (the API key never appears).
        print(f"error: HTTP {e.http_status}: {e.mx_error or e.message}", file=sys.stderr)
        return 1
    except mx_sso.MxError as e:
        print(f"error ({e.code.c_name}): {e.message}", file=sys.stderr)
        return 1

    # login_token and the *_widget_url fields open the user's session: never print or log them.
    shown = {
        name: value
        for name, value in user.items()
        if name != "login_token" and not name.endswith("_widget_url")
    }
    print(json.dumps(shown, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
