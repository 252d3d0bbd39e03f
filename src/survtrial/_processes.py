"""Local worker processes for the simulations (layer 0, standard library only, so that the
command line can start them before it loads anything heavy): how a worker starts, a pool
started ahead of its first use, Ctrl-C held while the chunks run, and glibc's malloc told to
keep freed memory."""

from __future__ import annotations

import contextlib
import functools
import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any


class HeldInterrupt:
    """Whether Ctrl-C was pressed while held (:func:`held_interrupts`)."""

    def __init__(self) -> None:
        self.pressed = False

    def raise_if_pressed(self) -> None:
        """Raise the held KeyboardInterrupt here, where the caller can stop cleanly."""
        if self.pressed:
            raise KeyboardInterrupt


@contextlib.contextmanager
def held_interrupts() -> Iterator[HeldInterrupt]:
    """Ctrl-C held: inside, SIGINT only sets ``pressed`` (the caller raises it at a point of
    its choosing, :meth:`HeldInterrupt.raise_if_pressed`); the handler before is put back on
    leaving. Outside the main thread nothing is held.

    Why: a KeyboardInterrupt raised wherever the main thread happens to be can land inside
    an extension module's initialisation (scipy.optimize's HiGHS wrapper, imported when the
    first decision needs its bounds), which turns it into an ImportError with a traceback, or
    inside a string ``exec`` (a dataclass being built), after which ``python -m`` ends by
    SIGINT even though the interrupt was handled (CPython's ``run_eval_code_obj`` sets a flag
    that ``Py_RunMain`` reads)."""
    state = HeldInterrupt()

    def hold(signum, frame) -> None:
        state.pressed = True

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread
        yield state
        return
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


@functools.cache  # once a process: finding the C library is slow
def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse instead of returning it to the system
    (no mmap for blocks under 32 MiB, no trimming under 2 GiB): a chunk's numpy temporaries
    of a few MB are then not page-faulted anew at every operation (docs/performance.md).
    Process-wide: called by the command-line tools, the worker processes (local or Dask) and
    a process that runs simulation chunks itself (the process then keeps, for reuse, the
    memory it freed); a no-op where the C library has no ``mallopt``."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        mallopt = libc.mallopt if libc is not None else None
    except (OSError, AttributeError):
        return
    if mallopt is None:
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, 32 << 20)
    mallopt(m_trim_threshold, (1 << 31) - 1)
    mallopt(m_top_pad, 256 << 20)


# the thread counts of numpy's BLAS (OpenBLAS, MKL) and of OpenMP, read when they load
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_thread_per_process() -> None:
    """Ask the BLAS and OpenMP libraries for one thread, where the user has not chosen a count
    (:data:`THREAD_VARIABLES`). For a process that is one core's share of the work (a
    simulation worker, or the parent beside them): nothing it runs uses BLAS in bulk, and the
    thread pool OpenBLAS starts when numpy loads costs about 0.07 s of CPU a process
    (docs/performance.md). Only takes effect where numpy is not loaded yet."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def _worker_setup(preload: tuple[str, ...] = ()) -> None:
    """In a worker process: Ctrl-C is the parent's to handle (it cancels the queue and waits
    for the chunks that are running), so a worker never dies half-way through a chunk; one
    BLAS thread (:func:`one_thread_per_process`: the workers are as many as the cores); freed
    memory is kept for the next chunk (:func:`keep_freed_memory`); the modules ``preload``
    are imported before the first chunk arrives."""
    import importlib

    one_thread_per_process()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    keep_freed_memory()
    for name in preload:
        importlib.import_module(name)


def _ready() -> None:
    """A task that does nothing: submitting it starts the pool's processes."""


PRESTARTED: dict[int, Any] = {}  # workers -> a pool started ahead of its first map_chunks


def new_pool(workers: int, preload: tuple[str, ...] = ()):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # not fork: forking a process that runs threads (BLAS, the progress bar) can deadlock
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_worker_setup,
        initargs=(tuple(preload),),
    )


def prestart_workers(workers: int, preload: Sequence[str] = ()) -> None:
    """Start ``workers`` local worker processes now, each importing the modules ``preload``,
    for the next :func:`map_chunks` with as many workers: their start-up (about a second:
    Python, imports) then runs beside the caller's own instead of after it. The results do not
    change. Nothing happens for one worker, or where processes cannot start (map_chunks then
    starts its own); :func:`release_prestarted` shuts down a pool that was not used."""
    if workers < 2 or workers in PRESTARTED:
        return
    # a Ctrl-C half-way through would leave a worker starting for a pool already gone (its
    # traceback on the terminal): it is held until the pool is registered, then raised
    with held_interrupts() as ctrl_c:
        try:
            pool = new_pool(workers, tuple(preload))
            for _ in range(workers):  # a process a task: the pool starts one per task
                pool.submit(_ready)  # while none of its processes is idle (not fork)
            PRESTARTED[workers] = pool
        except (OSError, NotImplementedError):
            return
    ctrl_c.raise_if_pressed()


def release_prestarted(wait: bool = False) -> None:
    """Shut down the pools that :func:`prestart_workers` started and no map_chunks used; with
    ``wait``, once their processes have started and stopped (after a Ctrl-C: a worker still
    starting when its parent has gone fails with a traceback)."""
    while PRESTARTED:
        _, pool = PRESTARTED.popitem()
        pool.shutdown(wait=wait, cancel_futures=True)
