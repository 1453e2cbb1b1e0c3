"""What the pages keep and read back — History, blind votes, the usage figures and the response
cache — as the pages see them. Pages import this, never ``council.storage``: a storage failure (a
read-only or full data folder, a locked or damaged file) reaches them as one domain error,
``StorageError``, with plain words, never as ``sqlite3`` or ``OSError``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from council.settings import data_dir
from council.storage import database, files, history, preferences, prompt_sets, response_cache, usage, votes
from council.storage.history import Run
from council.storage.response_cache import DEFAULT_LIMIT_MB, ResponseCache
from council.storage.usage import HUB_SEARCH, MODEL_LIST, NOT_GENERATION, TOKEN_CHECK, Ledger
from council.storage.votes import ALL_BAD, TIE, Standing, Vote, VoteError, outcome_words

P = ParamSpec("P")
T = TypeVar("T")


class StorageError(Exception):
    """Something could not be kept or read on this computer; ``str()`` says what, in plain words."""


def _kept(what: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Turn the storage layer's failures into a StorageError saying what could not be done."""

    def wrap(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                return fn(*args, **kwargs)
            except database.StoreUnavailable:
                raise StorageError(
                    f"{what} could not be done: the shared database cannot be used right now (the note at the top of the "
                    "page says why and what to do)."
                ) from None
            except database.errors() as exc:
                if database.database_url():
                    raise StorageError(
                        f"{what} could not be done: the shared database answered with an error ({type(exc).__name__}). "
                        "Python -m council check says more; the app's log has the details."
                    ) from None
                raise StorageError(
                    f"{what} could not be done: the data folder ({data_dir()}) is not writable, full, or a file in it is "
                    f"damaged ({type(exc).__name__}). Free some space or check the folder's permissions."
                ) from None

        return inner

    return wrap


STORE_ERRORS: tuple[type[BaseException], ...] = (StorageError, *database.errors())  # what a page may meet reading the store

# ---- History ---------------------------------------------------------------------------------

title_for = history.title_for
save_run = _kept("Saving to History")(history.save)
recent_runs = _kept("Reading History")(history.recent)
load_run = _kept("Opening a saved run")(history.load)
load_shared_run = _kept("Opening a shared run")(history.load_shared)
delete_run = _kept("Deleting a saved run")(history.delete)
run_kinds = _kept("Reading History")(history.kinds)
council_transcripts = _kept("Reading History")(functools.partial(history.payloads, "council"))
delete_all_data = _kept("Deleting your data")(history.delete_all_data)
data_files = history.data_files


@_kept("Deleting your data")
def delete_my_data(person: str) -> list[str]:
    """A signed-in person's own History, votes and settings (the host's usage ledger stays: it is the
    host's record of what was spent). Returns what was removed, in words."""
    runs, cast = history.delete_person(person), votes.delete_person(person)
    kept_sets, attached = prompt_sets.delete_person(person), files.delete_person(person)
    preferences.reset(person)
    return [
        f"{runs} saved run(s)",
        f"{cast} vote(s)",
        f"{kept_sets} prompt set(s) with their runs",
        f"{attached} attached file(s)",
        "your settings",
    ]


# ---- attached files (by content hash, the person's own) ----------------------------------------------

keep_file = _kept("Keeping the attached file")(files.keep)
read_file = _kept("Reading an attached file")(files.read)


# ---- prompt sets and their runs ------------------------------------------------------------------

SET_RUNNING = prompt_sets.RUNNING  # a run's status while it is worked (or waits for a server to resume it)
save_set = _kept("Saving the prompt set")(prompt_sets.save_set)
prompt_set_list = _kept("Reading your prompt sets")(prompt_sets.sets)
load_set = _kept("Opening the prompt set")(prompt_sets.load_set)
delete_set = _kept("Deleting the prompt set")(prompt_sets.delete_set)
create_set_run = _kept("Starting the run")(prompt_sets.create_run)
set_runs = _kept("Reading the set's runs")(prompt_sets.runs_of)
load_set_run = _kept("Opening the run")(prompt_sets.load_run)
set_cells = _kept("Reading the run")(prompt_sets.cells)
set_cell_counts = _kept("Reading the run")(prompt_sets.cell_counts)
put_set_cell = _kept("Saving your score")(prompt_sets.put_cell)


# ---- blind votes -----------------------------------------------------------------------------

cast_vote = _kept("Keeping the vote")(votes.cast)
all_votes = _kept("Reading the votes")(votes.all_votes)
leaderboard = votes.leaderboard

# ---- usage figures ---------------------------------------------------------------------------

ledger: Callable[[], Ledger] = _kept("Opening the usage ledger")(usage.ledger)
# the same, raising the store's own errors: for the quota and cap guards, which turn them into a decision
# (a quota that cannot be read lets the request go; caps that cannot be checked refuse it)
open_ledger: Callable[[], Ledger] = usage.ledger
error_names = usage.error_names

# ---- settings that survive a reload -----------------------------------------------------------

SETTING_KEYS = preferences.KEYS
load_settings = preferences.load  # never raises: an unreadable file is a note, the defaults are used
settings_text = preferences.dumps
parse_settings = preferences.parse
settings_path = preferences.path
settings_where = preferences.where
save_settings = _kept("Saving your settings")(preferences.save)
reset_settings = _kept("Resetting your settings")(preferences.reset)

# ---- the host's caps on its shared keys ---------------------------------------------------------

CAP_KEYS = preferences.HOST_KEYS


def load_caps() -> tuple[dict, list[str]]:
    """The caps the host saved in Settings (never raises: an unreadable document is a note)."""
    return preferences.load(preferences.HOST)


save_caps = _kept("Saving the caps")(functools.partial(preferences.save, person=preferences.HOST))

# ---- is the store there? ----------------------------------------------------------------------

STORE_AREAS = (usage.AREA, history.AREA, votes.AREA, response_cache.AREA, prompt_sets.AREA, files.AREA)


def store_problem() -> str | None:
    """One plain sentence when the configured store (the data folder or the shared database) cannot be
    used — a wrong address, a refused connection, a missing table — else None. Cheap when the database
    is away: it fails fast for a while after a failed connection."""
    areas = (*STORE_AREAS, preferences.AREA) if database.database_url() else STORE_AREAS
    return database.health(areas)


store_where = database.where  # where usage, History and votes are kept, in words


def store_is_shared() -> bool:
    """Are usage, History and votes kept in a database other app servers (and people) share?"""
    return database.database_url() is not None


# ---- the response cache ----------------------------------------------------------------------


def answer_cache(limit_mb: float = DEFAULT_LIMIT_MB) -> ResponseCache | None:
    """The response cache, or None when its store cannot be used (answers are then simply not cached)."""
    try:
        return response_cache.response_cache(limit_mb)
    except database.errors():
        return None


def answer_cache_exists() -> bool:
    """Is there a cache yet (looking creates no file)?"""
    return bool(database.database_url()) or (data_dir() / response_cache.CACHE_FILE).exists()


__all__ = [
    "ALL_BAD",
    "CAP_KEYS",
    "DEFAULT_LIMIT_MB",
    "HUB_SEARCH",
    "MODEL_LIST",
    "NOT_GENERATION",
    "SETTING_KEYS",
    "SET_RUNNING",
    "STORE_ERRORS",
    "TIE",
    "TOKEN_CHECK",
    "Ledger",
    "ResponseCache",
    "Run",
    "Standing",
    "StorageError",
    "Vote",
    "VoteError",
    "all_votes",
    "answer_cache",
    "answer_cache_exists",
    "cast_vote",
    "council_transcripts",
    "create_set_run",
    "data_files",
    "delete_all_data",
    "delete_my_data",
    "delete_run",
    "delete_set",
    "error_names",
    "keep_file",
    "leaderboard",
    "ledger",
    "load_caps",
    "load_run",
    "load_set",
    "load_set_run",
    "load_settings",
    "load_shared_run",
    "open_ledger",
    "outcome_words",
    "parse_settings",
    "prompt_set_list",
    "put_set_cell",
    "read_file",
    "recent_runs",
    "reset_settings",
    "run_kinds",
    "save_caps",
    "save_run",
    "save_set",
    "save_settings",
    "set_cell_counts",
    "set_cells",
    "set_runs",
    "settings_path",
    "settings_text",
    "settings_where",
    "store_is_shared",
    "store_problem",
    "store_where",
    "title_for",
]
