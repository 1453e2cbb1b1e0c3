"""What a council will cost before Run: requests (members, reviewers, chairman), tokens and dollars,
per provider; and the token budget of each stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters import Attachment
from council.facts import capabilities, pricing
from council.runs import attachments
from council.runs.routing import Member


@dataclass(frozen=True)
class Budget:
    """Max new tokens per stage."""

    answer: int = 384
    review: int = 256
    final: int = 512


OFFLINE_BUDGET = Budget(answer=96, review=128, final=224)  # the bundled model answers one request at a time


@dataclass(frozen=True)
class Estimate:
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None  # None when a price is unknown
    by_provider: dict[str, int]  # requests per provider
    cost_by_provider: dict[str, float | None] = field(default_factory=dict)  # USD per provider (None: price unknown)


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def estimate(
    question: str,
    members: Sequence[Member],
    chairman: Member,
    budget: Budget,
    files: Sequence[Attachment] = (),
    *,
    both_orders: bool = True,
) -> Estimate:
    """Requests (members + reviewers + chairman), tokens and cost, before anything is sent. Tokens
    are estimated (about four characters a token) with every answer at its maximum length; each review is
    asked twice (the answers as shown and reversed) when ``both_orders`` and three or more sit; attached files
    go to every request, counted by each provider's rule (an image by its published rule, a PDF as its text
    for a model that does not read PDFs)."""
    n = len(members)
    q = _tokens(question) + 20

    def material(m: Member) -> int:
        pdf = capabilities.reads(m.provider, m.model).pdf if files else False
        return sum(attachments.estimated_tokens(a if pdf else attachments.as_text(a), m.provider) for a in files)

    calls: list[tuple[Member, int, int]] = []
    for m in members:
        calls.append((m, q + material(m) + (_tokens(m.persona or "")), budget.answer))
    passes = 2 if both_orders and n >= 3 else 1  # each review asked in two orders (one answer shown alone has no order)
    for m in members:
        calls += [(m, q + material(m) + 80 + (n - 1) * budget.answer, budget.review)] * passes
    calls.append((chairman, q + material(chairman) + 80 + n * (budget.answer + 10), budget.final))
    cost: float | None = 0.0
    by_provider: dict[str, int] = {}
    cost_by: dict[str, float | None] = {}
    for m, tin, tout in calls:
        by_provider[m.provider] = by_provider.get(m.provider, 0) + 1
        price = pricing.prices(m.provider, m.model)
        one = None if price is None else (tin * price[0] + tout * price[1]) / 1_000_000
        cost = None if cost is None or one is None else cost + one
        before = cost_by.get(m.provider, 0.0)
        cost_by[m.provider] = None if before is None or one is None else before + one
    return Estimate(len(calls), sum(c[1] for c in calls), sum(c[2] for c in calls), cost, by_provider, cost_by)
