"""Who works a prompt-set run: one holder at a time, by lease.

A run is worked under a lease in its row of ``set_runs`` (``council.storage.prompt_sets.lease``),
renewed while the work goes on. Two servers on one shared database never work the same run; a server
that dies leaves its lease to run out, and the next one to look takes the run over and asks only the
cells not written yet. The command line works a run the same way, so a page and a terminal never
double up either.

In the app, runs belong to the process, not to a page: ``start`` works a run in a daemon thread of its
own (with its own event loop), so closing the tab or reloading loses nothing; ``resume_unfinished``
is called on the first page load after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from council.runs import batch, providers
from council.settings import SINGLE_USER, RetrySettings
from council.storage import database
from council.storage import files as file_store
from council.storage import prompt_sets as store
from council.storage.response_cache import ResponseCache

LEASE_S = 60.0  # a dead holder's run is taken over this long after its last renewal
OWNER = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
log = logging.getLogger(__name__)


@dataclass
class Work:
    """What a run needs besides its plan: where to send, the retry caps, the quota guard, the cache."""

    connection: providers.Connection
    settings: RetrySettings = field(default_factory=RetrySettings)
    guard: Callable | None = None
    cache: ResponseCache | None = None


def _kept_file(sha256: str, person: str) -> bytes | None:
    """A file the run's owner attached, from the file store (None: gone, or the store cannot be read — the
    rows that needed it fail in words, and can be retried)."""
    try:
        return file_store.read(sha256, person=person)
    except (OSError, database.StoreUnavailable, *database.errors()):
        return None


async def work(
    run_id: int,
    how: Work,
    *,
    stop: threading.Event | None = None,
    only: set[tuple[int, int]] | None = None,
    on_cell: Callable | None = None,
    owner: str = OWNER,
) -> batch.Progress | None:
    """Lease the run and ask its missing cells (or ``only``); None when another holder has it. The run
    is ``done`` when every cell is written, ``stopped`` when Stop (or a lost lease) ended it early."""
    if not store.lease(run_id, owner, LEASE_S):
        return None
    run = store.load_run(run_id, person=None)
    if run is None:
        store.release(run_id, owner)
        return None
    stop = stop or threading.Event()
    lost = False

    async def renew() -> None:
        nonlocal lost
        while True:
            await asyncio.sleep(LEASE_S / 3)
            if not store.lease(run_id, owner, LEASE_S):
                lost = True  # taken over (this holder was thought dead): stop asking, keep what is written
                stop.set()
                return

    keeper = asyncio.create_task(renew())
    person = store.run_owner(run_id) or SINGLE_USER
    plan = batch.Plan.from_dict(run.plan, read=lambda sha256: _kept_file(sha256, person))
    progress = None
    try:
        progress = await batch.execute(
            run_id, plan, how.connection, settings=how.settings, guard=how.guard, cache=how.cache, stop=stop, only=only, on_cell=on_cell
        )
        return progress
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        if not lost:
            complete = sum(store.cell_counts(run_id).values()) >= plan.cells
            store.set_status(run_id, store.DONE if complete and not stop.is_set() else store.STOPPED)


# ---- in the app: runs belong to the process ---------------------------------------------------------


@dataclass
class Running:
    thread: threading.Thread
    stop: threading.Event


_running: dict[int, Running] = {}
_lock = threading.Lock()
_resumed = False


def is_running(run_id: int) -> bool:
    with _lock:
        held = _running.get(run_id)
        return held is not None and held.thread.is_alive()


def start(run_id: int, how: Work, *, only: set[tuple[int, int]] | None = None) -> bool:
    """Work the run in a daemon thread of this process (False: this process works it already)."""
    with _lock:
        held = _running.get(run_id)
        if held is not None and held.thread.is_alive():
            return False
        store.reopen(run_id)  # a stopped run continues; a finished one takes the retried cells
        stop = threading.Event()
        thread = threading.Thread(target=_thread, args=(run_id, how, stop, only), name=f"prompt-set-run-{run_id}", daemon=True)
        _running[run_id] = Running(thread, stop)
        thread.start()
        return True


def _thread(run_id: int, how: Work, stop: threading.Event, only: set[tuple[int, int]] | None) -> None:
    try:
        asyncio.run(work(run_id, how, stop=stop, only=only))
    except Exception:  # never a traceback on a page: the run shows as stopped, its cells are kept
        log.exception("prompt-set run %s stopped on an unexpected error", run_id)
        with contextlib.suppress(Exception):
            store.set_status(run_id, store.STOPPED)
    finally:
        with _lock:
            held = _running.get(run_id)
            if held is not None and held.stop is stop:
                del _running[run_id]


def stop(run_id: int) -> None:
    """Stop the run: the cells in flight are dropped, every written cell is kept."""
    with _lock:
        held = _running.get(run_id)
    if held is not None:
        held.stop.set()
    else:  # worked elsewhere (another server, or nothing works it): mark it stopped; its holder stops at renewal
        store.set_status(run_id, store.STOPPED)


def host_work(run_id: int) -> Work:
    """A resumed run's connection: the host's own keys (a token pasted in a browser session is never stored,
    so a provider only it reached fails its cells, which can be retried once the token is pasted again),
    asked on behalf of the run's owner (their caps and usage)."""
    owner = store.run_owner(run_id) or SINGLE_USER
    connection = providers.Connection(
        tokens={}, base_urls={}, person=owner, signed_in=owner != SINGLE_USER, visitor_is_local=owner == SINGLE_USER
    )
    return Work(connection)


def resume_unfinished(how: Callable[[int], Work] = host_work) -> list[int]:
    """Once per process: start every run left ``running`` (by a restart, or a server that died) that no
    live holder has; ``how(run_id)`` gives each its connection. Returns the runs started here."""
    global _resumed
    with _lock:
        if _resumed:
            return []
        _resumed = True
    started = []
    for run_id in store.unfinished():
        if not is_running(run_id) and store.lease_free(run_id) and start(run_id, how(run_id)):
            started.append(run_id)
    return started


def forget_resumed() -> None:
    """Look for unfinished runs again at the next page load (the store could not be read this time)."""
    global _resumed
    with _lock:
        _resumed = False
