"""Getting started: the setup checklist's steps, their live checks, and progress kept in the data
folder (which steps are done or skipped, and dates — never a token). No Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from adapters import GenerationParams, Message
from adapters import errors as err
from council.runs import providers, service
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings, env_token
from council.storage import database, history
from council.storage.setup_progress import PROGRESS_FILE, dismiss_hint, load, mark

__all__ = [
    "PROGRESS_FILE",
    "STEPS",
    "Step",
    "counts",
    "dismiss_hint",
    "live_checks",
    "load",
    "mark",
    "status",
    "still_open",
    "try_model",
]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    optional: bool = False


STEPS: tuple[Step, ...] = (
    Step("bundled", "The bundled model answers"),
    Step("token", f"Get a {providers.label(providers.STARTER)} token"),
    Step("verified", "Paste it in Settings and verify it"),
    Step("saved", "Save it to .env for next time", optional=True),
    Step("router", f"A {providers.label(providers.STARTER)} model answers"),
    Step("others", "Other providers", optional=True),
    Step("compare", "A first comparison"),
    Step("council", "A first council"),
)
BY_ID = {s.id: s for s in STEPS}


def live_checks(connection: providers.Connection, verified: Mapping[str, dict]) -> dict[str, bool]:
    """What can be seen right now, without sending anything."""
    try:
        kinds = history.kinds(person=connection.person)
    except database.errors():  # the store is away (its banner says so): nothing saved can be seen
        kinds = set()
    starter = providers.STARTER
    has_token = providers.is_configured(starter, connection)
    remote = [p for p in providers.configured_providers(connection) if p not in (providers.BUNDLED, starter)]
    return {
        "token": has_token,
        "verified": bool((verified.get(starter) or {}).get("ok")),
        "saved": env_token(starter) is not None,
        "others": any((verified.get(p) or {}).get("ok") for p in remote),
        "compare": "compare" in kinds,
        "council": "council" in kinds,
    }


def status(connection: providers.Connection, verified: Mapping[str, dict]) -> dict[str, str]:
    """Each step: ``done``, ``skipped`` or ``open`` (a live check or a remembered success counts as done)."""
    progress = load()
    live = live_checks(connection, verified)
    out = {}
    for step in STEPS:
        if live.get(step.id) or step.id in progress["done"]:
            out[step.id] = "done"
        elif step.id in progress["skipped"]:
            out[step.id] = "skipped"
        else:
            out[step.id] = "open"
    return out


def still_open(states: Mapping[str, str], at_most: int = 3) -> str:
    """The open steps in words, for a hint ("a first comparison, a first council"), at most ``at_most``."""
    titles = [BY_ID[s].title[0].lower() + BY_ID[s].title[1:] for s, state in states.items() if state == "open" and s in BY_ID]
    return ", ".join(titles[:at_most]) + ("\u2026" if len(titles) > at_most else "")


def counts(states: Mapping[str, str]) -> tuple[int, int]:
    """(steps done or skipped, all steps)."""
    return sum(1 for s in states.values() if s != "open"), len(STEPS)


async def try_model(provider: str, model: str, connection: providers.Connection, prompt: str = "Say hello in five words.") -> str:
    """Ask one short question (the checklist's Do-it); returns the answer or raises a typed error.
    The request goes to the usage ledger like any other."""
    targets = service.plan(provider, model, [Message("user", prompt)], GenerationParams(temperature=0.2, max_new_tokens=24), connection)
    completion = await service.run(targets, RetryLayer(RetrySettings(2, 30.0)), lambda text: None, kind="setup")
    if completion.error is not None:
        raise completion.error
    if not completion.text.strip():
        raise err.ProviderUnavailableError("The model answered with no text.", provider=provider, model=model)
    return completion.text.strip()
