"""The council's prompts: each member's answer (with its persona), each anonymous review (the answers it
may rank, under their labels, in its own order), and the chairman's synthesis.

Written for the smallest model that sits on a council (the bundled 135M one): short, the material
first and the instruction last, nothing it could mistake for the answer's opening. A chairman that
still recites its prompt is caught by ``echoes_prompt`` and asked again, more plainly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from adapters import Message
from council.runs.routing import Member

ANSWER_CHARS = 1200  # how much of each answer a reviewer or the chairman is shown
CHAIR_INSTRUCTION = "Using the best points of these answers, write one clear, correct answer to the question:"


@dataclass(frozen=True)
class Earlier:
    """A round before this one, as a seat sees it: the question, its own answer (empty: it gave none) and the
    council's final answer."""

    question: str
    own: str
    final: str


def member_messages(member: Member, question: str, earlier: Sequence[Earlier] = ()) -> list[Message]:
    """A member's request: its persona, then — on a follow-up — each earlier question with its own answer
    and the council's final answer, then the question."""
    system = [Message("system", f"You are {member.persona}")] if member.persona else []
    messages, said = [], ""
    for r in earlier:
        messages += [Message("user", said + r.question), Message("assistant", r.own.strip() or "(I gave no answer.)")]
        said = f"The council's final answer to that was:\n{r.final.strip()[:ANSWER_CHARS]}\n\nNext question: "
    return [*system, *messages, Message("user", said + question if earlier else question)]


def asked(question: str, earlier: Sequence[Earlier] = ()) -> str:
    """The question as a reviewer or the chairman reads it: on a follow-up, with what it follows."""
    if not earlier:
        return question
    last = earlier[-1]
    return (
        f"(A follow-up. The earlier question was: {last.question.strip()[:ANSWER_CHARS]}\n"
        f"The council answered: {last.final.strip()[:ANSWER_CHARS]})\n\n{question}"
    )


def _shown(order: Sequence[str], answers: dict[str, str]) -> str:
    return "\n\n".join(f"Answer {label}:\n{answers[label].strip()[:ANSWER_CHARS]}" for label in order)


def review_prompt(question: str, order: Sequence[str], answers: dict[str, str]) -> str:
    """A review in free text, for models that cannot be asked for structured output."""
    return (
        "You are one of several experts reviewing anonymous answers to the same question.\n\n"
        f"Question:\n{question}\n\n{_shown(order, answers)}\n\n"
        "Briefly assess each answer for accuracy, completeness and clarity. Then finish with the line\n"
        "FINAL RANKING:\n"
        "followed by a numbered list of the answers from best to worst, one per line, written as\n"
        "1. Answer <label>\n2. Answer <label>"
    )


def structured_review_prompt(question: str, order: Sequence[str], answers: dict[str, str]) -> str:
    """A review whose form a schema or grammar enforces: the material first, one plain instruction last."""
    labels = ", ".join(order)
    return (
        f"Question: {question}\n\n{_shown(order, answers)}\n\n"
        f"Rank answers {labels} from best to worst for accuracy and clarity, and give each a one-line reason."
    )


def chair_messages(
    chairman: Member,
    question: str,
    answers: dict[str, str],
    aggregate: list[dict],
    reasons: dict[str, list[str]] | None = None,
) -> list[Message]:
    """The answers best-ranked first, what the reviewers said of each, then the one instruction."""
    order = [a["label"] for a in aggregate if a["label"] in answers] + [
        label for label in answers if label not in {a["label"] for a in aggregate}
    ]
    ranks = {a["label"]: a for a in aggregate}
    parts = []
    for position, label in enumerate(order, 1):
        a = ranks.get(label) or {}
        standing = f"ranked {a['avg_rank']:.1f} on average" if a.get("avg_rank") is not None else "not ranked"
        said = "; ".join((reasons or {}).get(label, [])[:3])
        parts.append(
            f"Answer {position} ({standing}):\n{answers[label].strip()[:ANSWER_CHARS]}" + (f"\nReviewers said: {said}" if said else "")
        )
    system = [Message("system", f"You are {chairman.persona}")] if chairman.persona else []
    user = f"Question: {question}\n\n" + "\n\n".join(parts) + f"\n\n{CHAIR_INSTRUCTION} {question}"
    return [*system, Message("user", user)]


def plain_chair_messages(question: str, best: str) -> list[Message]:
    """The second try, for a chairman that recited its prompt: notes as the system message, the
    question alone as the user's — the form a small model follows best."""
    return [Message("system", f"Notes: {best.strip()[:ANSWER_CHARS]}"), Message("user", question)]


_PROMPT_WORDS = re.compile(
    r"\b(?:answers? [A-F1-6]\b|ranked \d|reviewers? said|final answer|the council|chair(?:man)?\b|rank (?:these|the) answers|"
    r"using the best points)",
    re.I,
)


def echoes_prompt(text: str, quoted: Sequence[str] = ()) -> bool:
    """Does a final answer recite its instructions or labels instead of answering? True for text that
    names the labels or the council's words, repeats a run of the instruction or one of the ``quoted``
    lines it was shown (the reviewers' reasons), starts like a prompt, or is empty or only an opening
    ("The answer to this question is:")."""
    body = text.strip()
    if any(len(q) >= 24 and q.strip() in body for q in quoted):
        return True
    if not body or body.endswith(":"):  # nothing, or only the opening of an answer ("The answer is:")
        return True
    if _PROMPT_WORDS.search(body) or re.match(r"(?i)(you are|question:|notes:|instructions?:)", body):
        return True
    words = re.findall(r"[a-z']+", CHAIR_INSTRUCTION.lower())
    said = " ".join(re.findall(r"[a-z']+", body.lower()))
    return any(" ".join(words[i : i + 5]) in said for i in range(len(words) - 4))
