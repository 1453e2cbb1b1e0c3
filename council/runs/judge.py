"""The AI judge of a prompt set: a model of the tester's choice scores one answer 1–5 against the rubric
(and the reference answer, when the row has one), with a one-line reason.

It is asked through the same structured output the council's reviews use — a strict JSON schema where
the model takes one, a GBNF grammar on the bundled model (so judging works offline), free text with a
forgiving reader otherwise — and it never sees which model wrote the answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from adapters import Message, OutputFormat
from council.facts import capabilities
from council.facts.capabilities import GRAMMAR, TEXT

DEFAULT_RUBRIC = "Is the answer correct, complete and clear for the question asked? 5 = excellent, 1 = wrong or useless."
REASON_CHARS = 160

SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "integer", "enum": [1, 2, 3, 4, 5]}, "reason": {"type": "string"}},
    "required": ["score", "reason"],
    "additionalProperties": False,
}
# the score first, so an answer cut short still holds it
GRAMMAR_TEXT = (
    'root ::= "{" ws "\\"score\\": " [1-5] "," ws "\\"reason\\": \\"" line "\\"" ws "}"\n'
    f'line ::= [^"\\\\\\n]{{2,{REASON_CHARS}}}\n'
    "ws ::= [ \\n]?\n"
)
# a free-text reply's score, most explicit first: "Score: 4", then "4/5", then a reply that is just the number
_SCORE_IN_TEXT = (
    re.compile(r"score\D{0,12}\b([1-5])\b", re.IGNORECASE),
    re.compile(r"\b([1-5])\s*/\s*5\b"),
    re.compile(r"^\W*([1-5])\b"),
)


@dataclass(frozen=True)
class Verdict:
    score: int  # 1–5
    reason: str
    method: str  # schema, grammar or text

    def to_dict(self) -> dict:
        return {"score": self.score, "reason": self.reason, "method": self.method}


def method_for(provider: str, model: str, live: list | None = None) -> str:
    """How this judge is asked: the structured form its model takes (the council's reviews' rule)."""
    return capabilities.structured_output(provider, model, live or [])


def output_for(method: str) -> OutputFormat | None:
    if method == TEXT:
        return None
    return OutputFormat("judge_score", SCHEMA, GRAMMAR_TEXT if method == GRAMMAR else None)


def messages(question: str, answer: str, rubric: str, expected: str = "", *, method: str = TEXT) -> list[Message]:
    """The judge's request: the question, the answer (no model named), the rubric and the reference."""
    parts = [
        "You are grading one answer to a question. Judge the answer only; you are not told who wrote it.",
        f"Rubric: {rubric.strip() or DEFAULT_RUBRIC}",
        f"Question:\n{question.strip()}",
    ]
    if expected.strip():
        parts.append(f"Reference answer (what a good answer says):\n{expected.strip()}")
    parts.append(f"Answer to grade:\n{answer.strip() or '(empty)'}")
    if method == TEXT:
        parts.append('Reply with one line: "Score: N/5 - reason", where N is 1, 2, 3, 4 or 5.')
    else:
        parts.append(
            "Reply in JSON with the score (1 = wrong or useless, 5 = excellent) and, as the reason, what makes the answer good or bad."
        )
    return [Message("user", "\n\n".join(parts))]


def read(text: str, method: str) -> Verdict | None:
    """The verdict in the judge's reply (None: no score 1–5 could be read)."""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("score"), int) and 1 <= data["score"] <= 5:
        return Verdict(data["score"], str(data.get("reason") or "").strip()[:REASON_CHARS], method)
    found = next((m for m in (pattern.search(text) for pattern in _SCORE_IN_TEXT) if m), None)
    if not found:
        return None
    reason = re.sub(r"^\s*/\s*5", "", text[found.end() :]).strip(' -:.,\n"}') or text.strip()
    return Verdict(int(found.group(1)), reason[:REASON_CHARS], TEXT if data is None else method)
