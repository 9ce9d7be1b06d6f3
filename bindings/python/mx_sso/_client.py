""":class:`Client`: credentials, options, connections, events and counters of one client, and
its lifetime (shared by threads, closed while calls run)."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import threading
import weakref
from types import TracebackType
from typing import Any, ContextManager, Dict, Optional, Type, cast

from ._errors import InternalError, InvalidArgumentError, error_from_result
from ._events import EventRelay
from ._lib import LIB
from ._operations import Operations
from ._request import encode_text, invoke, take_string
from ._types import EventHandler, Stats

#: The environment variables that a client's base URL and credentials default to (as the
#: default client's): a client made without them talks to the host the credentials are for.
BASE_URL_ENV = "MX_SSO_BASE_URL"
API_KEY_ENV = "MX_SSO_API_KEY"
CLIENT_GUID_ENV = "MX_SSO_CLIENT_GUID"


def _credential(name: str, given: Optional[str], variable: str) -> Optional[str]:
    """``given``, else the environment variable (empty counts as unset, as everywhere in
    mx-sso); checked to be text without showing it."""
    value = (os.environ.get(variable) or None) if given is None else given
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def _options_json(options: Dict[str, Any]) -> bytes:
    """The C options JSON: every option given and not None; paths (``ca_file``) as text."""
    given = {
        name: os.fspath(value) if isinstance(value, os.PathLike) else value
        for name, value in options.items()
        if value is not None
    }
    return encode_text("options", json.dumps(given))


def _free_client(handle: int, event_callback: Any) -> None:
    """Frees the C client; its ``event_callback`` is kept alive by the finalizer until now."""
    LIB.mx_client_free(handle)
    del event_callback


class Client(Operations):
    """A client of MX's SSO API: its credentials, options and pool of connections, shared
    safely by any number of threads. Every operation is a method (see :class:`Operations`).

    ``api_key`` and ``client_guid`` default to the environment variables ``MX_SSO_API_KEY`` and
    ``MX_SSO_CLIENT_GUID``; the key never appears in an error, an event, a log line or a repr.
    Other options are keyword arguments named as the keys of the library's options JSON:
    ``base_url`` (default ``MX_SSO_BASE_URL``, else ``https://api2.moneydesktop.com``, as for the
    default client), ``timeout_ms``,
    ``connect_timeout_ms``, ``max_retries``, ``proxy``, ``ca_file``, ``user_agent``,
    ``max_response_bytes``, ``allow_insecure_http``, ``strict_fields``; the library checks them
    (an unknown name or a wrong value raises :class:`InvalidArgumentError` naming it). ``None``
    leaves an option at its default.

    ``on_event`` receives one dict per attempt (see :attr:`on_event`).

    Use it as a context manager, or call :meth:`close`; a client garbage collected without
    being closed is freed then. Calls after :meth:`close` raise :class:`InvalidArgumentError`;
    calls already running finish normally, and the client is freed when the last one returns.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        client_guid: Optional[str] = None,
        on_event: Optional[EventHandler] = None,
        **options: Any,
    ) -> None:
        if options.get("base_url") is None:
            options["base_url"] = os.environ.get(BASE_URL_ENV) or None
        options["api_key"] = _credential("api_key", api_key, API_KEY_ENV)
        options["client_guid"] = _credential("client_guid", client_guid, CLIENT_GUID_ENV)
        options_json = _options_json(options)
        out_err = ctypes.c_void_p()
        handle = LIB.mx_client_new(options_json, ctypes.byref(out_err))
        error_text = take_string(out_err)
        if not handle:
            raise error_from_result(None, error_text)
        self._lock = threading.Lock()
        self._handle: int = handle
        self._calls_running = 0
        self._closing = False
        self._events = EventRelay()
        # Frees the handle exactly once: on close, or when the client is garbage collected.
        # Not at interpreter exit, when daemon threads may still be inside a call.
        self._finalizer = weakref.finalize(self, _free_client, handle, self._events.c_function)
        self._finalizer.atexit = False
        if on_event is not None:
            self.on_event = on_event

    @property
    def on_event(self) -> Optional[EventHandler]:
        """The function that receives every event of this client, or None.

        It is called on the calling thread, once after every attempt (read-backs and ensure's
        steps included) and once for a call refused before sending, with one dict (see
        :class:`mx_sso.Event`). If it raises, the call goes on and the exception is logged once
        (the first of each handler) to the ``mx_sso`` logger. Without a handler, events go to
        ``logging.getLogger("mx_sso")`` at DEBUG, and cost nothing while that is not enabled.
        Safe to set while other threads call; ``None`` removes it.
        """
        return self._events.handler

    @on_event.setter
    def on_event(self, handler: Optional[EventHandler]) -> None:
        if handler is not None and not callable(handler):
            raise TypeError(f"on_event must be callable or None, not {type(handler).__name__}")
        with self._lock:
            self._events.set_handler(handler)
            if not self._closing:
                self._events.sync(self._handle)

    def stats(self) -> Stats:
        """The counters since the client was made: ``calls``, ``attempts``, ``retries``,
        ``by_outcome``, ``connections_opened``, ``tls_handshakes``, ``read_backs``, ``races``."""
        with self._using() as handle:
            text = invoke(LIB.mx_client_stats, handle)
        try:
            stats: Any = json.loads(text)
        except ValueError:
            stats = None
        if not isinstance(stats, dict):
            # The counters come from the library, not from MX: unreadable ones are a bug of
            # mx-sso (as in Go).
            raise InternalError("the library's counters could not be read", attempts=0)
        return cast(Stats, stats)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closing

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

    def _using(self) -> _CallScope:
        return _CallScope(self)

    def _enter_call(self) -> int:
        with self._lock:
            if self._closing:
                raise InvalidArgumentError("this mx_sso.Client is closed", attempts=0)
            self._events.sync(self._handle)
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


class _CallScope:
    """One call's hold on a :class:`Client`'s handle: taken on entry (refused once the client
    is closed), released on exit, freeing the client if it was closed meanwhile and this was
    its last running call."""

    __slots__ = ("_client",)

    def __init__(self, client: Client) -> None:
        self._client = client

    def __enter__(self) -> int:
        return self._client._enter_call()

    def __exit__(self, *_exception: object) -> None:
        self._client._leave_call()


#: The default client's handle: NULL, for as long as the process runs (never freed).
_DEFAULT_HANDLE: ContextManager[None] = contextlib.nullcontext(None)


class DefaultClient(Operations):
    """The process-wide default client of the library (a NULL client pointer): made at first
    use from ``MX_SSO_BASE_URL``, ``MX_SSO_API_KEY`` and ``MX_SSO_CLIENT_GUID``. It has no
    events or counters (use a :class:`Client` for those)."""

    def _using(self) -> ContextManager[None]:
        return _DEFAULT_HANDLE

    def __repr__(self) -> str:
        return "<mx_sso default client>"
