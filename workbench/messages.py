"""Errors as messages on the page, never tracebacks.

``guarded`` wraps a callback so that a :class:`~bidgraph.errors.BidgraphError` (unknown id,
store down, bad input) becomes a one-line message in the callback's message output, and any
other exception a short "internal error" message while its traceback goes to the server log.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

from dash import html, no_update

from bidgraph.errors import BidgraphError, InputError, NotFound, StoreError
from bidgraph.graph.vocabulary import pair_tables
from bidgraph.workbench.i18n import t
from bidgraph.workbench.present import colon, local_text

__all__ = ["error_text", "localized", "message", "guarded"]

log = logging.getLogger("bidgraph.workbench")


# English-only messages the cases workflow raises, as Chinese (pattern → sentence, first match wins).
ZH_MESSAGES: list[tuple[re.Pattern, str]] = [
    (re.compile(pattern), sentence)
    for pattern, sentence in pair_tables(Path(__file__).with_name("messages.toml"))["zh_messages"].values()
]


QUOTED = re.compile(r"'([^'\s]{1,80})'|(bidgraph [a-z]+)")


def _zh(msg: str) -> str | None:
    for pattern, sentence in ZH_MESSAGES:
        m = pattern.fullmatch(msg.strip().rstrip("."))
        if m:
            return sentence.format(*m.groups())
    return None


def localized(msg: str, lang: str) -> str:
    """``msg`` in the page's language only: the matching side of a bilingual "中文 / English"
    message, a known English message in Chinese, else a plain sentence in ``lang`` (never the
    other language's text)."""
    text = local_text(msg, lang)
    if text is None and lang == "zh":
        text = _zh(msg)
    if text is None:
        log.info("message without a %s text: %s", lang, msg)
        # the identifiers and commands it names (quoted ids, `bidgraph load`) stay readable
        named = [m.group(1) or m.group(2) for m in QUOTED.finditer(msg)]
        text = t("err.unreadable", lang) + (colon(lang) + " ".join(dict.fromkeys(named)) if named else "")
    return text


def error_text(exc: BaseException, lang: str) -> str:
    """The sentence a user sees for ``exc``, in ``lang`` only."""
    msg = localized(str(exc), lang)
    if isinstance(exc, NotFound):
        return t("err.not_found", lang, msg=msg)
    if isinstance(exc, StoreError):
        return t("err.store", lang, msg=msg)
    if isinstance(exc, (InputError, BidgraphError, ValueError)):
        return t("err.input", lang, msg=msg)
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
