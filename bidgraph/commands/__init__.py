"""One module per CLI command (``bidgraph <name>``).

Each module defines ``register(subparsers)``, which adds its parser and sets
``func=handler`` on it; the handler takes the parsed ``args`` and returns an exit code.
``bidgraph.cli`` discovers the modules here (those not starting with ``_``), so adding a
command is adding a module.
"""
