"""Detector settings: the defaults in ``settings.toml`` here, overlaid by a user's file."""

from __future__ import annotations

import tomllib
from copy import deepcopy
from pathlib import Path

from bidgraph.errors import InputError

DEFAULTS_PATH = Path(__file__).resolve().parents[1] / "settings.toml"


def load_settings(override: str | Path | None = None) -> dict:
    """The defaults, with the sections and keys of ``override`` (if given) replacing them.

    An override key that the defaults do not know is an error, so a typo is not silently ignored.
    """
    with open(DEFAULTS_PATH, "rb") as fh:
        settings = tomllib.load(fh)
    if override is None:
        return settings
    path = Path(override)
    try:
        with open(path, "rb") as fh:
            user = tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"settings file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"settings file {path}: {exc}") from None
    merged = deepcopy(settings)
    for section, values in user.items():
        if section not in merged or not isinstance(values, dict):
            raise InputError(f"settings file {path}: unknown section [{section}]")
        for key, value in values.items():
            if key not in merged[section]:
                raise InputError(f"settings file {path}: [{section}] has no setting {key!r}")
            merged[section][key] = value
    return merged
