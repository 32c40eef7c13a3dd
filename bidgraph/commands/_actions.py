"""Commands made of actions (``bidgraph COMMAND ACTION``), declared beside their handlers.

A command module makes one :class:`Command` and declares each action on its handler,
``handle_<action>``, with the action's help and its arguments as data::

    COMMAND = Command("key", "the office key / 单位签名密钥")
    register = COMMAND.register

    @COMMAND.action("write the public keys to a PEM file / 导出公钥", arg("--out", required=True))
    def handle_export(args) -> int: ...

The argparse code that turns the declarations into parsers is :meth:`Command.register`, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Handler = Callable[[Any], int]


class Declaration(Protocol):
    """What an action declares on its parser: an :class:`Argument` or a :class:`OneOf`."""

    def add_to(self, parser) -> None: ...


@dataclass(frozen=True)
class Argument:
    """One argument, as ``parser.add_argument(*flags, **options)`` adds it."""

    flags: tuple[str, ...]
    options: dict[str, Any]

    def add_to(self, parser) -> None:
        parser.add_argument(*self.flags, **self.options)


def arg(*flags: str, **options: Any) -> Argument:
    return Argument(flags, options)


@dataclass(frozen=True)
class OneOf:
    """Arguments of which exactly one must be given."""

    arguments: tuple[Argument, ...]

    def add_to(self, parser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        for argument in self.arguments:
            argument.add_to(group)


def one_of(*arguments: Argument) -> OneOf:
    return OneOf(arguments)


class Command:
    """``bidgraph NAME ACTION``: a command whose required actions (parsed into
    ``args.<name>_command``) are the handlers declared with :meth:`action`, in that order."""

    def __init__(self, name: str, help: str):
        self.name = name
        self.help = help
        self.actions: list[tuple[str, Handler, str, tuple[Declaration, ...]]] = []

    def action(self, help: str, *arguments: Declaration) -> Callable[[Handler], Handler]:
        """Declare the handler ``handle_<action>`` as the action ``<action>``, with ``help`` and
        ``arguments`` (:func:`arg`, :func:`one_of`) in the order its usage shows them."""

        def declare(handler: Handler) -> Handler:
            name = handler.__name__.removeprefix("handle_")
            self.actions.append((name, handler, help, arguments))
            return handler

        return declare

    def register(self, sub) -> None:
        """Add the command and its actions to the ``bidgraph`` sub-parsers ``sub``."""
        group = sub.add_parser(self.name, help=self.help)
        actions = group.add_subparsers(dest=f"{self.name}_command", metavar="ACTION", required=True)
        for name, handler, help, arguments in self.actions:
            parser = actions.add_parser(name, help=help)
            parser.set_defaults(func=handler)
            for argument in arguments:
                argument.add_to(parser)
