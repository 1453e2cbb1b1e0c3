"""Task routing for the Council: which kind of question this is (by transparent keyword rules the
page shows), and which models sit on the council for it (by the registry's strengths, what is
reachable today, and the mode). No Streamlit, no network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from adapters import PROVIDERS, Attachment, spec_for
from adapters.roles import BUNDLED, SIMULATOR
from council.facts import capabilities
from council.facts.registry import InvalidModelIdError, ModelEntry, Status, validate_model_id

TASK_TYPES = ("reasoning", "creative", "fact-checking", "code", "summarization", "research", "general")
MODES = {  # how many members, and what the choice favours
    "fast": (2, "two members, the quickest and cheapest that suit the task"),
    "balanced": (3, "three members that suit the task, from different providers where possible"),
    "best": (4, "four members, the strongest that suit the task (larger context, served today)"),
}
LOCAL = BUNDLED
LOCAL_MODEL = spec_for(LOCAL).default_model
SIMULATOR_MODEL = spec_for(SIMULATOR).default_model  # the QA simulator's seats: every council path, no quota


@dataclass(frozen=True)
class Rule:
    task: str
    pattern: re.Pattern[str]
    says: str  # the rule in plain words, as the page shows it


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")", re.I)


# Checked in this order; the task with the most matching rules wins, ties go to the earlier task.
RULES: tuple[Rule, ...] = (
    Rule("code", re.compile(r"```|\bdef |\bclass |\w+\(\)|;\s*$", re.M), "contains code"),
    Rule(
        "code",
        _words("code", "function", "bug", "debug", "python", "javascript", "typescript", "sql", "regex", "compile", "refactor", "api"),
        "mentions programming",
    ),
    Rule(
        "summarization", _words("summari[sz]e", "summary", "tl;?dr", "key points", "in short", "condense", "shorten"), "asks for a summary"
    ),
    Rule(
        "fact-checking",
        _words("is it true", "true or false", "fact", "verify", "check whether", "did .{1,40} really", "myth", "accurate"),
        "asks whether a claim is true",
    ),
    Rule(
        "creative",
        _words("poem", "story", "song", "haiku", "slogan", "imagine", "creative", "fiction", "lyrics", "joke", "write a"),
        "asks for creative writing",
    ),
    Rule(
        "research",
        _words("research", "sources", "studies", "literature", "evidence", "pros and cons", "compare", "overview of", "state of the art"),
        "asks for research or a comparison",
    ),
    Rule(
        "reasoning",
        _words("why", "how many", "calculate", "solve", "prove", "logic", "step by step", "puzzle", "explain how", "what if"),
        "asks for reasoning",
    ),
    Rule("reasoning", re.compile(r"\d+\s*[-+*/x×^]\s*\d+"), "contains arithmetic"),
)


@dataclass(frozen=True)
class Detection:
    task: str
    reasons: list[str]  # the rules that matched, with the words that matched them

    def explain(self) -> str:
        if not self.reasons:
            return "No rule matched, so the question is treated as general."
        return f"Routed to {self.task} because the question " + "; ".join(self.reasons) + "."


def detect(question: str) -> Detection:
    """The task type of ``question`` by the rules above (ties: the earlier task in RULES)."""
    hits: dict[str, list[str]] = {}
    for rule in RULES:
        found = rule.pattern.search(question)
        if found:
            hits.setdefault(rule.task, []).append(f"{rule.says} (\u201c{found.group(0).strip()}\u201d)")
    if not hits:
        return Detection("general", [])
    order = [r.task for r in RULES]
    task = max(hits, key=lambda t: (len(hits[t]), -order.index(t)))
    return Detection(task, hits[task])


# ---- members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One seat on the council: a model, and for the bundled model a persona and temperature."""

    provider: str
    model: str
    persona: str | None = None  # e.g. "The analyst: careful, step by step"
    temperature: float | None = None

    @property
    def key(self) -> str:
        return f"{self.provider}:{self.model}" + (f" ({self.persona_name})" if self.persona else "")

    @property
    def persona_name(self) -> str:
        return (self.persona or "").split(":", 1)[0]


PERSONAS: tuple[tuple[str, float], ...] = (
    ("The analyst: answer carefully and step by step, and say what you are unsure about.", 0.3),
    ("The storyteller: answer vividly and simply, with an example.", 0.9),
    ("The skeptic: question the assumptions, then give the most defensible answer.", 0.6),
    ("The teacher: explain it as you would to a curious student, in plain words.", 0.5),
)
CHAIR_PERSONA = ("The chair: weigh the council's answers and reviews and write the best single answer.", 0.3)


def offline_members(count: int, provider: str = LOCAL, model: str = LOCAL_MODEL) -> list[Member]:
    """Members on one in-process model (the bundled one, or the QA simulator), told apart by a
    labelled persona and temperature."""
    return [Member(provider, model, persona, temp) for persona, temp in PERSONAS[: max(1, min(count, len(PERSONAS)))]]


def offline_chair(provider: str = LOCAL, model: str = LOCAL_MODEL) -> Member:
    return Member(provider, model, *CHAIR_PERSONA)


def member_from_key(key: str) -> Member:
    """A seat back from its key (``provider:model``, or ``provider:model (The analyst)`` for a persona seat);
    raises ValueError for a key that is neither."""
    base, _, rest = key.partition(" (")
    member = parse_member(base)
    if not rest:
        return member
    name = rest.rstrip(")")
    for persona, temperature in (*PERSONAS, CHAIR_PERSONA):
        if persona.split(":", 1)[0] == name:
            return Member(member.provider, member.model, persona, temperature)
    raise ValueError(f"\u201c{name[:40]}\u201d is not a persona the council knows.")


