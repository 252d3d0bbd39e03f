"""Run chunks of replicate trials: in this process, in local worker processes, or on a Dask
cluster. Every chunk is a pure function of its arguments (its random streams come from the
seed and its blocks, :mod:`survtrial.trial._rng`), so the results do not depend on where or in
which order chunks run.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from survtrial._errors import InputError
from survtrial._processes import (
    PRESTARTED,
    HeldInterrupt,
    held_interrupts,
    keep_freed_memory,
    new_pool,
)

EXECUTORS = ("local", "dask")


class ChunkPlan(Sequence):
    """(first block, blocks, replicates) of each chunk: whole blocks of ``block`` replicates,
    ``chunk_blocks`` a chunk, the last one trimmed. Computed on demand, so a plan takes the
    same memory for any number of replicates."""

    def __init__(self, replicates: int, chunk_blocks: int, block: int) -> None:
        self.replicates, self.chunk_blocks, self.block = replicates, chunk_blocks, block
        self._n_blocks = -(-replicates // block)
        self._len = -(-self._n_blocks // chunk_blocks)

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._len))]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError("chunk index out of range")
        b0 = i * self.chunk_blocks
        nb = min(self.chunk_blocks, self._n_blocks - b0)
        return b0, nb, min(nb * self.block, self.replicates - b0 * self.block)


def chunk_plan(replicates: int, chunk_blocks: int, block: int) -> ChunkPlan:
    """The chunks of ``replicates`` (:class:`ChunkPlan`)."""
    return ChunkPlan(replicates, chunk_blocks, block)


def check_executor(workers: int, executor: str, scheduler: str | None, prefix: str = "") -> None:
    """Where the chunks would run, checked (InputError naming the argument, after ``prefix``:
    "--" for the command line's options)."""
    if workers < 1:
        raise InputError(f"{prefix}workers: need at least 1, got {workers}")
    if executor not in EXECUTORS:
        raise InputError(f"{prefix}executor: {executor!r} is not one of {', '.join(EXECUTORS)}")
    if scheduler is not None and executor != "dask":
        raise InputError(f"{prefix}scheduler: a scheduler address needs --executor dask")


def map_chunks(
    fn: Callable[..., Any],
    calls: Sequence[tuple],
    sizes: Sequence[int],
    *,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    consume: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``[fn(*call) for call in calls]``, run side by side; ``progress(done)`` after each chunk
    with the replicates finished (``sizes[i]`` per call). Ctrl-C cancels what has not started.

    With ``consume``, each result is handed to ``consume(i, result)`` in call order (those that
    finish early wait for the ones before them) and not kept: the list returned is empty, and
    this process holds only the results still waiting for their turn.

    ``executor="local"``: ``workers`` processes (forkserver; in this process when 1, or when
    processes cannot start, with a warning). ``"dask"``: a running scheduler at ``scheduler``,
    else a ``LocalCluster`` of ``workers`` single-threaded processes. Chunks run in this
    process ask glibc to keep the memory they free, as the workers do
    (:func:`survtrial._processes.keep_freed_memory`, process-wide): otherwise each chunk's
    temporaries are page-faulted anew, and the chunks take 1.7 times as long.

    Ctrl-C is held while the chunks run and raised (KeyboardInterrupt) between two chunks'
    results, at most about 0.25 s after it was pressed with local processes
    (:func:`survtrial._processes.held_interrupts`: never inside an import or a dataclass
    being built, where it would come out as a traceback).
    """
    check_executor(workers, executor, scheduler)
    results: list[Any] = [None] * len(calls) if consume is None else []
    done = 0
    waiting: dict[int, Any] = {}  # with consume: results that came before their turn
    turn = 0
    taken: set[int] = set()  # without consume: the calls whose results are in

    def completed(i: int) -> bool:  # memory: with consume, only the results waiting
        return i in taken if consume is None else (i < turn or i in waiting)

    def finished(i: int, result: Any) -> None:
        nonlocal done, turn
        if consume is None:
            taken.add(i)
            results[i] = result
        else:
            waiting[i] = result
            while turn in waiting:
                consume(turn, waiting.pop(turn))
                turn += 1
        done += sizes[i]
        if progress is not None:
            progress(done)
        ctrl_c.raise_if_pressed()

    with held_interrupts() as ctrl_c:
        if executor == "dask":
            _dask(fn, calls, workers, scheduler, finished, waiting.__len__)
        elif workers == 1 or len(calls) == 1:
            keep_freed_memory()  # as in a worker: 1.7x faster chunks (docs/performance.md)
            for i, call in enumerate(calls):
                finished(i, fn(*call))
        else:
            _processes(fn, calls, workers, finished, completed, waiting.__len__, ctrl_c)
    return results if consume is None else []


# chunks submitted ahead per worker process: enough that none waits for work, few enough that
# the futures (each holding its result until taken) do not grow with the replicates
IN_FLIGHT_PER_WORKER = 4
# how often the wait for local results looks for a held Ctrl-C
INTERRUPT_CHECK_SECONDS = 0.25


def _processes(
    fn, calls, workers, finished, completed: Callable[[int], bool], held, ctrl_c: HeldInterrupt
) -> None:
    """The calls on ``workers`` local processes, at most :data:`IN_FLIGHT_PER_WORKER` per
    worker submitted or taken but not yet consumed (``held()``: results waiting for their
    turn), so memory does not grow with the number of calls; a held Ctrl-C is raised within
    :data:`INTERRUPT_CHECK_SECONDS` even while no result comes."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    try:
        n = min(workers, len(calls))
        pool = PRESTARTED.pop(n, None) or new_pool(n)
        try:
            todo = iter(enumerate(calls))
            running: dict[Any, int] = {}  # future -> call index; dropped once taken
            while True:
                room = IN_FLIGHT_PER_WORKER * n - len(running) - held()
                for i, call in itertools.islice(todo, max(room, 0)):
                    running[pool.submit(fn, *call)] = i
                if not running:
                    break
                done, _ = wait(running, INTERRUPT_CHECK_SECONDS, FIRST_COMPLETED)
                for future in done:
                    finished(running.pop(future), future.result())
                ctrl_c.raise_if_pressed()
        except KeyboardInterrupt:
            pool.shutdown(wait=True, cancel_futures=True)  # the running chunks finish
            raise
        pool.shutdown()
    except (OSError, NotImplementedError, BrokenProcessPool) as exc:
        # no worker processes here (a sandbox, a killed worker): same results, in-process
        warnings.warn(
            f"worker processes failed ({exc}); running the remaining replicates here",
            RuntimeWarning,
            stacklevel=3,
        )
        keep_freed_memory()
        for i, call in enumerate(calls):
            if not completed(i):
                finished(i, fn(*call))


def _dask(fn, calls, workers, scheduler, finished, held) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise InputError(
            "executor dask: dask.distributed is not installed (pip install 'survtrial[dask]')"
        ) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        where = scheduler or "a local cluster"
        raise InputError(f"scheduler: cannot reach {where}: {exc}") from None
    try:
        # as with local processes, a few chunks a worker thread in hand (not every future);
        # the threads counted again every few seconds, as workers join or leave the cluster
        window = _DaskWindow(client)
        todo = iter(enumerate(calls))
        index: dict[str, int] = {}  # the key of each future in hand -> its call index

        def submit(k: int) -> list:
            out = []
            for i, call in itertools.islice(todo, max(k, 0)):
                out.append(client.submit(_on_dask_worker, fn, *call, pure=False))
                index[out[-1].key] = i
            return out

        in_hand = as_completed(submit(window()))
        try:
            for future in in_hand:
                finished(index.pop(future.key), future.result())
                for new in submit(window() - len(index) - held()):
                    in_hand.add(new)
        except KeyboardInterrupt:
            client.cancel(list(in_hand.futures))
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _on_dask_worker(fn, *call):
    """``fn(*call)`` on a Dask worker, whose freed memory is kept as the local workers' is
    (:func:`survtrial._processes.keep_freed_memory`, once a process, also on workers that join
    later). Dask's nanny asks glibc to return freed memory at once, so each chunk's
    temporaries were page-faulted anew: twice the CPU a trial (docs/performance.md). The cost
    is that a worker keeps its largest chunk's memory (about 300 MB) between chunks."""
    keep_freed_memory()
    return fn(*call)


class _DaskWindow:
    """How many chunks to keep in hand on a Dask cluster: :data:`IN_FLIGHT_PER_WORKER` per
    worker thread, the threads counted again at most every ``every`` seconds (a scheduler
    call), so workers that join after the start get work too."""

    def __init__(self, client, every: float = 2.0) -> None:
        self.client, self.every = client, every
        self.counted_at, self.size = -float("inf"), 0

    def __call__(self) -> int:
        now = time.monotonic()
        if now - self.counted_at >= self.every:
            threads = sum(self.client.nthreads().values())
            self.size = IN_FLIGHT_PER_WORKER * max(threads, 1)
            self.counted_at = now
        return self.size
