"""The exceptions of mx_sso and their construction from the library's error objects.

Every failed call of the C library hands back an error object::

    {"error": {"code": "MX_ERR_HTTP", "status": 3, "message": "...", "http_status": 400,
               "attempts": 1, "mx_error": "User with guid X not found."}}

This module only translates that object into an exception; what the fields mean is decided in
the Rust core. Messages never hold the API key (the core redacts it before they are written).
"""

from __future__ import annotations

import builtins
import json
from enum import IntEnum
from typing import Any, Dict, Optional, Tuple, Type


class Status(IntEnum):
    """Status of a call: mirrors the C enum ``mx_status`` (the numbers are part of the ABI)."""

    OK = 0
    INVALID_ARGUMENT = 1
    VALIDATION = 2
    HTTP = 3
    TIMEOUT = 4
    TRANSPORT = 5
    RESPONSE = 6
    INTERNAL = 7

    @property
    def c_name(self) -> str:
        """The C name of the status, as in the header and the error objects (``MX_ERR_HTTP``)."""
        return "MX_OK" if self is Status.OK else "MX_ERR_" + self.name


class MxError(Exception):
    """Base class of every error a call of mx_sso raises.

    Attributes:
        code: the :class:`Status` of the failed call.
        message: what went wrong, written for a person reading a log (also ``str(error)``).
        http_status: the HTTP status of the server's answer, or ``None`` when none came.
        mx_error: MX's own ``error`` text from the answer's body, when it had one.
        attempts: how many requests were sent (0 when the call failed before sending),
            when the library reports it.
    """

    #: The status raised as this class; subclasses narrow it.
    default_code: Status = Status.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        code: Optional[Status] = None,
        http_status: Optional[int] = None,
        mx_error: Optional[str] = None,
        attempts: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: Status = self.default_code if code is None else code
        self.http_status: Optional[int] = http_status
        self.mx_error: Optional[str] = mx_error
        self.attempts: Optional[int] = attempts

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        details = [f"code={self.code.c_name}", f"message={self.message!r}"]
        if self.http_status is not None:
            details.append(f"http_status={self.http_status}")
        if self.mx_error is not None:
            details.append(f"mx_error={self.mx_error!r}")
        if self.attempts is not None:
            details.append(f"attempts={self.attempts}")
        return f"{type(self).__name__}({', '.join(details)})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keyword-only arguments are not in self.args: pickle (multiprocessing, concurrent
        # futures in processes) needs the whole state to rebuild the exception.
        return (_rebuild, (type(self), self.message, self._fields()))

    def _fields(self) -> Dict[str, Any]:
        return {
            "code": self.code,
            "http_status": self.http_status,
            "mx_error": self.mx_error,
            "attempts": self.attempts,
        }


def _rebuild(cls: Type[MxError], message: str, fields: Dict[str, Any]) -> MxError:
    return cls(message, **fields)


class InvalidArgumentError(MxError):
    """An argument the library cannot take: bad client or call options (an unknown option is
    named), text that is not UTF-8 or holds a NUL character, missing credentials, an unknown
    operation, an unusable ``MX_SSO_BASE_URL``, or a call on a closed client. Nothing was
    sent."""

    default_code = Status.INVALID_ARGUMENT


class ValidationError(MxError):
    """The request breaks a documented constraint of the API: a body rule or an id rule (the
    message names the field and what is accepted). Nothing was sent."""

    default_code = Status.VALIDATION


class HttpError(MxError):
    """The server answered with a non-2xx status (``http_status``; MX's text in ``mx_error``)."""

    default_code = Status.HTTP


class TimeoutError(MxError, builtins.TimeoutError):  # noqa: A001 (shadows the builtin on purpose)
    """The connect timeout or the overall deadline passed. Also a builtin ``TimeoutError``."""

    default_code = Status.TIMEOUT


class TransportError(MxError):
    """DNS, connect or TLS failure, or the connection closed without an answer (which is what
    MX does for a wrong API key or an IP address that is not allow-listed)."""

    default_code = Status.TRANSPORT


class ResponseError(MxError):
    """The server answered 2xx, but the body is not JSON or is larger than allowed."""

    default_code = Status.RESPONSE


class InternalError(MxError):
    """A bug in mx-sso (a caught panic or an impossible state); please report it."""

    default_code = Status.INTERNAL


_CLASS_BY_STATUS: Dict[Status, Type[MxError]] = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.VALIDATION: ValidationError,
    Status.HTTP: HttpError,
    Status.TIMEOUT: TimeoutError,
    Status.TRANSPORT: TransportError,
    Status.RESPONSE: ResponseError,
    Status.INTERNAL: InternalError,
}


def error_from_result(status: Optional[int], text: Optional[str]) -> MxError:
    """The exception for a failed call that returned ``status`` and the error object ``text``.

    With ``status`` None (``mx_client_new`` returns no status) the object's numeric ``status``
    decides.
    A status or an object this package does not understand becomes an :class:`InternalError`
    that says so, rather than a second exception hiding the first.
    """
    try:
        error = json.loads(text or "")["error"]
        message = str(error["message"])
        if status is None:
            status = int(error["status"])
    except (ValueError, KeyError, TypeError):
        return InternalError(
            f"the library returned status {status} with an unreadable error object"
        )
    try:
        code = Status(status)
    except ValueError:
        return InternalError(f"the library returned an unknown status {status}: {message}")
    if code is Status.OK:
        return InternalError(f"the library returned an error object with status OK: {message}")
    return _CLASS_BY_STATUS[code](
        message,
        code=code,
        http_status=_optional_int(error.get("http_status")),
        mx_error=_optional_str(error.get("mx_error")),
        attempts=_optional_int(error.get("attempts")),
    )


def _optional_int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _optional_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None