def seat_from(entry: dict) -> Member:
    """A seat back from a transcript's ``members`` (or ``chairman``) entry: provider, model and persona name."""
    persona = entry.get("persona")
    return member_from_key(f"{entry.get('provider', '')}:{entry.get('model', '')}" + (f" ({persona})" if persona else ""))


def _score(entry: ModelEntry, task: str, mode: str) -> tuple:
    fits = 2 if task in entry.strengths else 1 if "general" in entry.strengths else 0
    served = 1 if entry.status == Status.SERVED else 0
    price = (entry.price_in_per_m or 0.0) + (entry.price_out_per_m or 0.0)
    context = entry.context_window or 0
    if mode == "fast":
        return (fits, served, -price, -context)
    if mode == "best":
        return (fits, served, context, len(entry.strengths))
    return (fits, served, len(entry.strengths), -price)


@dataclass(frozen=True)
class Plan:
    members: list[Member]
    chairman: Member
    offline: bool  # every seat is the bundled model
    why: str  # how the members were chosen, in plain words


def choose(task: str, mode: str, candidates: Sequence[ModelEntry]) -> Plan:
    """Members for ``task`` in ``mode`` from ``candidates`` (chat models reachable today, not retired):
    best fit first, one per provider before a second from the same one; the chairman is the best
    fit overall. With fewer than two candidates the council sits on the bundled model."""
    count = MODES.get(mode, MODES["balanced"])[0]
    usable = [c for c in candidates if c.task == "chat" and c.status != Status.NOT_SERVED and c.provider != LOCAL]
    if len(usable) < 2:
        members = offline_members(min(count, len(PERSONAS)))
        return Plan(
            members,
            offline_chair(),
            True,
            "No two remote models are reachable (no token, quota used up, or none served), so the council sits on the "
            "bundled model: each member is the same small model with its own persona and temperature, answering in turn.",
        )
    ranked = sorted(usable, key=lambda e: _score(e, task, mode), reverse=True)
    chosen: list[ModelEntry] = []
    for pass_ in (0, 1):  # first one per provider, then fill
        for entry in ranked:
            if len(chosen) == count:
                break
            if entry in chosen or (pass_ == 0 and any(c.provider == entry.provider for c in chosen)):
                continue
            chosen.append(entry)
    chairman = ranked[0]
    why = (
        f"{mode.capitalize()} mode: {MODES.get(mode, MODES['balanced'])[1]}. Chosen from {len(usable)} reachable chat models by "
        f"their strengths for {task}; {chairman.model_id} chairs as the best fit."
    )
    return Plan([Member(e.provider, e.model_id) for e in chosen], Member(chairman.provider, chairman.model_id), False, why)


def able_to_see(candidates: Sequence[ModelEntry], files: Sequence[Attachment]) -> list[ModelEntry]:
    """With an image among ``files``, only the candidates not known to read text only (nothing known: kept,
    and the answer says); without one, all of them."""
    if not any(a.kind == "image" for a in files):
        return list(candidates)
    return [e for e in candidates if capabilities.reads(e.provider, e.model_id).images is not False]


def blind_seats(seats: Sequence[Member], files: Sequence[Attachment]) -> list[str]:
    """The seats known to read text only, when an image is attached (each model once)."""
    if not any(a.kind == "image" for a in files):
        return []
    models = dict.fromkeys((m.provider, m.model) for m in seats)  # a model seated with several personas, once
    return [model for provider, model in models if capabilities.reads(provider, model).images is False]


def parse_member(text: str) -> Member:
    """``provider:model`` split on the first colon only (``huggingface:org/x:groq``, ``ollama:llama3.2:latest``)."""
    shown = text if len(text) <= 80 else text[:80] + "\u2026"
    provider, sep, model = text.partition(":")
    provider = provider.strip()
    if not sep or not provider or not model:
        raise ValueError(f"\u201c{shown}\u201d is not provider:model (for example huggingface:openai/gpt-oss-20b).")
    if provider not in PROVIDERS:
        raise ValueError(f"\u201c{provider[:40]}\u201d is not a provider the app knows: use one of {', '.join(sorted(PROVIDERS))}.")
    try:
        return Member(provider, validate_model_id(provider, model))
    except InvalidModelIdError as exc:  # a path, a URL, spaces…: never sent anywhere
        raise ValueError(f"The model in \u201c{shown}\u201d is refused: {exc}") from None


def members_from(texts: Iterable[str]) -> list[Member]:
    return [parse_member(t) for t in texts if t.strip()]


def reachable(connection, quota_overrides=None, lives=None, capped: Iterable[str] = ()) -> list[ModelEntry]:
    """Chat models the council may seat today: the provider is configured (token present), its quota
    is not used up, no cap on the host's shared key stops this person (``capped``), and the model is not
    known to be retired. A ledger that cannot be read counts no quota as used up."""
    from council.facts import availability, quotas
    from council.runs import providers
    from council.storage import database, usage

    configured = set(providers.configured_providers(connection)) - {LOCAL}
    out = []
    exhausted = set(capped)
    for provider in configured:
        quota = quotas.effective(provider, quota_overrides or {})
        if not (quota.requests_per_day or quota.usd_per_month):
            continue
        try:
            if quotas.state(provider, quota, usage.ledger()).level == "exhausted":
                exhausted.add(provider)
        except database.errors():
            pass
    for item in availability.registry_today(lives or {}):
        if item.entry.provider in configured - exhausted and item.status != Status.NOT_SERVED and item.entry.task == "chat":
            out.append(item.entry)
    return out
