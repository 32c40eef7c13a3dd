"""An append asks numpy for small pages while it runs and leaves numpy's setting as it found it
(graph/allocator.py, used by bidgraph/commands/load.py)."""

from __future__ import annotations

from importlib import import_module

import pytest

from bidgraph.graph.allocator import small_pages

_switch = getattr(import_module("numpy._core.multiarray"), "_set_madvise_hugepage", None)


@pytest.mark.skipif(_switch is None, reason="this numpy has no huge-page switch")
@pytest.mark.parametrize("setting", [True, False])
def test_huge_pages_off_inside_and_as_before_after(setting):
    _switch(setting)
    try:
        with small_pages():
            assert _switch(False) is False
        assert _switch(setting) is setting
    finally:
        _switch(True)
