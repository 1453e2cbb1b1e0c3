"""Ranking maths for the council's reviews: reading a ranking out of a review, each reviewer's shuffled
order, the aggregate (average rank and first-place votes) and the reviewers' agreement (Kendall tau)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from itertools import combinations
from statistics import mean

_HEADER = re.compile(r"final\s+ranking\s*:?", re.I)
_NUMBERED = re.compile(r"^\s*(?:\d+[.):]|#\d+|[-*])\s*(?:\*\*)?\s*(?:answer|response)?\s*\(?([A-Z])\)?\b", re.I | re.M)
_MENTION = re.compile(r"\b(?:answer|response)\s+([A-Z])\b", re.I)


def parse_ranking(text: str, allowed: Sequence[str]) -> tuple[list[str], bool]:
    """The labels a review ranked, best first, and whether a ranking was found.

    In order of trust: the numbered list (or failing that the "Answer X" mentions) after the last
    ``FINAL RANKING`` header; else the last numbered list of labels anywhere. Prose without either
    is not guessed at. Unknown labels and repeats are dropped.
    """
    allowed_set = {a.upper() for a in allowed}

    def clean(labels: list[str]) -> list[str]:
        out: list[str] = []
        for label in (x.upper() for x in labels):
            if label in allowed_set and label not in out:
                out.append(label)
        return out

    headers = list(_HEADER.finditer(text))
    if headers:
        tail = text[headers[-1].end() :]
        ranking = clean(_NUMBERED.findall(tail)) or clean(_MENTION.findall(tail))
        if ranking:
            return ranking, True
    blocks = re.split(r"\n\s*\n", text)
    for block in reversed(blocks):
        ranking = clean(_NUMBERED.findall(block))
        if len(ranking) >= min(2, len(allowed_set)):
            return ranking, True
    return [], False


def kendall_tau(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Kendall's tau between two rankings over the items both ranked (None with fewer than two)."""
    common = [x for x in a if x in b]
    if len(common) < 2:
        return None
    pos_b = {x: i for i, x in enumerate(b)}
    pos_a = {x: i for i, x in enumerate(a)}
    score = 0
    for x, y in combinations(common, 2):
        score += 1 if (pos_a[x] - pos_a[y]) * (pos_b[x] - pos_b[y]) > 0 else -1
    return score / (len(common) * (len(common) - 1) / 2)


def aggregate(seats: Sequence[tuple[str, str, str]], reviews: Sequence[dict]) -> list[dict]:
    """Each member's average rank among the parsed reviews and how many ranked it (``avg_rank``
    None with no votes), best first. ``seats``: (label, provider, model)."""
    out = []
    for label, provider, model in seats:
        ranks = [r["ranking"].index(label) + 1 for r in reviews if r["parsed"] and label in r["ranking"]]
        out.append({"label": label, "provider": provider, "model": model, "avg_rank": mean(ranks) if ranks else None, "votes": len(ranks)})
    return sorted(out, key=lambda a: (a["avg_rank"] is None, a["avg_rank"] or 0.0, a["label"]))


def consensus(reviews: Sequence[dict]) -> float | None:
    """Mean pairwise Kendall tau between parsed reviews (None with fewer than two)."""
    parsed = [r["ranking"] for r in reviews if r["parsed"]]
    if len(parsed) < 2:
        return None
    taus = [t for a, b in combinations(parsed, 2) if (t := kendall_tau(a, b)) is not None]
    return mean(taus) if taus else None


def review_orders(labels: Sequence[str], rng: random.Random) -> dict[str, list[str]]:
    """For each reviewer, the others' labels in an order shuffled for it alone (its own left out)."""
    orders = {}
    for reviewer in labels:
        others = [x for x in labels if x != reviewer]
        rng.shuffle(others)
        orders[reviewer] = others
    return orders
