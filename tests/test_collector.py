import gc

from bidgraph.graph import collector
from bidgraph.graph.collector import collect_no_more, rare_full_collections


def test_full_passes_are_rarer_inside_and_as_before_after():
    before = gc.get_threshold()
    with rare_full_collections():
        assert gc.get_threshold() == (*before[:2], before[2] * 100)
    assert gc.get_threshold() == before


def test_a_nested_block_keeps_the_outer_threshold_and_the_outer_block_restores_it():
    before = gc.get_threshold()
    with rare_full_collections():
        raised = gc.get_threshold()
        with rare_full_collections():
            assert gc.get_threshold() == raised
        assert gc.get_threshold() == raised
    assert gc.get_threshold() == before


def test_the_threshold_is_restored_when_the_block_raises():
    before = gc.get_threshold()
    try:
        with rare_full_collections():
            raise ValueError
    except ValueError:
        pass
    assert gc.get_threshold() == before


def test_blocks_overlapping_in_two_threads_restore_the_threshold_when_the_last_closes():
    import threading

    before = gc.get_threshold()
    first_open, second_done = threading.Event(), threading.Event()

    def first():
        with rare_full_collections():
            first_open.set()
            second_done.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_open.wait(10)
    with rare_full_collections():  # opened after, closed before the first thread's block
        assert gc.get_threshold()[2] == before[2] * 100
    assert gc.get_threshold()[2] == before[2] * 100  # the first block is still open
    second_done.set()
    thread.join(10)
    assert gc.get_threshold() == before


def test_the_collector_stops_for_good_only_in_a_process_that_ends_without_freeing(monkeypatch):
    collect_no_more()
    assert gc.isenabled()  # a process that frees as usual
    monkeypatch.setattr(collector, "_kept", [])  # as end_without_freeing leaves it
    try:
        collect_no_more()
        assert not gc.isenabled()
    finally:
        gc.enable()
