"""Blind votes from Compare, and the leaderboard they make (win rate and Elo per model).

A vote is about the models that really answered (a fallback, when one did). Each vote becomes
pairwise results: the best answer beats every other one; a tie or "all bad" is a draw between
every pair. Elo is computed from all votes in the order they were cast (K = 32, start 1000), as
Chatbot Arena's first leaderboard did — a small, transparent number, not a benchmark.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations

from adapters.roles import SIMULATOR
from council.settings import SINGLE_USER
from council.storage import database
from council.storage.database import Area, Conn

VOTES_FILE = "votes.sqlite3"
TIE, ALL_BAD = "tie", "all_bad"
ELO_START, ELO_K = 1000.0, 32.0

MIGRATIONS: tuple[tuple[str, str], ...] = (
    (
        "0001_votes",
        """
        CREATE TABLE votes (
            id INTEGER PRIMARY KEY,
            created TEXT NOT NULL,
            contestants TEXT NOT NULL,     -- JSON: {label: "provider/model"}
            outcome TEXT NOT NULL          -- a label (the best), "tie" or "all_bad"
        )
        """,
    ),
    (
        "0002_person",
        # who voted: the signed-in person's stable id, or "you" when the app is single-user
        "ALTER TABLE votes ADD COLUMN person TEXT NOT NULL DEFAULT 'you'",
    ),
)
AREA = Area("votes", VOTES_FILE, MIGRATIONS, ("votes",))


class VoteError(ValueError):
    """A vote that does not fit its comparison (plain words)."""


@dataclass(frozen=True)
class Vote:
    id: int
    created: str
    contestants: dict[str, str]
    outcome: str


@dataclass(frozen=True)
class Standing:
    model: str
    battles: int
    wins: int
    ties: int
    losses: int
    elo: float

    @property
    def win_rate(self) -> float:
        return self.wins / self.battles if self.battles else 0.0


@contextlib.contextmanager
def _db() -> Iterator[Conn]:
    with database.store(AREA).write() as db:
        yield db


def outcome_words(contestants: Mapping[str, str], outcome: str) -> str:
    if outcome == TIE:
        return "A tie: the answers were equally good."
    if outcome == ALL_BAD:
        return "Both were bad." if len(contestants) == 2 else "All of them were bad."
    return f"{outcome} was best."


def cast(contestants: Mapping[str, str], outcome: str, *, person: str = SINGLE_USER) -> int:
    """Store one person's vote; ``contestants`` maps the blind labels that answered to their models."""
    if len(contestants) < 2:
        raise VoteError("A vote needs at least two answers to choose between.")
    if outcome not in (TIE, ALL_BAD) and outcome not in contestants:
        raise VoteError(f"{outcome} is not one of the answers ({', '.join(contestants)}).")
    with _db() as db:
        return db.insert(
            "INSERT INTO votes (created, contestants, outcome, person) VALUES (?, ?, ?, ?)",
            (datetime.now(UTC).isoformat(timespec="seconds"), json.dumps(dict(contestants)), outcome, person),
        )


def all_votes(*, person: str = SINGLE_USER) -> list[Vote]:
    """The person's votes, in the order they were cast."""
    with _db() as db:
        rows = db.execute("SELECT id, created, contestants, outcome FROM votes WHERE person = ? ORDER BY id", (person,)).fetchall()
    return [Vote(r[0], r[1], json.loads(r[2]), r[3]) for r in rows]


def delete_person(person: str) -> int:
    """Every vote the person cast (their data in a shared database); returns how many."""
    with _db() as db:
        return db.execute("DELETE FROM votes WHERE person = ?", (person,)).rowcount


def pairwise(contestants: Mapping[str, str], outcome: str) -> list[tuple[str, str, float]]:
    """(model a, model b, a's score: 1 win, 0.5 draw) for every pair the vote decided."""
    out: list[tuple[str, str, float]] = []
    if outcome in contestants:
        winner = contestants[outcome]
        out = [(winner, model, 1.0) for label, model in contestants.items() if label != outcome]
    else:
        out = [(a, b, 0.5) for a, b in combinations(contestants.values(), 2)]
    return [(a, b, s) for a, b, s in out if a != b]  # the same model in two slots: no contest


NOT_RANKED = f"{SIMULATOR}/"  # contestants are "provider/model"


def leaderboard(votes: Sequence[Vote]) -> list[Standing]:
    """Every model that took part in a vote, best Elo first."""
    elo: dict[str, float] = {}
    tally: dict[str, list[int]] = {}  # model → [battles, wins, ties, losses]
    for vote in votes:
        for a, b, score in pairwise(vote.contestants, vote.outcome):
            if a.startswith(NOT_RANKED) or b.startswith(NOT_RANKED):
                continue  # the QA simulator is no model: it never counts in the leaderboard
            ra, rb = elo.setdefault(a, ELO_START), elo.setdefault(b, ELO_START)
            expected = 1.0 / (1.0 + 10 ** ((rb - ra) / 400.0))
            elo[a] = ra + ELO_K * (score - expected)
            elo[b] = rb - ELO_K * (score - expected)
            for model, mine in ((a, score), (b, 1.0 - score)):
                t = tally.setdefault(model, [0, 0, 0, 0])
                t[0] += 1
                t[1 if mine == 1.0 else 2 if mine == 0.5 else 3] += 1
    standings = [Standing(m, t[0], t[1], t[2], t[3], round(elo[m], 1)) for m, t in tally.items()]
    return sorted(standings, key=lambda s: (-s.elo, -s.win_rate, s.model))
