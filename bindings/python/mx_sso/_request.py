"""The one request path of the package: every call of every operation, on a :class:`Client` or
on the default client, ends in :func:`call` over the C function ``mx_client_call``.

Arguments are only encoded here (UTF-8, JSON) and results only decoded; checking bodies and
ids, retries, read-backs and error mapping all happen in the Rust core. Credentials are never
passed per call: ``mx_client_call`` gets NULL for them and uses the client's own.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, Mapping, Optional

from ._errors import InvalidArgumentError, error_from_result
from ._lib import LIB
from ._types import Body


def encode_text(name: str, value: str) -> bytes:
    """``value`` as UTF-8 for a C string, or an error naming the argument ``name``.

    A NUL character would silently cut the text short at the C boundary (an id ``"a\\0b"``
    would become ``"a"``), so it is refused here. The value itself never appears in the error:
    it may be a secret.
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


def encode_body(body: Body) -> bytes:
    """A request body as UTF-8 JSON text: a mapping is serialised, text is passed as is."""
    if isinstance(body, str):
        return encode_text("body", body)
    if isinstance(body, Mapping):
        return json.dumps(dict(body), separators=(",", ":")).encode("utf-8")
    raise TypeError(f"body must be a mapping or JSON text, not {type(body).__name__}")


def encode_call_options(timeout_ms: Optional[int], max_retries: Optional[int]) -> Optional[bytes]:
    """``call_options_json`` for one call, or None (the client's options) when both are None."""
    given = {
        name: value
        for name, value in (("timeout_ms", timeout_ms), ("max_retries", max_retries))
        if value is not None
    }
    return json.dumps(given).encode("ascii") if given else None


def encode_id(value: Optional[str]) -> Optional[bytes]:
    """The path id of a call (None where the operation takes none), named ``id`` as
    ``mx_client_call`` names that argument."""
    return None if value is None else encode_text("id", value)


def take_string(pointer: ctypes.c_void_p) -> Optional[str]:
    """Copies a string that the library handed over, then frees it with ``mx_string_free``."""
    try:
        if not pointer.value:
            return None
        return ctypes.string_at(pointer.value).decode("utf-8", errors="replace")
    finally:
        LIB.mx_string_free(pointer)


def invoke(function: Callable[..., int], *args: Any) -> str:
    """Calls a C function whose last argument is ``out_buf``; its text, or the exception for
    the error object it returned. ``out_buf`` is freed whatever happens."""
    out_buf = ctypes.c_void_p()
    try:
        status = function(*args, ctypes.byref(out_buf))
    finally:
        text = take_string(out_buf)
    if status != 0:
        raise error_from_result(status, text)
    # On MX_OK the library always hands over a string (possibly "{}").
    return text or ""


def call(
    handle: Optional[int],
    operation: bytes,
    id: Optional[bytes],
    body: Optional[bytes],
    call_options: Optional[bytes],
) -> Dict[str, Any]:
    """Runs ``operation`` on the client ``handle`` (None: the process-wide default client) and
    returns its success text decoded: MX's JSON object, ``{}`` for an empty delete answer, or
    ensure's ``{"created": ..., "user"|"member": ...}``. The library has already checked that
    the text is JSON (else the call failed with ``ResponseError``): no second check here."""
    text = invoke(LIB.mx_client_call, handle, operation, None, None, id, body, call_options)
    decoded: Dict[str, Any] = json.loads(text)
    return decoded
