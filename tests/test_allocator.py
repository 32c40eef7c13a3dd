"""The batch commands keep freed memory for the next arrays (graph/allocator.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bidgraph.graph.allocator import give_back_freed_memory, keep_freed_memory

# Four 15 MiB arrays (a frame's columns) made and freed together, four times over: the page
# faults of each round. Run in a fresh interpreter, so the allocator starts as a command's does.
ROUNDS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from bidgraph.graph.allocator import keep_freed_memory
    keep_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def one_round():
    before = faults()
    held = [np.ones(15 << 20, dtype=np.uint8) for _ in range(4)]
    del held
    return faults() - before
print(*[one_round() for _ in range(4)])
"""


def rounds(mode: str) -> list[int]:
    done = subprocess.run([sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, check=True)
    return [int(n) for n in done.stdout.split()]


@pytest.mark.skipif(not keep_freed_memory(), reason="the C library has no mallopt (not glibc): nothing to keep")
def test_freed_arrays_are_reused_without_new_page_faults():
    default, kept = rounds("default"), rounds("keep")
    assert min(default[1:]) > 500  # as glibc starts: each round's arrays are fresh pages again
    assert max(kept[1:]) < kept[0] / 20  # kept: the first round's pages serve the next rounds


# A batch's arrays made and freed under keep_freed_memory, then given back: the resident MiB
# after the arrays were freed, and after give_back_freed_memory.
GIVEN_BACK = """
import numpy as np
from bidgraph.graph.allocator import give_back_freed_memory, keep_freed_memory
def resident_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 >> 20
keep_freed_memory()
held = [np.ones(15 << 20, dtype=np.uint8) for _ in range(8)]
del held
kept = resident_mib()
give_back_freed_memory()
print(kept, resident_mib())
"""


@pytest.mark.skipif(not keep_freed_memory(), reason="the C library has no mallopt (not glibc): nothing to give back")
def test_memory_kept_for_the_batch_is_given_back_to_the_kernel():
    done = subprocess.run([sys.executable, "-c", GIVEN_BACK], capture_output=True, text=True, check=True)
    kept, given_back = (int(n) for n in done.stdout.split())
    assert kept - given_back > 100  # the 120 MiB of freed arrays the heap held are the kernel's again


# Which allocator a new Arrow buffer comes from, by default and after arrow_from_the_heap.
ARROW_POOL = """
import sys
import pyarrow as pa, pyarrow.compute as pc
if sys.argv[1] == "heap":
    from bidgraph.graph.allocator import arrow_from_the_heap
    arrow_from_the_heap()
before = pa.system_memory_pool().bytes_allocated()
made = pc.multiply(pa.array(range(100_000)), 2)
print(pa.system_memory_pool().bytes_allocated() - before)
"""


@pytest.mark.skipif(not keep_freed_memory(), reason="the C library has no mallopt (not glibc): Arrow keeps its own")
def test_a_load_takes_arrow_buffers_from_the_kept_heap():
    def from_the_c_heap(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", ARROW_POOL, mode], capture_output=True, text=True, check=True)
        return int(done.stdout)

    assert from_the_c_heap("default") == 0  # Arrow's own allocator
    assert from_the_c_heap("heap") >= 800_000  # the product's 100,000 int64 values
