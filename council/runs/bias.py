"""How far to trust a council's reviews: position bias, length bias, each reviewer's harshness and
self-preference in one run; and, across the runs in History, a per-model council leaderboard.

Every figure says what it is measured on; with too little to measure, it says so (``None``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from statistics import mean
from typing import Any

from council.runs.ranking import passes, positions


def position_bias(reviews: Sequence[dict]) -> dict[str, Any] | None:
    """Does the answer shown first win more often than chance? Over every parsed single-order review (a
    review asked in both orders counts twice): how often its top choice was the first answer shown, against
    the share chance alone gives (1 / answers shown). With reviews asked in both orders, ``after_swap``: how
    often the answer shown first still wins outright once only what both orders agree on is kept."""
    asked = [(r, passes(r)) for r in reviews]
    shown = [p for _, each in asked for p in each if p["parsed"] and len(p["order"]) >= 2]
    if not shown:  # a reviewer shown one answer has no first place to give
        return None
    first_won = sum(1 for p in shown if p["ranking"][0] == p["order"][0])
    out: dict[str, Any] = {
        "first_shown_won": first_won,
        "reviews": len(shown),
        "share": round(first_won / len(shown), 3),
        "chance": round(mean(1 / len(p["order"]) for p in shown), 3),
    }
    # reviews read in both orders: (the answer first shown, the places both orders kept)
    both = [(each[0]["order"][0], positions(r)) for r, each in asked if sum(p["parsed"] for p in each) >= 2 and len(each[0]["order"]) >= 2]
    if both:
        won = sum(1 for first, p in both if all(p[first] < place for label, place in p.items() if label != first))
        out["after_swap"] = {"first_shown_won": won, "reviews": len(both), "share": round(won / len(both), 3)}
    return out


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def length_bias(stage1: Sequence[dict], aggregate: Sequence[dict]) -> dict[str, Any] | None:
    """Are longer answers ranked better? Kendall's tau between answer length (characters) and the
    council's ranking: +1 the longer the better placed, −1 the shorter, 0 no relation."""
    length = {e["label"]: len(e.get("text") or "") for e in stage1 if not e.get("error")}
    ranked = [a for a in aggregate if a.get("avg_rank") is not None and a["label"] in length]
    if len(ranked) < 3:  # two points always "correlate": not a finding
        return None
    pairs = list(combinations(ranked, 2))
    # better placed = lower average rank; agreement when the longer one is also better placed
    score = sum(_sign(length[a["label"]] - length[b["label"]]) * _sign(b["avg_rank"] - a["avg_rank"]) for a, b in pairs)
    return {"tau": round(score / len(pairs), 3), "answers": len(ranked), "lengths": {a["label"]: length[a["label"]] for a in ranked}}


def harshness(reviews: Sequence[dict], aggregate: Sequence[dict]) -> dict[str, dict[str, Any]]:
    """Where each reviewer put the council's favourite (the best average rank among the answers it
    saw): 1 = first, as the council did; higher = harsher on what the others liked."""
    order = [a["label"] for a in aggregate if a.get("avg_rank") is not None]
    out = {}
    for r in reviews:
        if not r.get("parsed") or len(r.get("ranking") or ()) < 2:
            continue
        favourite = next((label for label in order if label in r["ranking"]), None)
        if favourite is not None:
            place = positions(r)[favourite]
            out[r["reviewer_label"]] = {
                "favourite": favourite,
                "placed": int(place) if place == int(place) else place,
                "of": len(r["ranking"]),
            }
    return out


def self_preference(reviews: Sequence[dict], stage1: Sequence[dict]) -> dict[str, Any]:
    """When the same model sits twice, does it rank its sibling's answer above where the other
    reviewers put it? Per reviewer with a sibling among the answers it saw: the rank it gave the
    sibling and the average rank the others gave it (lower is better)."""
    model_of = {e["label"]: f"{e['provider']}:{e['model']}" for e in stage1}
    if len(set(model_of.values())) <= 1:
        return {"measurable": False, "why": "every member is the same model, so a model's own answers cannot be told from the others'"}
    found = {}
    for r in reviews:
        if not r.get("parsed"):
            continue
        mine = model_of.get(r["reviewer_label"])
        for sibling in (label for label in r["ranking"] if model_of.get(label) == mine):
            others = [positions(o)[sibling] for o in reviews if o is not r and o.get("parsed") and sibling in o["ranking"]]
            if others:
                found[r["reviewer_label"]] = {
                    "sibling": sibling,
                    "own_rank": positions(r)[sibling],
                    "others_rank": round(mean(others), 2),
                }
    if not found:
        return {"measurable": False, "why": "no model sits twice on this council"}
    return {"measurable": True, "by_reviewer": found, "favours_sibling": sum(1 for f in found.values() if f["own_rank"] < f["others_rank"])}


