"""The errors a user may see. Each carries a message fit to print on one line."""


class BidgraphError(Exception):
    """Base: the CLI prints ``str(error)`` and exits non-zero, never a traceback."""


class SchemaError(BidgraphError):
    """The schema file is inconsistent (a bug in the release, not in the user's data)."""


class InputError(BidgraphError):
    """An input bundle or file cannot be used at all (missing table, unreadable file, ...)."""


class StoreError(BidgraphError):
    """The graph store is missing, empty, or unreachable."""


class NotFound(BidgraphError):
    """A node, finding or case that was asked for does not exist."""
