"""Compare: one prompt, two to six slots (provider + model + parameters), all answering at once.

No Streamlit here. The page builds one ``SlotRun`` per slot (its targets, its retry layer, and the
callbacks that draw its column) and awaits ``fan_out``: every slot streams concurrently in one
event loop, except the bundled model's slots, which take turns (it serves one generation at a
time). A slot that fails keeps its error; the others carry on. Every attempt goes to the ledger.

The finished comparison is plain data (``record``), from which the exports and the shareable link
are built. None of it ever holds a token.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import random
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields

from adapters import Attachment, GenerationParams, Message, specs
from adapters import errors as err
from adapters.base import TASKS
from council.facts import params as P
from council.facts.registry import InvalidModelIdError, find, validate_model_id
from council.runs import providers, service
from council.runs.records import Answer, Comparison, SlotRecord
from council.runs.resilience import Attribution, RetryLayer, Target
from council.runs.turns import OnText, TurnResult
from council.storage.response_cache import ResponseCache

MIN_SLOTS, MAX_SLOTS = 2, 6
LABELS = "ABCDEF"
SERIAL_PROVIDERS = tuple(s.id for s in specs() if s.serial)  # one generation at a time: its slots take turns
SHARE_PARAM = "c"  # the query parameter that holds a shared comparison
SHARE_MAX_PROMPT = 4000  # characters; longer prompts are shared through the JSON export


@dataclass(frozen=True)
class SlotSpec:
    """What one slot asks: a provider, a model, and its own parameters."""

    provider: str
    model_id: str
    task: str = "chat"
    params: GenerationParams = field(default_factory=GenerationParams)


@dataclass
class SlotRun:
    """One slot ready to go: the model (then any fallbacks), its retry layer, and its column's callbacks."""

    targets: list[Target]
    layer: RetryLayer
    on_text: OnText
    on_queued: Callable[[], Awaitable[None] | None] | None = None  # waiting for the bundled model
    on_done: Callable[[TurnResult], None] | None = None  # this slot finished (the others may still stream)
    cache: ResponseCache | None = None  # answer identical deterministic requests from the response cache
    attribution: Attribution = field(default_factory=Attribution)

    @property
    def serial(self) -> bool:
        return bool(self.targets) and self.targets[0].provider in SERIAL_PROVIDERS


def messages_for(prompt: str, system: str, attachments: Sequence[Attachment] = ()) -> list[Message]:
    """The request every slot is sent: the system prompt, the prompt and what is attached to it."""
    out = [Message("system", system.strip())] if system.strip() else []
    return [*out, Message("user", prompt, tuple(attachments))]


def own_turn(turn: Comparison, index: int, spec: SlotSpec) -> SlotRecord | None:
    """The slot of an earlier prompt that this slot continues: the one in the same place with the same model, else
    the first with the same model (a slot dropped before it moved it); None: the slot is new since."""
    same = [s for s in turn.slots if (s.provider, s.model) == (spec.provider, spec.model_id)]
    here = [s for s in same if s.slot == index + 1]
    return (here or same or [None])[0]


def conversation_for(
    spec: SlotSpec, index: int, earlier: Sequence[Comparison], prompt: str, system: str, attachments: Sequence[Attachment] = ()
) -> list[Message]:
    """What one slot is sent on a follow-up: its own conversation — each earlier prompt with its own answer
    (never another slot's) — then the new prompt. A slot new since an earlier prompt starts where it joined;
    an earlier prompt this slot failed to answer is left out."""
    *head, asked = messages_for(prompt, system, attachments)  # the system prompt, and the new prompt last
    for turn in earlier:
        own = own_turn(turn, index, spec)
        if own is not None and own.answer.text.strip() and own.answer.error is None:
            head += [Message("user", turn.prompt, tuple(turn.attachments)), Message("assistant", own.answer.text)]
    return [*head, asked]


def joined_at(turns: Sequence[Comparison], index: int) -> int | None:
    """For the slot ``index`` of the last prompt: the prompt (from 1) it joined at, when it did not see the first."""
    spec = spec_of(turns[-1].slots[index])
    for n, turn in enumerate(turns[:-1], 1):
        if own_turn(turn, index, spec) is not None:
            return None if n == 1 else n
    return len(turns) if len(turns) > 1 else None