def panel(t: dict) -> dict[str, Any]:
    """Every bias figure of one run (the transcript's ``bias`` field)."""
    return {
        "position": position_bias(t["stage2"]),
        "length": length_bias(t["stage1"], t["aggregate"]),
        "harshness": harshness(t["stage2"], t["aggregate"]),
        "self_preference": self_preference(t["stage2"], t["stage1"]),
    }


def describe(figures: dict[str, Any]) -> list[str]:
    """The bias panel in plain words, one line per figure that could be measured."""
    lines = []
    pos = figures.get("position")
    if pos:
        after = pos.get("after_swap")
        lines.append(
            f"Position: the answer shown first won {pos['first_shown_won']} of {pos['reviews']} "
            f"{'single-order ' if after else ''}reviews ({pos['share']:.0%}; chance alone: {pos['chance']:.0%})."
            + (" Reviewers favour what they read first." if pos["share"] > pos["chance"] + 0.25 else "")
            + (
                f" Asked in both orders and keeping only what both agree on, it won {after['first_shown_won']} of "
                f"{after['reviews']} ({after['share']:.0%}): the council's ranking no longer follows the order."
                if after and after["share"] <= pos["chance"] + 0.25
                else f" Asked in both orders, it still won {after['first_shown_won']} of {after['reviews']} ({after['share']:.0%})."
                if after
                else ""
            )
        )
    length = figures.get("length")
    if length:
        pull = (
            "longer answers were ranked better"
            if length["tau"] > 0.3
            else "shorter answers were ranked better"
            if length["tau"] < -0.3
            else "no clear pull"
        )
        lines.append(f"Length: Kendall tau {length['tau']:+.2f} between answer length and rank ({pull}).")
    harsh = figures.get("harshness") or {}
    if harsh:
        placed = ", ".join(f"{label} put {h['favourite']} {h['placed']} of {h['of']}" for label, h in harsh.items())
        lines.append(f"Harshness (where each reviewer put the council's favourite; 1 = first): {placed}.")
    mine = figures.get("self_preference") or {}
    if mine.get("measurable"):
        ranked = ", ".join(
            f"{label} ranked its sibling {f['sibling']} {f['own_rank']:g} (others: {f['others_rank']:.1f})"
            for label, f in mine["by_reviewer"].items()
        )
        lines.append(f"Self-preference: {ranked}.")
    elif mine:
        lines.append(f"Self-preference: not measurable here ({mine['why']}).")
    return lines


def leaderboard(transcripts: Iterable[dict]) -> list[dict[str, Any]]:
    """Across council runs: per model (provider:model), the runs it sat in, the runs it won (best
    average rank), and its average rank over them; best first. Runs without readable reviews are left out."""
    seen: dict[str, dict[str, Any]] = {}
    for t in transcripts:
        ranked = [a for a in t.get("aggregate") or [] if a.get("avg_rank") is not None]
        if not ranked:
            continue
        best = min(a["avg_rank"] for a in ranked)
        for a in ranked:
            row = seen.setdefault(
                f"{a['provider']}:{a['model']}", {"model": f"{a['provider']}:{a['model']}", "runs": 0, "wins": 0, "ranks": []}
            )
            row["runs"] += 1
            row["wins"] += a["avg_rank"] == best
            row["ranks"].append(a["avg_rank"])
    rows = [{"model": r["model"], "runs": r["runs"], "wins": r["wins"], "avg_rank": round(mean(r["ranks"]), 2)} for r in seen.values()]
    return sorted(rows, key=lambda r: (-r["wins"], r["avg_rank"], r["model"]))
