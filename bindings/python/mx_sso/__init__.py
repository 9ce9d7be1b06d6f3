"""mx_sso: MX's SSO API v2.8 (users and members) from Python, through the mx-sso C library.

::

    import mx_sso

    with mx_sso.Client(api_key=key, client_guid=cg, base_url=url, timeout_ms=5000) as client:
        user, created = client.ensure_user({"external_user_guid": "bank-user-2"})
        user = client.update_user("bank-user-2", {"status": "DISABLED"})
        client.on_event = audit_log.write          # one dict per attempt
        print(client.stats())

    # The process-wide default client: MX_SSO_BASE_URL, MX_SSO_API_KEY, MX_SSO_CLIENT_GUID.
    user = mx_sso.read_user("bank-user-2")

Failures raise subclasses of :class:`MxError`. Checking bodies and ids, retries, read-backs and
error mapping all live in the library; this package only translates between Python and C.
"""

from __future__ import annotations

from ._client import Client, DefaultClient
from ._errors import (
    HttpError,
    InternalError,
    InvalidArgumentError,
    MxError,
    ResponseError,
    Status,
    TimeoutError,
    TransportError,
    ValidationError,
)
from ._lib import LIB as _LIB
from ._lib import LIBRARY_PATH, LibraryLoadError
from ._operations import Operations
from ._types import Body, Event, EventHandler, Member, Stats, User
from ._version import __version__

#: 0.1's name of :data:`Body`.
Fields = Body

#: The process-wide default client behind the module-level functions below.
default_client = DefaultClient()

call = default_client.call
create_user = default_client.create_user
read_user = default_client.read_user
update_user = default_client.update_user
delete_user = default_client.delete_user
ensure_user = default_client.ensure_user
create_member = default_client.create_member
read_member = default_client.read_member
update_member = default_client.update_member
delete_member = default_client.delete_member
ensure_member = default_client.ensure_member


def library_version() -> str:
    """The version of the loaded mx-sso C library, such as ``"0.2.0"``."""
    version: bytes = _LIB.mx_version()
    return version.decode("ascii")


def status_text(status: int) -> str:
    """The library's fixed English description of a status, such as ``"success"``."""
    text: bytes = _LIB.mx_status_str(int(status))
    return text.decode("utf-8")


__all__ = [
    "Body",
    "Client",
    "DefaultClient",
    "Event",
    "EventHandler",
    "Fields",
    "HttpError",
    "InternalError",
    "InvalidArgumentError",
    "LIBRARY_PATH",
    "LibraryLoadError",
    "Member",
    "MxError",
    "Operations",
    "ResponseError",
    "Stats",
    "Status",
    "TimeoutError",
    "TransportError",
    "User",
    "ValidationError",
    "__version__",
    "call",
    "create_member",
    "create_user",
    "default_client",
    "delete_member",
    "delete_user",
    "ensure_member",
    "ensure_user",
    "library_version",
    "read_member",
    "read_user",
    "status_text",
    "update_member",
    "update_user",
]
