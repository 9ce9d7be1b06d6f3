"""The types of the package's arguments and results (for type checkers and readers alike)."""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, TypedDict, Union

#: A request body: a mapping such as ``{"status": "DISABLED"}`` (serialised with ``json.dumps``)
#: or the same as JSON text, passed as is. The library checks it before anything is sent.
Body = Union[Mapping[str, Any], str]

#: MX's JSON answer for a user, decoded: ``guid``, ``external_user_guid``, ``email``, ...,
#: ``login_token`` and the ``*_widget_url`` fields (secrets of the user's session), ``status``.
User = Dict[str, Any]

#: MX's JSON answer for a member, decoded: ``guid``, ``institution_guid``, ``user_guid``,
#: ``name``, ``status``, ``external_member_guid`` (MX never returns the credentials).
Member = Dict[str, Any]


class Event(TypedDict):
    """One attempt of a call (or a call refused before sending), as ``on_event`` receives it.

    Never holds the API key, a credential value, a ``login_token``, a widget URL or a body.
    """

    #: The operation the caller asked for, e.g. ``"user.ensure"``.
    call: str
    #: The operation of this request, e.g. ``"user.read"`` for ensure's read or a read-back.
    op: str
    method: Optional[str]
    #: As sent, ids percent-encoded, no query string; ``None`` when refused before a path.
    path: Optional[str]
    #: 1-based over every request of the call; 0 for a call refused before sending.
    attempt: int
    #: The C status name of this attempt: ``"MX_OK"``, ``"MX_ERR_HTTP"``, ...
    outcome: str
    http_status: Optional[int]
    elapsed_us: int
    #: ``"new"``, ``"reused"``, or ``None`` when nothing was sent.
    connection: Optional[str]
    #: The wait before the next attempt, or ``None`` when none follows.
    retry_in_ms: Optional[int]
    #: The wait the server asked for with ``Retry-After``, or ``None``.
    retry_after_ms: Optional[int]
    #: For failures, what went wrong (masked like every error message).
    message: Optional[str]
    #: RFC 3339, UTC, microseconds.
    ts: str


#: A function that receives every event of a client; see :attr:`mx_sso.Client.on_event`.
EventHandler = Callable[[Event], Any]


class Stats(TypedDict):
    """A client's counters since it was made (:meth:`mx_sso.Client.stats`)."""

    #: Every call, refused ones included.
    calls: int
    #: Requests sent, read-backs included.
    attempts: int
    retries: int
    #: Calls by final status name, e.g. ``{"MX_OK": 3, "MX_ERR_HTTP": 1, ...}``.
    by_outcome: Dict[str, int]
    connections_opened: int
    tls_handshakes: int
    #: Reads made to resolve a create whose outcome was unknown.
    read_backs: int
    #: Ensures that found the user or member another process had just created.
    races: int
