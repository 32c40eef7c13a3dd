"""Errors as messages on the page, never tracebacks.

``guarded`` wraps a callback so that a :class:`~bidgraph.errors.BidgraphError` (unknown id,
store down, bad input) becomes a one-line message in the callback's message output, and any
other exception a short "internal error" message while its traceback goes to the server log.
"""

from __future__ import annotations

import functools
import logging

from dash import html, no_update

from bidgraph.errors import BidgraphError, InputError, NotFound, StoreError
from bidgraph.workbench.i18n import t

__all__ = ["error_text", "message", "guarded"]

log = logging.getLogger("bidgraph.workbench")


def error_text(exc: BaseException, lang: str) -> str:
    """The sentence a user sees for ``exc``."""
    if isinstance(exc, NotFound):
        return t("err.not_found", lang, msg=str(exc))
    if isinstance(exc, StoreError):
        return t("err.store", lang, msg=str(exc))
    if isinstance(exc, (InputError, BidgraphError, ValueError)):
        return t("err.input", lang, msg=str(exc))
    return t("err.internal", lang, kind=type(exc).__name__)


def message(text: str, kind: str = "info") -> html.Div:
    """A message box: ``kind`` is info, warning or error."""
    return html.Div(text, className=f"msg msg-{kind}", role="alert" if kind == "error" else "status")


def guarded(n_outputs: int, message_at: int, lang_arg: str = "lang"):
    """Decorate a callback returning ``n_outputs`` values: on error, return ``no_update`` for
    every output except the one at ``message_at``, which gets the error message. The wrapped
    function must take the language as keyword ``lang_arg`` or as its last positional argument."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every error becomes a message on the page
                if not isinstance(exc, (BidgraphError, ValueError)):
                    log.exception("workbench callback %s failed", fn.__name__)
                lang = kwargs.get(lang_arg, args[-1] if args else "zh")
                out = [no_update] * n_outputs
                out[message_at] = message(error_text(exc, lang), "error")
                return tuple(out) if n_outputs > 1 else out[0]

        return inner

    return wrap