def targets_for(
    spec: SlotSpec,
    connection: providers.Connection,
    messages: list[Message],
    *,
    fallback_order: Sequence[str] = (),
    live: dict[str, list[str]] | None = None,
) -> list[Target]:
    """The slot's own model first, then (when fallbacks are on) the user's fallback order. Raises a typed
    error when the slot's provider cannot be reached as configured, or when its conversation (a follow-up)
    would not fit the model's window — said with how many tokens over, before anything is sent."""
    entry = find(spec.provider, spec.model_id)
    return service.plan(
        spec.provider,
        spec.model_id,
        messages,
        spec.params,
        connection,
        task=spec.task,
        fallback_order=fallback_order,
        live=live,
        context_window=entry.context_window if entry is not None else None,
    )


async def fan_out(runs: Sequence[SlotRun], *, kind: str = "compare") -> list[TurnResult]:
    """Run every slot at once; results in slot order. A failure stays in its slot's result.

    When the run is stopped (the page's script is interrupted), each slot still records what it
    sent in the ledger and closes its connections.
    """
    serial = asyncio.Lock()

    async def answer(run: SlotRun) -> TurnResult:
        return await service.run(run.targets, run.layer, run.on_text, kind=kind, attribution=run.attribution, cache=run.cache)

    async def one(run: SlotRun) -> TurnResult:
        if not run.serial:
            result = await answer(run)
        else:
            try:
                if serial.locked() and run.on_queued is not None:
                    outcome = run.on_queued()
                    if inspect.isawaitable(outcome):
                        await outcome
                async with serial:
                    result = await answer(run)
            finally:
                if not run.attribution.attempts:  # stopped while waiting its turn: nothing was sent
                    for target in run.targets:
                        await target.adapter.aclose()
        if run.on_done is not None:
            run.on_done(result)
        return result

    return list(await asyncio.gather(*(one(run) for run in runs)))


# ---- the finished comparison, as plain data --------------------------------------------------


def blind_order(count: int, rng: random.Random | None = None) -> list[int]:
    """Which slot each blind label shows: ``order[i]`` is the slot under label ``LABELS[i]``."""
    order = list(range(count))
    (rng or random.Random()).shuffle(order)
    return order


def slot_record(index: int, spec: SlotSpec, result: TurnResult) -> SlotRecord:
    """One slot's request and outcome (no token, no exception object)."""
    return SlotRecord(index + 1, spec.provider, spec.model_id, spec.task, P.explicit(spec.params), Answer.from_turn(result))


def failed_record(index: int, spec: SlotSpec, error: err.ProviderError) -> SlotRecord:
    """A slot whose request could not even be sent (a bad base URL, a missing runtime)."""
    answer = Answer.failed(spec.provider, spec.model_id, error)
    return SlotRecord(index + 1, spec.provider, spec.model_id, spec.task, P.explicit(spec.params), answer)


def stopped_record(index: int, spec: SlotSpec, text: str) -> SlotRecord:
    """A slot the user stopped: what had arrived, no metrics."""
    answer = Answer(spec.provider, spec.model_id, text=text, stopped=True)
    return SlotRecord(index + 1, spec.provider, spec.model_id, spec.task, P.explicit(spec.params), answer)


def spec_of(slot: SlotRecord) -> SlotSpec:
    """A slot record back into what to ask."""
    return SlotSpec(slot.provider, slot.model, slot.task or "chat", P.params_from_dict(slot.params))


def record(
    prompt: str,
    system: str,
    slots: list[SlotRecord],
    *,
    blind: bool,
    order: list[int] | None = None,
    attachments: Sequence[Attachment] = (),
) -> Comparison:
    """The whole comparison: what was asked (and attached), of whom, and what came back."""
    return Comparison(prompt, system, list(slots), blind=blind, order=list(order or range(len(slots))), attachments=tuple(attachments))


def label_of(rec: Comparison, slot_index: int) -> str:
    """The label a slot shows: a blind letter, or its slot number."""
    if rec.blind:
        return LABELS[rec.order.index(slot_index)]
    return str(slot_index + 1)


def voteable(rec: Comparison) -> list[str]:
    """Blind labels whose slot answered (failed slots take no part in the vote)."""
    return [LABELS[i] for i, slot in enumerate(rec.order) if rec.slots[slot].answered]


def contestant(slot: SlotRecord) -> str:
    """The model a vote is about: whoever really answered (a fallback, when one did)."""
    provider, model = slot.answered_by
    return f"{provider}/{model}"


