"""The council's prompts: each member's answer (with its persona), each anonymous review (the answers it
may rank, under their labels, in its own order), and the chairman's synthesis."""

from __future__ import annotations

from collections.abc import Sequence

from adapters import Message
from council.runs.routing import Member


def member_messages(member: Member, question: str) -> list[Message]:
    system = [Message("system", f"You are {member.persona}")] if member.persona else []
    return [*system, Message("user", question)]


def review_prompt(question: str, order: Sequence[str], answers: dict[str, str]) -> str:
    shown = "\n\n".join(f"Answer {label}:\n{answers[label].strip()}" for label in order)
    return (
        "You are one of several experts reviewing anonymous answers to the same question.\n\n"
        f"Question:\n{question}\n\n{shown}\n\n"
        "Briefly assess each answer for accuracy, completeness and clarity. Then finish with the line\n"
        "FINAL RANKING:\n"
        "followed by a numbered list of the answers from best to worst, one per line, written as\n"
        "1. Answer <label>\n2. Answer <label>"
    )


CHAIR_INSTRUCTIONS = (
    "You chair a council of models. Members answered a question, then ranked each other's answers anonymously "
    "(rank 1 is best). Write the single best final answer to the question: keep the strongest points, correct any "
    "mistakes, and do not mention the council, the reviews or the labels."
)


def chair_messages(chairman: Member, question: str, answers: dict[str, str], aggregate: list[dict]) -> list[Message]:
    """The instructions as the system message; the question, answers and rankings as the user's."""
    ranks = {a["label"]: a for a in aggregate}
    parts = []
    for label, text in answers.items():
        a = ranks.get(label) or {}
        standing = f"average rank {a['avg_rank']:.2f} from {a['votes']} review(s)" if a.get("avg_rank") is not None else "not ranked"
        parts.append(f"Answer {label} ({standing}):\n{text.strip()}")
    system = (f"You are {chairman.persona} " if chairman.persona else "") + CHAIR_INSTRUCTIONS
    user = f"Question:\n{question}\n\n" + "\n\n".join(parts) + "\n\nYour final answer to the question:"
    return [Message("system", system), Message("user", user)]
