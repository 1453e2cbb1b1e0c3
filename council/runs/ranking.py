"""Ranking maths for the council's reviews: reading a ranking out of a review (structured: a JSON schema or
a grammar; or free text), each reviewer's shuffled order, the aggregate (average rank and votes) and the
reviewers' agreement (leave-one-out Kendall tau, which works with three members; pairwise tau kept)."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from itertools import combinations, pairwise, permutations
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


def kendall_tau(a: Sequence[str] | Mapping[str, float], b: Sequence[str] | Mapping[str, float]) -> float | None:
    """Kendall's tau between two rankings (best first) or two sets of places (label → place, 1 = best) over
    the items both placed: each pair +1 in the same order, −1 reversed, 0 where either tied it (None with
    fewer than two in common)."""
    pos_a, pos_b = _places(a), _places(b)
    common = [x for x in pos_a if x in pos_b]
    if len(common) < 2:
        return None
    score = 0
    for x, y in combinations(common, 2):
        d = (pos_a[x] - pos_a[y]) * (pos_b[x] - pos_b[y])
        score += (d > 0) - (d < 0)
    return score / (len(common) * (len(common) - 1) / 2)


def _places(ranked: Sequence[str] | Mapping[str, float]) -> dict[str, float]:
    return dict(ranked) if isinstance(ranked, Mapping) else {label: i + 1.0 for i, label in enumerate(ranked)}


def passes(review: dict) -> list[dict]:
    """Each order a review was asked in, first as shown: ``{order, ranking, parsed}``. From the contract's
    ``orders`` and ``rankings`` (an empty ranking: that order's review could not be read); a review stored
    before those fields: its own ``order`` and ``ranking``, then its ``swap``'s."""
    orders, rankings = review.get("orders"), review.get("rankings")
    if isinstance(orders, list) and isinstance(rankings, list) and orders and len(orders) == len(rankings):
        return [{"order": list(o), "ranking": list(r), "parsed": bool(r)} for o, r in zip(orders, rankings, strict=True)]
    out = [{"order": list(review.get("order") or []), "ranking": list(review.get("ranking") or []), "parsed": bool(review.get("parsed"))}]
    swap = review.get("swap")
    if isinstance(swap, dict):
        out.append({"order": list(swap.get("order") or []), "ranking": list(swap.get("ranking") or []), "parsed": bool(swap.get("parsed"))})
    return out


def positions(review: dict) -> dict[str, float]:
    """Where a review put each answer (1 = best). A review asked in both orders (the answers as shown, then
    reversed) keeps only what both orders agree on: each answer's mean place over the two, so a reviewer
    that favours whatever it reads first ties everything (no net preference) — the swap MT-Bench and
    Arena-Hard use against position bias. An order whose review could not be read leaves the other's places."""
    read = [_places(p["ranking"]) for p in passes(review) if p["parsed"]]
    if not read:
        return {}
    if len(read) >= 2 and all(set(r) == set(read[0]) for r in read):
        return {label: mean(r[label] for r in read) for label in read[0]}
    return read[0]


def kept_ranking(review: dict) -> list[str]:
    """The contract's ``ranking`` of a review asked in several orders: the answers by their places kept
    (``positions``), best first — a permutation of ``order``; answers the orders tie stay in the order first
    shown (``positions`` holds the ties)."""
    places = positions(review)
    shown = passes(review)[0]["order"]
    return sorted(places, key=lambda label: (places[label], shown.index(label) if label in shown else len(shown)))


def ranking_words(review: dict) -> str:
    """A review's ``ranking`` as people read it: "B > A > C", answers its orders tied joined by "=" ("A = B > C":
    asked in both orders, it preferred neither)."""
    places, ranked = positions(review), list(review.get("ranking") or [])
    words = ranked[:1]
    for before, label in pairwise(ranked):
        words += ["=" if places.get(label) == places.get(before) else ">", label]
    return " ".join(words)


def aggregate(seats: Sequence[tuple[str, str, str]], reviews: Sequence[dict]) -> list[dict]:
    """Each member's average place among the parsed reviews (each review's ``positions``) and how many
    ranked it (``avg_rank`` None with no votes), best first. ``seats``: (label, provider, model)."""
    placed = [positions(r) for r in reviews]
    out = []
    for label, provider, model in seats:
        ranks = [p[label] for p in placed if label in p]
        out.append({"label": label, "provider": provider, "model": model, "avg_rank": mean(ranks) if ranks else None, "votes": len(ranks)})
    return sorted(out, key=lambda a: (a["avg_rank"] is None, a["avg_rank"] or 0.0, a["label"]))


def consensus(reviews: Sequence[dict]) -> float | None:
    """Mean pairwise Kendall tau between parsed reviews (None with fewer than two)."""
    parsed = [positions(r) for r in reviews if r.get("parsed")]
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


# ---- structured reviews (a JSON schema, or a grammar for the bundled model) -------------------

REASON_CHARS = 60  # one short line per answer
_RANKING_IN_TEXT = re.compile(r'"ranking"\s*:\s*\[([^\]]*)\]')


def review_schema(order: Sequence[str]) -> dict:
    """A strict JSON Schema for a review of the answers ``order`` names: the ranking (labels, best
    first) and one short reason per answer. Strict mode: every property required, no others."""
    labels = list(order)
    return {
        "type": "object",
        "properties": {
            "ranking": {"type": "array", "items": {"type": "string", "enum": labels}},
            "reasons": {
                "type": "object",
                "properties": {label: {"type": "string"} for label in labels},
                "required": labels,
                "additionalProperties": False,
            },
        },
        "required": ["ranking", "reasons"],
        "additionalProperties": False,
    }


def review_grammar(order: Sequence[str]) -> str:
    """A GBNF grammar admitting only ``{"ranking": [a permutation of the labels shown], "reasons":
    {label: "one line", …}}`` — what a JSON schema through llama-cpp-python cannot force (it would
    allow repeats or a missing label). The ranking comes first, so a cut answer still holds it."""
    labels = list(order)
    quoted = {label: f'"\\"{label}\\""' for label in labels}
    orders = [' ", " '.join(quoted[x] for x in perm) for perm in permutations(labels)]
    ranking = " | ".join(f'"[" {o} "]"' for o in orders)
    reasons = ' "," ws '.join(f'"\\"{label}\\": \\"" line "\\""' for label in labels)
    return (
        f'root ::= "{{" ws "\\"ranking\\": " ranking "," ws "\\"reasons\\": {{" ws {reasons} ws "}}" ws "}}"\n'
        f"ranking ::= {ranking}\n"
        f'line ::= [^"\\\\\\n]{{2,{REASON_CHARS}}}\n'
        "ws ::= [ \\n]?\n"
    )


def read_review(text: str, order: Sequence[str]) -> tuple[list[str], dict[str, str], bool]:
    """(ranking best first, reasons by label, parsed) from a structured review. Parsed only when the
    ranking is a permutation of what the reviewer saw; reasons are kept for the labels it saw."""
    labels = list(order)
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        ranking = data.get("ranking")
        reasons = data.get("reasons") if isinstance(data.get("reasons"), dict) else {}
    else:  # cut or garbled: the ranking array alone may still be whole
        found = _RANKING_IN_TEXT.search(text)
        ranking = re.findall(r'"([A-Z])"', found.group(1)) if found else None
        reasons = {}
    clean_reasons = {str(k): " ".join(str(v).split())[:200] for k, v in reasons.items() if k in labels and isinstance(v, str) and v.strip()}
    if isinstance(ranking, list) and sorted(str(x) for x in ranking) == sorted(labels):
        return [str(x) for x in ranking], clean_reasons, True
    return [], clean_reasons, False


# ---- how much the reviewers agree --------------------------------------------------------------

AGREEMENT_EXPLAINED = (
    "How closely each reviewer's ranking matches what the other reviewers said about the same answers "
    "(+1 the same order, 0 unrelated, \u22121 reversed), averaged over the reviewers."
)


def agreement(reviews: Sequence[dict]) -> dict | None:
    """Each parsed review against the leave-one-out aggregate — the average ranks the *other* reviews
    gave the answers this reviewer saw — as Kendall's tau; the mean of those is the council's
    agreement. Unlike pairwise tau it is defined with three members, where no two reviewers rank the
    same pair (each leaves out its own answer). None when no review can be compared."""
    parsed = [r for r in reviews if r.get("parsed")]
    placed = {id(r): positions(r) for r in parsed}
    per: dict[str, float] = {}
    for review in parsed:
        others = [r for r in parsed if r is not review]
        ranks: dict[str, list[float]] = {}
        for other in others:
            for label, place in placed[id(other)].items():
                ranks.setdefault(label, []).append(place)
        mine = placed[id(review)]
        seen = [label for label in review["ranking"] if label in ranks]
        if len(seen) < 2:
            continue
        # tau-b-like: each pair counts +1 (same order), -1 (reversed) or 0 (this reviewer or the others tied it)
        score = 0.0
        for x, y in combinations(seen, 2):
            own = mine[y] - mine[x]
            diff = mean(ranks[y]) - mean(ranks[x])
            score += ((own > 0) - (own < 0)) * ((diff > 0) - (diff < 0))
        per[review["reviewer_label"]] = round(score / (len(seen) * (len(seen) - 1) / 2), 3)
    if not per:
        return None
    return {
        "value": round(mean(per.values()), 3),
        "method": "leave-one-out Kendall tau",
        "per_reviewer": per,
        "pairwise_tau": consensus(reviews),
        "explained": AGREEMENT_EXPLAINED,
    }


def agreement_value(value: object) -> float | None:
    """The number of a transcript's ``consensus``, whichever form it was saved in (a number before)."""
    if isinstance(value, dict):
        value = value.get("value")
    return float(value) if isinstance(value, (int, float)) else None