# ---- the shareable link ----------------------------------------------------------------------


class ShareError(ValueError):
    """A shared link that cannot be read (plain words, for the page)."""


_PARAM_FIELDS = {f.name for f in fields(GenerationParams)}


def share_value(prompt: str, system: str, specs: Sequence[SlotSpec], *, blind: bool = False, follow_ups: Sequence[str] = ()) -> str:
    """The comparison's slots and prompt for the URL (compressed, URL-safe), with its follow-up prompts in order
    when it had them. Never a token: only what the page's own inputs hold."""
    if max(len(p) for p in (prompt, *follow_ups)) > SHARE_MAX_PROMPT:
        raise ShareError(f"A prompt is longer than {SHARE_MAX_PROMPT:,} characters, too long for a link: share the JSON export instead.")
    payload = {
        "v": 1,
        "prompt": prompt,
        "system": system,
        "blind": blind,
        "slots": [{"provider": s.provider, "model": s.model_id, "task": s.task, "params": P.explicit(s.params)} for s in specs],
    }
    if follow_ups:
        payload["follow_ups"] = list(follow_ups)
    raw = zlib.compress(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(), 9)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass(frozen=True)
class Shared:
    prompt: str
    system: str
    blind: bool
    slots: list[SlotSpec]
    follow_ups: tuple[str, ...] = ()  # the prompts that followed the first, in order


def read_share(value: str) -> Shared:
    """A shared link back into slots and a prompt; every field checked as if typed by hand."""
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), bufsize=1 << 16)
        payload = json.loads(raw)
    except (ValueError, zlib.error) as exc:
        raise ShareError("This link is damaged or incomplete; ask for it again.") from exc
    if not isinstance(payload, dict) or payload.get("v") != 1 or not isinstance(payload.get("slots"), list):
        raise ShareError("This link was made by a different version of the app and cannot be read.")
    known = providers.available_providers()
    slots: list[SlotSpec] = []
    for i, item in enumerate(payload["slots"][:MAX_SLOTS]):
        if not isinstance(item, dict) or item.get("provider") not in known:
            raise ShareError(f"Slot {i + 1} of this link names a provider this app does not know.")
        try:
            model = validate_model_id(item["provider"], str(item.get("model", "")))
        except InvalidModelIdError as exc:
            raise ShareError(f"Slot {i + 1}: {exc}") from exc
        if str(item.get("task") or "chat") not in TASKS:
            raise ShareError(f"Slot {i + 1} of this link names a task this app does not know.")
        try:
            params = P.params_from_dict(item.get("params") if isinstance(item.get("params"), dict) else {})
            spec = SlotSpec(item["provider"], model, str(item.get("task") or "chat"), params)
            entry = find(spec.provider, spec.model_id)
            P.validate_params(spec.params, context_window=entry.context_window if entry else None)
        except P.ParamError as exc:
            raise ShareError(f"Slot {i + 1} of this link has parameters out of range: {' '.join(exc.problems)}") from exc
        except (TypeError, ValueError) as exc:
            raise ShareError(f"Slot {i + 1} of this link has parameters that cannot be read.") from exc
        slots.append(SlotSpec(spec.provider, spec.model_id, str(spec.task), spec.params))
    if len(slots) < MIN_SLOTS:
        raise ShareError("This link holds fewer than two slots.")
    prompt, system = payload.get("prompt", ""), payload.get("system", "")
    if not isinstance(prompt, str) or not isinstance(system, str) or len(prompt) > SHARE_MAX_PROMPT:
        raise ShareError("This link's prompt cannot be read.")
    follow_ups = payload.get("follow_ups") or []
    if not isinstance(follow_ups, list) or not all(isinstance(p, str) and p.strip() and len(p) <= SHARE_MAX_PROMPT for p in follow_ups):
        raise ShareError("This link's follow-up prompts cannot be read.")
    return Shared(prompt, system, bool(payload.get("blind")), slots, tuple(follow_ups[:50]))


def contestant_words(key: str) -> str:
    """A blind vote's contestant ("provider/model") as the app names models everywhere else:
    "QA simulator (no real model) · sim-echo", "Groq · openai/gpt-oss-20b"."""
    provider, _, model = key.partition("/")
    return f"{providers.label(provider)} \u00b7 {model}" if model else key
