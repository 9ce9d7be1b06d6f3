"""Update user calls: the process-wide default client and :class:`Client`.

Arguments are encoded here and results decoded; checking the update, retrying and mapping
errors all happen in the Rust core.
"""

from __future__ import annotations

import ctypes
import json
import threading
import weakref
from types import TracebackType
from typing import Any, Callable, Dict, Mapping, Optional, Type, Union

from ._errors import InvalidArgumentError, ResponseError, error_from_result
from ._lib import LIB

#: The fields to update: a mapping such as ``{"status": "DISABLED"}`` or the same as JSON text.
Fields = Union[Mapping[str, Any], str]

#: The server's JSON answer, decoded: MX answers with the updated user (``guid``,
#: ``external_user_guid``, ``email``, ..., and ``status`` ``{"status": 2, "name": "User update
#: succeeded", "message": ""}``, which reports the update, not the user's status).
User = Dict[str, Any]


def _encode_text(name: str, value: str) -> bytes:
    """``value`` as UTF-8 for a C string, or an error naming the argument ``name``.

    A NUL character would silently cut the text short at the C boundary, so it is refused here.
    The value itself never appears in the error: it may be the API key.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    problem = None
    if "\0" in value:
        problem = f"{name} contains a NUL character at index {value.index(chr(0))}"
    else:
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError as e:
            problem = f"{name} cannot be encoded as UTF-8 (a lone surrogate at index {e.start})"
    # Raised outside the `except` block so that no chained exception keeps the value.
    raise InvalidArgumentError(problem, attempts=0)


def _encode_fields(fields: Fields) -> bytes:
    """The update body as UTF-8 JSON text; a mapping is serialised, text is passed as is."""
    if isinstance(fields, str):
        return _encode_text("fields", fields)
    if isinstance(fields, Mapping):
        return json.dumps(dict(fields), separators=(",", ":")).encode("utf-8")
    raise TypeError(f"fields must be a mapping or JSON text, not {type(fields).__name__}")


def _take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """Copies a string that the library handed over, then frees it with ``mx_string_free``."""
    try:
        if not pointer.value:
            return None
        return ctypes.string_at(pointer.value).decode("utf-8", errors="replace")
    finally:
        LIB.mx_string_free(pointer)


def _call(function: Callable[..., int], *args: Any) -> User:
    """Calls an update function of the library with ``out_buf`` appended; decodes the result."""
    out_buf = ctypes.c_void_p()
    try:
        status = function(*args, ctypes.byref(out_buf))
    finally:
        text = _take_string(out_buf)
    if status != 0:
        raise error_from_result(status, text)
    try:
        return json.loads(text or "")  # type: ignore[no-any-return]
    except ValueError:
        raise ResponseError("the server's answer is not JSON that Python can read") from None


def update_user(api_key: str, client_guid: str, user_guid: str, fields: Fields) -> User:
    """Updates a user through the process-wide default client (MX SSO API v2.8 "Update user").

    Sends ``PUT /user/{user_guid}?k={api_key}&c={client_guid}`` with ``fields`` as the JSON
    body, and returns the server's answer decoded. The default client is created at first use
    with default options and the base URL from the environment variable ``MX_SSO_BASE_URL``
    (default ``https://api2.moneydesktop.com``); it reuses connections across calls.

    Args:
        api_key: MX's API key (a secret: it never appears in an error).
        client_guid: MX's client guid.
        user_guid: the user's ``guid`` or ``external_user_guid``.
        fields: the fields to change, e.g. ``{"status": "DISABLED"}``, or the same as JSON text.

    Raises:
        MxError: a subclass for each kind of failure; see the package documentation.
        TypeError: an argument is not of the expected Python type.
    """
    return _call(
        LIB.mx_update_user,
        _encode_text("api_key", api_key),
        _encode_text("client_guid", client_guid),
        _encode_text("user_guid", user_guid),
        _encode_fields(fields),
    )


def _free_client(handle: int) -> None:
    LIB.mx_client_free(handle)


class Client:
    """A client with its own options and pool of connections, shared safely by threads.

    Options are keyword arguments named as in the library's options JSON: ``base_url``,
    ``timeout_ms``, ``connect_timeout_ms``, ``max_retries``, ``proxy``, ``ca_file``,
    ``user_agent``, ``max_response_bytes``, ``allow_insecure_http``, ``strict_fields``. They are
    checked by the library: an unknown name or a wrong value raises
    :class:`InvalidArgumentError` naming it. ``None`` leaves an option at its default.

    Use it as a context manager, or call :meth:`close`; a client that is garbage collected
    without being closed is freed then. Calls after :meth:`close` raise
    :class:`InvalidArgumentError`; calls already running when :meth:`close` is called finish
    normally, and the client is freed when the last one returns.
    """

    def __init__(self, **options: Any) -> None:
        given = {name: value for name, value in options.items() if value is not None}
        options_json = _encode_text("options", json.dumps(given))
        out_err = ctypes.c_void_p()
        handle = LIB.mx_client_new(options_json, ctypes.byref(out_err))
        error_text = _take_string(out_err)
        if not handle:
            raise error_from_result(None, error_text)
        self._lock = threading.Lock()
        self._handle: int = handle
        self._calls_running = 0
        self._closing = False
        # Frees the handle exactly once: on close, or when the client is garbage collected.
        # Not at interpreter exit, when daemon threads may still be inside a call.
        self._finalizer = weakref.finalize(self, _free_client, handle)
        self._finalizer.atexit = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closing

    def update_user(self, api_key: str, client_guid: str, user_guid: str, fields: Fields) -> User:
        """Updates a user through this client; see :func:`mx_sso.update_user` for the rest."""
        arguments = (
            _encode_text("api_key", api_key),
            _encode_text("client_guid", client_guid),
            _encode_text("user_guid", user_guid),
            _encode_fields(fields),
        )
        handle = self._enter_call()
        try:
            return _call(LIB.mx_client_update_user, handle, *arguments)
        finally:
            self._leave_call()

    def close(self) -> None:
        """Closes the client and its connections. Calling it again does nothing.

        Calls running in other threads finish first: the client is freed when the last returns.
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
            free_now = self._calls_running == 0
        if free_now:
            self._finalizer()

    def _enter_call(self) -> int:
        with self._lock:
            if self._closing:
                raise InvalidArgumentError("this mx_sso.Client is closed", attempts=0)
            self._calls_running += 1
            return self._handle

    def _leave_call(self) -> None:
        with self._lock:
            self._calls_running -= 1
            free_now = self._closing and self._calls_running == 0
        if free_now:
            self._finalizer()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<mx_sso.Client {'closed' if self._closing else 'open'}>"
