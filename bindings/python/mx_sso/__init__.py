"""mx_sso: MX SSO API v2.8 "Update user" from Python, through the mx-sso C library.

::

    import mx_sso

    user = mx_sso.update_user(api_key, client_guid, user_guid, {"status": "DISABLED"})

    with mx_sso.Client(base_url=url, timeout_ms=2000, max_retries=0) as client:
        user = client.update_user(api_key, client_guid, user_guid, '{"status": "ENABLED"}')

Failures raise subclasses of :class:`MxError`. Checking the update, retries and error mapping
all live in the library; this package only translates between Python and C.
"""

from __future__ import annotations

from ._client import Client, Fields, User, update_user
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
from ._version import __version__


def library_version() -> str:
    """The version of the loaded mx-sso C library, such as ``"0.2.0"``."""
    version: bytes = _LIB.mx_version()
    return version.decode("ascii")


def status_text(status: int) -> str:
    """The library's fixed English description of a status, such as ``"success"``."""
    text: bytes = _LIB.mx_status_str(int(status))
    return text.decode("utf-8")


__all__ = [
    "Client",
    "Fields",
    "HttpError",
    "InternalError",
    "InvalidArgumentError",
    "LIBRARY_PATH",
    "LibraryLoadError",
    "MxError",
    "ResponseError",
    "Status",
    "TimeoutError",
    "TransportError",
    "User",
    "ValidationError",
    "__version__",
    "library_version",
    "status_text",
    "update_user",
]
