"""Running units of work (see :mod:`.engine`) in this process or in a pool of processes.

Each worker builds its own Project for each unit it is given and sends back
plain data (:class:`.units.UnitOutcome` without libcst objects: diagnostics,
handlers, missing handlers, errors and the files each unit read). Units are packed into a few more batches than
workers, largest first, so that a large unit starts early and small ones fill
the gaps. Results come back in the order of the units, whatever finished first.

On Linux the pool forks, after the parent has imported the analysis, so
workers start in milliseconds; elsewhere it spawns. If the pool cannot be used
(no fork or spawn, a worker dies), the remaining units run in this process.
"""
from __future__ import annotations

import sys
from typing import List, Optional

from .units import Setup, Unit, UnitOutcome, analyse_unit

_SETUP: Optional[Setup] = None
BATCHES_PER_WORKER = 3


def run_units(setup: Setup, units: List[Unit], jobs: int) -> List[UnitOutcome]:
    if jobs <= 1 or len(units) < 2:
        return [analyse_unit(setup, unit, keep_objects=True) for unit in units]
    results: List[Optional[UnitOutcome]] = [None] * len(units)
    try:
        _run_pool(setup, units, jobs, results)
    except Exception:  # noqa: BLE001 - a pool that cannot start or breaks: finish here
        pass
    for i, unit in enumerate(units):
        if results[i] is None:
            results[i] = analyse_unit(setup, unit, keep_objects=True)
    return results  # type: ignore[return-value]


def batches(weights: List[int], count: int) -> List[List[int]]:
    """Unit indices in ``count`` batches of similar weight (largest unit first, into the lightest batch)."""
    count = max(1, min(count, len(weights)))
    bins: List[List[int]] = [[] for _ in range(count)]
    totals = [0] * count
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        lightest = min(range(count), key=lambda b: (totals[b], b))
        bins[lightest].append(i)
        totals[lightest] += weights[i]
    order = sorted(range(count), key=lambda b: (-totals[b], b))
    return [sorted(bins[b]) for b in order if bins[b]]


def _run_pool(setup: Setup, units: List[Unit], jobs: int, results: list) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    _preload()
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    groups = batches([u.weight for u in units], jobs * BATCHES_PER_WORKER)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                             initargs=(setup,)) as pool:
        futures = {pool.submit(_run_batch, [units[i] for i in group]): group for group in groups}
        for future in as_completed(futures):
            group = futures[future]
            try:
                outcomes = future.result()
            except Exception as exc:  # noqa: BLE001 - these units run again in this process
                from concurrent.futures.process import BrokenProcessPool

                if isinstance(exc, BrokenProcessPool):
                    raise
                continue
            for i, outcome in zip(group, outcomes):
                results[i] = outcome


def _preload() -> None:
    """Import the analysis before forking, so that every worker has it already."""
    from ..analysis import context, project  # noqa: F401
    from .. import rules  # noqa: F401

    try:
        from .. import fixes  # noqa: F401
    except ImportError:
        pass


def _init_worker(setup: Setup) -> None:
    global _SETUP
    _SETUP = setup


def _run_batch(units: List[Unit]) -> List[UnitOutcome]:
    assert _SETUP is not None
    return [analyse_unit(_SETUP, unit) for unit in units]
