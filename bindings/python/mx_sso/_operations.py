"""The operations of MX's SSO API, written once for :class:`mx_sso.Client` and for the
module-level functions (the process-wide default client).

Each named method is one line over :meth:`Operations._request`, the one request path
(``_request.call``); a kind of client says only which handle a call uses, and for how long
(:meth:`Operations._using`). An operation added to the library's table is reachable at once
through :meth:`Operations.call`; a named method for it is one line.
"""

from __future__ import annotations

from typing import Any, ContextManager, Dict, Optional, Tuple

from ._request import call, encode_body, encode_call_options, encode_id, encode_text
from ._types import Body, Member, User


def _ensured(result: Dict[str, Any], resource: str) -> Tuple[Dict[str, Any], bool]:
    """``(user or member, created)`` from ensure's ``{"created": ..., "user"|"member": ...}``."""
    return result[resource], bool(result["created"])


class Operations:
    """Every operation of the library, as methods. Failures raise :class:`mx_sso.MxError`
    subclasses; a bad body or id raises before anything is sent."""

    def _using(self) -> ContextManager[Optional[int]]:
        """The client handle for one call (None: the library's default client), held for as
        long as the ``with`` block runs."""
        raise NotImplementedError  # pragma: no cover

    def _request(
        self,
        operation: bytes,
        id: Optional[str],
        body: Optional[Body],
        call_options: Optional[bytes] = None,
    ) -> Dict[str, Any]:
        """Encodes the arguments (before the handle is taken: a bad one raises first), then
        runs the call on this client's handle."""
        encoded_id = encode_id(id)
        encoded_body = None if body is None else encode_body(body)
        with self._using() as handle:
            return call(handle, operation, encoded_id, encoded_body, call_options)

    def call(
        self,
        operation: str,
        id: Optional[str] = None,
        body: Optional[Body] = None,
        *,
        timeout_ms: Optional[int] = None,
        max_retries: Optional[int] = None,
    ) -> Dict[str, Any]:
        """Runs any operation by its name (``"user.update"``, ``"member.ensure"``, ...): JSON
        in, JSON out, as ``mx_client_call`` does in C. ``id`` is None for create and ensure,
        ``body`` None for read and delete. ``timeout_ms`` and ``max_retries`` override the
        client's options for this call only. Returns the operation's success JSON decoded
        (ensure's is ``{"created": ..., "user"|"member": ...}``; an empty delete answer ``{}``).
        """
        options = encode_call_options(timeout_ms, max_retries)
        return self._request(encode_text("operation", operation), id, body, options)

    def create_user(self, body: Body) -> User:
        """Create user (``POST /user``): ``external_user_guid`` (required unless the client has
        ``strict_fields=False``) and profile fields. A lost answer is resolved by reading the
        external guid back, never by sending the create blindly again. Returns the new user."""
        return self._request(b"user.create", None, body)

    def read_user(self, user_guid: str) -> User:
        """Read user (``GET /user/{user_guid}``) by MX's ``guid`` or your
        ``external_user_guid``: the user with its ``login_token`` and widget URLs."""
        return self._request(b"user.read", user_guid, None)

    def update_user(self, user_guid: str, fields: Body) -> User:
        """Update user (``PUT /user/{user_guid}``), e.g. ``{"status": "DISABLED"}``. MX's answer
        has ``status`` ``{"status": 2, "name": "User update succeeded"}`` (the update's
        outcome, not the user's status)."""
        return self._request(b"user.update", user_guid, fields)

    def delete_user(self, user_guid: str) -> None:
        """Delete user (``DELETE /user/{user_guid}``; not documented by MX), with its members."""
        self._request(b"user.delete", user_guid, None)

    def ensure_user(self, body: Body) -> Tuple[User, bool]:
        """MX's workflow as one call: read the user by the body's ``external_user_guid``, create
        it if not found. Returns ``(user, created)``; of several processes ensuring the same new
        user at once, exactly one gets ``created`` True."""
        return _ensured(self._request(b"user.ensure", None, body), "user")

    def create_member(self, body: Body) -> Member:
        """Create member (``POST /member``): one of ``user_guid``/``external_user_guid``,
        ``credentials`` (``login`` with ``password``, or ``userkey`` alone), optionally
        ``external_member_guid``, ``name``, ``institution_guid``. Returns the new member."""
        return self._request(b"member.create", None, body)

    def read_member(self, member_guid: str) -> Member:
        """Read member (``GET /member/{member_guid}``; inferred, not documented by MX) by MX's
        ``guid`` or your ``external_member_guid``."""
        return self._request(b"member.read", member_guid, None)

    def update_member(self, member_guid: str, body: Body) -> Member:
        """Update member (``PUT /member/{member_guid}``; inferred): new ``credentials``."""
        return self._request(b"member.update", member_guid, body)

    def delete_member(self, member_guid: str) -> None:
        """Delete member (``DELETE /member/{member_guid}``; inferred)."""
        self._request(b"member.delete", member_guid, None)

    def ensure_member(self, body: Body) -> Tuple[Member, bool]:
        """Read the member by the body's ``external_member_guid``, create it if not found.
        Returns ``(member, created)``, as :meth:`ensure_user` does."""
        return _ensured(self._request(b"member.ensure", None, body), "member")
