"""Events from the library to Python: a client's ``on_event`` handler, else the ``mx_sso``
logger at DEBUG.

The library calls one C function pointer per attempt (``mx_client_set_event_handler``). Each
client owns one :class:`EventRelay` whose ctypes callback lives exactly as long as the C client
(the client's finalizer holds it), so the library can never call a freed callback, even when
the handler is replaced while other threads are inside a call. Which Python function receives
the events is an attribute of the relay, changed without touching C. The callback reaches the
relay through a weak reference: the finalizer keeps the callback, and a handler that refers to
its client must not keep that client alive through it.

Cost without a handler: the C callback is installed only while someone listens (a handler, or
the ``mx_sso`` logger enabled for DEBUG, checked at every call with the logger's cached
``isEnabledFor``); otherwise the library builds no event at all.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from typing import Any, Callable, Optional

from ._lib import EVENT_FN, LIB
from ._types import Event, EventHandler

#: Where events go when a client has no ``on_event`` handler (at DEBUG), and where a handler's
#: exception is reported (at ERROR).
LOGGER = logging.getLogger("mx_sso")

#: "No exception reported yet" (None is a possible handler: the logger's path).
_NOTHING_REPORTED: Any = object()


class EventRelay:
    """The C callback of one client and the Python handler it forwards to.

    Invariant: ``c_function`` stays alive until the C client is freed (the client's finalizer
    keeps it) and holds only a weak reference to this relay, so that neither the relay nor its
    handler (which may refer to the client) is kept alive by the finalizer.
    """

    def __init__(self) -> None:
        self.handler: Optional[EventHandler] = None
        #: Whether ``c_function`` is the C client's handler now (changed under the client's lock).
        self.installed = False
        self.c_function: Any = EVENT_FN(_forwarder(weakref.ref(self)))
        self._report_lock = threading.Lock()
        self._reported: Any = _NOTHING_REPORTED

    def set_handler(self, handler: Optional[EventHandler]) -> None:
        """Forwards events to ``handler`` from now on (None: to the logger); a new handler's
        first exception is logged again."""
        with self._report_lock:
            self.handler = handler
            self._reported = _NOTHING_REPORTED

    def wanted(self) -> bool:
        """Whether the C callback is needed: a handler is set, or the logger would log."""
        return self.handler is not None or LOGGER.isEnabledFor(logging.DEBUG)

    def sync(self, handle: int) -> None:
        """Installs or removes the C callback as :meth:`wanted` says. Call with the client's
        lock held and the client not freed."""
        wanted = self.wanted()
        if wanted is not self.installed:
            LIB.mx_client_set_event_handler(handle, self.c_function if wanted else EVENT_FN(), None)
            self.installed = wanted

    def deliver(self, event_json: bytes) -> None:
        """The C callback: runs on the calling thread, once per attempt. Never raises (an
        exception here would only be printed by ctypes and could not stop the call)."""
        handler = self.handler
        try:
            if handler is None:
                if LOGGER.isEnabledFor(logging.DEBUG):
                    text = event_json.decode("utf-8", errors="replace")
                    LOGGER.debug("event %s", text, extra={"mx_sso_event": json.loads(text)})
                return
            event: Event = json.loads(event_json)
            handler(event)
        except Exception:
            self._report(handler)

    def _report(self, handler: Optional[EventHandler]) -> None:
        """Logs the current exception of ``handler`` (None: the logger's path) once: the first
        after each :meth:`set_handler`."""
        with self._report_lock:
            if handler is self._reported:
                return
            self._reported = handler
        LOGGER.error(
            "mx_sso: the on_event handler %r raised; the call goes on, and later exceptions "
            "from this handler are not logged",
            handler,
            exc_info=True,
        )


def _forwarder(relay: weakref.ref[EventRelay]) -> Callable[[Any, bytes], None]:
    """The C callback's Python function: forwards to the relay while it lives."""

    def forward(_user_data: Any, event_json: bytes) -> None:
        target = relay()
        if target is not None:
            target.deliver(event_json)

    return forward
