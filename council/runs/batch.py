"""Running a prompt set across models, with no Streamlit: what a run will ask and cost before it starts,
the run itself (cells concurrently within each provider's limit, every cell stored the moment it lands,
resumable from the store), the judge, the summary per model, and the document DESIGN.md's "Prompt
sets" contract describes.

A cell is one row × one column: its ``Answer`` (the record every flow shares), the judge's verdict and
the tester's own score. Cells are written to ``council.storage.prompt_sets`` as they finish, so nothing
is held in memory but the cells in flight, and a run that stops (Stop, a closed server) resumes with
the cells not written yet — a finished cell is never asked again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters import Attachment, GenerationParams, Message
from adapters import errors as err
from council.facts import params as P
from council.facts import pricing
from council.parameters import SPECS as PARAMETERS
from council.runs import attachments, council_estimate, deliberation, providers, service
from council.runs import judge as J
from council.runs.compare import messages_for
from council.runs.council_estimate import OFFLINE_BUDGET, Budget
from council.runs.prompt_sets import PromptSet, SetError, SetRow
from council.runs.records import Answer, file_from, file_ref, files_from
from council.runs.resilience import RetryLayer
from council.runs.routing import Member
from council.runs.turns import TurnMetrics, error_to_dict, estimated_tokens
from council.settings import RetrySettings
from council.storage import prompt_sets as store
from council.storage.response_cache import ResponseCache, deterministic, key_for

SCHEMA_VERSION = 1
DEFAULT_CONCURRENCY = 4  # per remote provider; the bundled model always answers one request at a time
MAX_COLUMNS = 6
ANSWERED, FAILED = "answered", "failed"


COUNCIL = "council"  # the council as a column: its key in ``models`` is this word


@dataclass(frozen=True)
class Seats:
    """A council column's seats: its mode, members and chairman, as chosen when the run started."""

    mode: str
    members: tuple[Member, ...]
    chairman: Member

    @property
    def offline(self) -> bool:
        return all(providers.in_process(m.provider) for m in (*self.members, self.chairman))

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "members": [dataclasses.asdict(m) for m in self.members], "chairman": dataclasses.asdict(self.chairman)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Seats:
        return cls(data.get("mode") or "balanced", tuple(Member(**m) for m in data.get("members") or []), Member(**data["chairman"]))


@dataclass(frozen=True)
class Column:
    """One model of the run, with its parameters — or the council (``seats``)."""

    provider: str
    model: str
    params: GenerationParams = field(default_factory=GenerationParams)
    task: str = "chat"
    seats: Seats | None = None

    @classmethod
    def council(cls, seats: Seats) -> Column:
        return cls(COUNCIL, seats.mode, seats=seats)

    @property
    def key(self) -> str:
        return COUNCIL if self.seats is not None else f"{self.provider}:{self.model}"

    def to_dict(self) -> dict[str, Any]:
        out = {"provider": self.provider, "model": self.model, "task": self.task, "params": P.explicit(self.params)}
        return out | ({"seats": self.seats.to_dict()} if self.seats is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Column:
        seats = Seats.from_dict(data["seats"]) if data.get("seats") else None
        return cls(data["provider"], data["model"], P.params_from_dict(data.get("params")), data.get("task") or "chat", seats)


@dataclass(frozen=True)
class Plan:
    """What a run asks, frozen when it starts (editing the set later changes no run)."""

    prompt_set: PromptSet
    columns: list[Column]
    judge: Column | None = None
    rubric: str = ""
    concurrency: int = DEFAULT_CONCURRENCY
    files: str = ""  # the folder the rows' attachments are in (the set file's own; the command line sets it)
    shared: tuple[Attachment, ...] = ()  # files that go with every row's prompt (attached on the page)
    named: dict[str, Attachment] = field(default_factory=dict)  # the files the rows name, given on the page, by that name

    def to_dict(self) -> dict[str, Any]:
        out = {
            "set": self.prompt_set.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "judge": self.judge.to_dict() if self.judge else None,
            "rubric": self.rubric,
            "concurrency": self.concurrency,
            "files": self.files,
        }
        if self.shared:  # by content hash: the bytes are kept once, in the file store
            out["shared_files"] = [file_ref(a) for a in self.shared]
        if self.named:
            out["named_files"] = {name: file_ref(a) for name, a in self.named.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], read: Callable[[str], bytes | None] | None = None) -> Plan:
        """A plan back from the store; ``read`` fetches an attached file's bytes by its hash (the file store)."""
        judge = data.get("judge")
        named = data.get("named_files") if isinstance(data.get("named_files"), dict) else {}
        return cls(
            PromptSet.from_dict(data.get("set") or {}),
            [Column.from_dict(c) for c in data.get("columns") or []],
            Column.from_dict(judge) if judge else None,
            data.get("rubric") or "",
            int(data.get("concurrency") or DEFAULT_CONCURRENCY),
            data.get("files") or "",
            files_from({"files": data.get("shared_files") or []}, read),
            {
                str(k): file_from(v, read(v["sha256"]) if read and v.get("sha256") else None)
                for k, v in named.items()
                if isinstance(v, dict)
            },
        )

    @property
    def kept(self) -> tuple[Attachment, ...]:
        """Every file the page gave the run, once each (for the file store)."""
        return tuple({a.sha256 or attachments.digest(a.data): a for a in (*self.shared, *self.named.values()) if a.data}.values())

    @property
    def cells(self) -> int:
        return len(self.prompt_set.rows) * len(self.columns)


def messages_of(row: SetRow, plan: Plan) -> list[Message]:
    """The request of one row, placeholders filled, with the files that go with every row and the row's own
    attachment when it names one (given on the page, or a file in the set's folder)."""
    messages = messages_for(row.filled_prompt, row.filled_system)
    files = row_files(row, plan)
    if files:
        messages[-1] = dataclasses.replace(messages[-1], attachments=files)
    return messages


def row_files(row: SetRow, plan: Plan) -> tuple[Attachment, ...]:
    """What goes with one row's prompt: the set's shared files, then the row's own (raises AttachmentError or
    OSError when a named file cannot be had)."""
    own: tuple[Attachment, ...] = ()
    if row.attachment and row.attachment in plan.named:
        own = (plan.named[row.attachment],)
    elif row.attachment and plan.files:
        own = (attached(plan.files, row.attachment),)
    elif row.attachment:
        raise OSError(f"{row.attachment} was not given")
    gone = [a.name for a in (*plan.shared, *own) if a.kind in ("image", "pdf") and not a.data]
    if gone:
        raise OSError(f"{', '.join(gone)} is no longer kept (deleted with your data?); attach it again and retry")
    return (*plan.shared, *own)


@functools.lru_cache(maxsize=64)
def _prepared(path: str, mtime: float) -> Attachment:
    return attachments.prepare(Path(path).read_bytes(), Path(path).name)


def attached(files: str, name: str) -> Attachment:
    """A row's attachment, made ready once per file (raises AttachmentError or OSError)."""
    path = (Path(files) / name).resolve()
    return _prepared(str(path), path.stat().st_mtime)


def _estimated(row: SetRow, plan: Plan) -> list[Message]:
    """A row's request for the estimate: a file not given yet counts as nothing (Run waits for it)."""
    try:
        return messages_of(row, plan)
    except (OSError, attachments.AttachmentError):
        return messages_for(row.filled_prompt, row.filled_system)


def _unsendable(row: SetRow, exc: Exception) -> err.BadRequestError:
    """A row whose file cannot go with it (gone, changed, not given): its cell fails in words, nothing sent."""
    return err.BadRequestError(f"This row's attachment \u201c{row.attachment}\u201d cannot be sent: {exc}")


def check_attachments(prompt_set: PromptSet, files: str) -> None:
    """Every file the set names exists beside it and can be sent — or SetError naming the row; nothing is sent."""
    for i, row in enumerate(prompt_set.rows, 1):
        if not row.attachment:
            continue
        try:
            attached(files, row.attachment)
        except OSError:
            raise SetError(
                f"Row {i} attaches \u201c{row.attachment}\u201d, which is not a file beside the set. Put it there, or fix the name."
            ) from None
        except attachments.AttachmentError as exc:
            raise SetError(f"Row {i}: {exc}") from None


# ---- before Run -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnEstimate:
    column: Column
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float | None  # None: the price is unknown
    cached: int  # answers the response cache already holds (sent for nothing)


@dataclass(frozen=True)
class Estimate:
    columns: list[ColumnEstimate]
    judge: ColumnEstimate | None = None

    @property
    def all(self) -> list[ColumnEstimate]:
        return [*self.columns, *([self.judge] if self.judge else [])]

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self.all)

    @property
    def cost_usd(self) -> float | None:
        costs = [c.cost_usd for c in self.all]
        return None if any(c is None for c in costs) else sum(costs)  # type: ignore[misc]

    def by_provider(self) -> dict[str, tuple[int, float | None]]:
        """Requests and dollars per provider (a quota is per provider)."""
        out: dict[str, tuple[int, float | None]] = {}
        for c in self.all:
            requests, cost = out.get(c.column.provider, (0, 0.0))
            out[c.column.provider] = (requests + c.requests, None if cost is None or c.cost_usd is None else cost + c.cost_usd)
        return out


def _price(column: Column, tokens_in: int, tokens_out: int) -> float | None:
    price = pricing.prices(column.provider, column.model)
    return None if price is None else (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000


def estimate(plan: Plan, connection: providers.Connection, cache: ResponseCache | None = None) -> Estimate:
    """Requests, tokens (about four characters a token, every answer at its maximum length), dollars and
    the answers already cached, per column, before anything is sent."""
    rows = plan.prompt_set.rows
    out: list[ColumnEstimate] = []
    for column in plan.columns:
        if column.seats is not None:
            out.append(_council_estimate(column, plan))
            continue
        budget = column.params.max_new_tokens or int(PARAMETERS["max_new_tokens"].default)  # unset: the model's own, est. as the table's
        tokens_in = sum(estimated_tokens(_estimated(r, plan), column.provider) for r in rows)
        cached = _cached(column, plan, connection, cache)
        live = len(rows) - cached
        share = live / len(rows) if rows else 0.0
        cost = _price(column, tokens_in, budget * len(rows))
        out.append(ColumnEstimate(column, live, tokens_in, budget * len(rows), None if cost is None else cost * share, cached))
    judged = None
    if plan.judge is not None:
        graded = sum(1 + (len(c.seats.members) if c.seats else 0) for c in plan.columns)  # a council's members are judged too
        answers = sum(c.tokens_out for c in out)
        tokens_in = answers + graded * sum(
            estimated_tokens(_estimated(r, plan), plan.judge.provider) + len(r.expected) // 4 + 120 for r in rows
        )
        n = len(rows) * graded
        judged = ColumnEstimate(plan.judge, n, tokens_in, 60 * n, _price(plan.judge, tokens_in, 60 * n), 0)
    return Estimate(out, judged)


def _council_estimate(column: Column, plan: Plan) -> ColumnEstimate:
    seats = column.seats
    budget = OFFLINE_BUDGET if seats.offline else Budget()
    each = [
        council_estimate.estimate(r.filled_prompt, seats.members, seats.chairman, budget, _estimated(r, plan)[-1].attachments)
        for r in plan.prompt_set.rows
    ]
    costs = [e.cost_usd for e in each]
    cost = None if any(c is None for c in costs) else sum(costs)  # type: ignore[misc]
    return ColumnEstimate(column, sum(e.requests for e in each), sum(e.tokens_in for e in each), sum(e.tokens_out for e in each), cost, 0)


def _cached(column: Column, plan: Plan, connection: providers.Connection, cache: ResponseCache | None) -> int:
    """How many of this column's answers the response cache holds (deterministic settings only)."""
    rows = plan.prompt_set.rows
    if cache is None or not rows or not deterministic(column.params):
        return 0
    try:
        targets = service.plan(column.provider, column.model, messages_of(rows[0], plan), column.params, connection, task=column.task)
    except Exception:  # not reachable as configured: nothing is cached for it either
        return 0
    first = targets[0]  # (an adapter opens its connection on first use: nothing to close here)
    base = str(getattr(first.adapter, "base_url", ""))
    return sum(
        1 for r in rows if cache.get(key_for(first.provider, base, dataclasses.replace(first.request, messages=messages_of(r, plan))))
    )


# ---- a cell -----------------------------------------------------------------------------------------


def cell_body(answer: Answer) -> dict[str, Any]:
    """A cell as the store keeps it: the answer record (with its text), the judge's verdict, the tester's score."""
    return {"answer": answer.to_dict(), "text": answer.text, "judge": None, "human": None}


def cell_answer(body: dict[str, Any]) -> Answer:
    return Answer.from_dict(body.get("answer") or {}, body.get("text") or "")


def cell_status(answer: Answer) -> str:
    return ANSWERED if answer.error is None and answer.text.strip() else FAILED


# ---- the run ----------------------------------------------------------------------------------------


@dataclass
class Progress:
    """What a run has done so far (the page's bar, the command's stderr)."""

    total: int
    done: int = 0
    failed: int = 0


async def execute(
    run_id: int,
    plan: Plan,
    connection: providers.Connection,
    *,
    settings: RetrySettings = RetrySettings(),
    guard: Callable | None = None,
    cache: ResponseCache | None = None,
    stop: threading.Event | None = None,
    only: set[tuple[int, int]] | None = None,
    on_cell: Callable[[int, int, Answer], None] | None = None,
) -> Progress:
    """Ask every cell not written yet (or only ``only``), at once within each provider's limit, writing
    each as it lands; then judge the answered cells the judge has not scored. Returns the progress."""
    rows, columns = plan.prompt_set.rows, plan.columns
    written = store.written(run_id)  # (row, column) → status; no answer is read back into memory
    progress = Progress(len(rows) * len(columns), len(written), sum(1 for status in written.values() if status == FAILED))
    if only is not None:  # chosen cells (a retry), asked again whether written or not
        todo = sorted((r, c) for r, c in only if r < len(rows) and c < len(columns))
    else:
        todo = [(r, c) for r in range(len(rows)) for c in range(len(columns)) if (r, c) not in written]

    def workers(provider: str) -> int:
        """Requests at once for a provider: one council at a time (each fans out to its members itself), the
        bundled model one at a time, a remote provider up to the plan's concurrency."""
        return 1 if provider == COUNCIL or providers.serial(provider) else max(1, plan.concurrency)

    async def ask(r: int, c: int) -> None:
        column = columns[c]
        seen: dict[str, Any] | None = None
        if column.seats is not None:
            answer, seen = await _council_answer(column.seats, rows[r], plan, connection, settings, guard, cache)
        else:
            try:
                messages = messages_of(rows[r], plan)
            except (OSError, attachments.AttachmentError) as exc:  # the file went away (or changed) since the check
                answer = Answer.failed(column.provider, column.model, _unsendable(rows[r], exc))
            else:
                answer = await _answer(column, messages, connection, settings, guard, cache)
        before = written.get((r, c))
        body = cell_body(answer)
        if seen is not None:
            body["council"] = seen
        if before is not None:  # a retried cell keeps the tester's score and note
            body["human"] = (await asyncio.to_thread(store.cell, run_id, r, c) or {}).get("human")
        await asyncio.to_thread(store.put_cell, run_id, r, c, cell_status(answer), body)  # the other cells stream on meanwhile
        if before is None:
            progress.done += 1
        elif before == FAILED:
            progress.failed -= 1
        progress.failed += cell_status(answer) == FAILED
        if on_cell is not None:
            on_cell(r, c, answer)

    # per provider, a few workers take the cells in the set's order: as many coroutines as requests at once,
    # whatever the number of cells (memory stays flat as a set grows)
    queues: dict[str, deque[tuple[int, int]]] = {}
    for r, c in todo:
        queues.setdefault(columns[c].provider, deque()).append((r, c))

    async def worker(queue: deque[tuple[int, int]]) -> None:
        while queue and not (stop is not None and stop.is_set()):
            await ask(*queue.popleft())

    await asyncio.gather(*(worker(queue) for provider, queue in queues.items() for _ in range(workers(provider))))
    if plan.judge is not None and not (stop is not None and stop.is_set()):
        await judge_run(run_id, plan, connection, settings=settings, guard=guard, stop=stop)
    return progress


async def _answer(
    column: Column,
    messages: list[Message],
    connection: providers.Connection,
    settings: RetrySettings,
    guard: Callable | None,
    cache: ResponseCache | None,
    output=None,
) -> Answer:
    try:
        targets = service.plan(column.provider, column.model, messages, column.params, connection, task=column.task, output=output)
    except Exception as exc:  # a bad address, a missing runtime, a prompt longer than the window
        return Answer.failed(column.provider, column.model, providers.as_provider_error(exc))
    layer = RetryLayer(settings, guard=guard)
    result = await service.run(targets, layer, lambda _text: None, kind="batch", cache=cache, ledger_off_loop=True)
    answer = Answer.from_turn(result)
    answer.provider, answer.model = result.provider or column.provider, result.model or column.model
    return answer


async def _council_answer(
    seats: Seats,
    row: SetRow,
    plan: Plan,
    connection: providers.Connection,
    settings: RetrySettings,
    guard: Callable | None,
    cache: ResponseCache | None,
) -> tuple[Answer, dict[str, Any]]:
    """One prompt to the council: its final answer as the cell, and what its members said (for the judge).
    Every member, reviewer and the chairman get the row's files."""
    try:
        files = row_files(row, plan)
    except (OSError, attachments.AttachmentError) as exc:
        return Answer.failed(COUNCIL, seats.mode, _unsendable(row, exc)), {"requests": 0, "members": []}
    ctx = deliberation.Context(connection, settings=settings, guard=guard, cache=cache, rng=random.Random(row.id), attachments=files)
    started = time.perf_counter()
    question = row.filled_prompt if not row.filled_system else f"{row.filled_system}\n\n{row.filled_prompt}"
    t = await deliberation.deliberate(
        question, "general", seats.mode, list(seats.members), seats.chairman, ctx, budget=OFFLINE_BUDGET if seats.offline else Budget()
    )
    answer = Answer(COUNCIL, seats.mode, metrics=TurnMetrics(latency_s=time.perf_counter() - started), cost_usd=t.cost_usd)
    if t.final is not None:
        answer.text, answer.error, answer.finish_reason = t.final.answer.text, t.final.answer.error, t.final.answer.finish_reason
    else:
        answer.error = error_to_dict(err.ProviderUnavailableError(t.note or "The council did not reach a final answer.", provider=COUNCIL))
    members = [
        {"label": s.label, "model": f"{s.answer.provider}:{s.answer.model}", "text": s.answer.text, "latency_s": s.answer.metrics.latency_s}
        for s in t.stage1
        if s.ok
    ]
    return answer, {"requests": t.requests, "members": members}


async def judge_run(
    run_id: int,
    plan: Plan,
    connection: providers.Connection,
    *,
    settings: RetrySettings = RetrySettings(),
    guard: Callable | None = None,
    stop: threading.Event | None = None,
) -> None:
    """The judge scores every answered cell it has not scored yet (one request each, within its provider's limit)."""
    if plan.judge is None:
        return
    method = J.method_for(plan.judge.provider, plan.judge.model)
    params = dataclasses.replace(plan.judge.params, temperature=0.0 if method != J.TEXT else 0.2, max_new_tokens=200)
    judge_column = dataclasses.replace(plan.judge, params=params)
    gate = asyncio.Semaphore(1 if providers.serial(plan.judge.provider) else max(1, plan.concurrency))
    rows = plan.prompt_set.rows

    async def score(r: int, c: int, body: dict[str, Any]) -> None:
        async with gate:
            if stop is not None and stop.is_set():
                return
            row = rows[r]
            asked = J.messages(row.filled_prompt, body.get("text") or "", plan.rubric, row.filled_expected, method=method)
            answer = await _answer(judge_column, asked, connection, settings, guard, None, J.output_for(method))
        body["judge"] = _verdict(answer, method)
        for member in (body.get("council") or {}).get("members") or []:  # the council's own members, for "does it pay off"
            async with gate:
                asked = J.messages(row.filled_prompt, member["text"], plan.rubric, row.filled_expected, method=method)
                member["judge"] = _verdict(
                    await _answer(judge_column, asked, connection, settings, guard, None, J.output_for(method)), method
                )
        store.put_cell(run_id, r, c, ANSWERED, body)

    todo = [
        (r, c, body) for (r, c), body in store.cells(run_id).items() if cell_status(cell_answer(body)) == ANSWERED and not body.get("judge")
    ]
    await asyncio.gather(*(score(r, c, body) for r, c, body in sorted(todo, key=lambda t: (t[0], t[1]))))


def _verdict(answer: Answer, method: str) -> dict[str, Any]:
    verdict = J.read(answer.text, method) if answer.error is None else None
    if verdict is not None:
        return verdict.to_dict()
    return {"score": None, "reason": (answer.error or {}).get("message") or "The judge's reply held no score 1\u20135.", "method": method}


# ---- what a run says --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(plan: Plan, cells: dict[tuple[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per model: answered, failed, median and 95th-percentile latency, total cost, mean judge score."""
    out = []
    for c, column in enumerate(plan.columns):
        mine = [cells[(r, c)] for r in range(len(plan.prompt_set.rows)) if (r, c) in cells]
        answers = [cell_answer(b) for b in mine]
        latencies = [a.metrics.latency_s for a in answers if a.metrics.latency_s is not None and a.error is None]
        costs = [a.cost_usd for a in answers]
        scores = [b["judge"]["score"] for b in mine if (b.get("judge") or {}).get("score")]
        out.append(
            {
                "model": column.key,
                "answered": sum(1 for a in answers if cell_status(a) == ANSWERED),
                "failed": sum(1 for a in answers if cell_status(a) == FAILED),
                "median_latency_s": statistics.median(latencies) if latencies else None,
                "p95_latency_s": _percentile(latencies, 0.95),
                "cost_usd": None if any(x is None for x in costs) else round(sum(costs), 6),  # type: ignore[arg-type]
                "mean_score": round(statistics.mean(scores), 2) if scores else None,
            }
        )
    return out


def cell_document(column: Column, body: dict[str, Any] | None) -> dict[str, Any]:
    """One cell as DESIGN.md's contract writes it."""
    if body is None:
        return {
            "model": column.key,
            "answered_by": None,
            "text": "",
            "error": {"kind": "not_run", "status": None, "message": "Not asked yet."},
        }
    a = cell_answer(body)
    error = dict(a.error) if a.error is not None else None
    if error is None and not a.text.strip():
        error = error_to_dict(err.EmptyAnswerError(provider=a.provider, model=a.model))
    m = a.metrics
    return {
        "model": column.key,
        "answered_by": COUNCIL if a.provider == COUNCIL else f"{a.provider}:{a.model}",
        "text": a.text,
        "error": error,
        "latency_s": m.latency_s,
        "ttft_s": m.ttft_s,
        "prompt_tokens": m.prompt_tokens,
        "completion_tokens": m.completion_tokens,
        "cost_usd": a.cost_usd,
        "cached": bool(a.extra.get("cached")),
        "judge": body.get("judge"),
    }


def document(plan: Plan, cells: dict[tuple[int, int], dict[str, Any]]) -> dict[str, Any]:
    """The run as one JSON document (``python -m council batch --json``; the page's JSON export)."""
    rows = []
    requests = 0
    for r, row in enumerate(plan.prompt_set.rows):
        shown = [cell_document(col, cells.get((r, c))) for c, col in enumerate(plan.columns)]
        files = [a.name for a in plan.shared] + ([row.attachment] if row.attachment else [])
        rows.append({"id": row.id, "prompt": row.filled_prompt, "cells": shown} | ({"files": files} if files else {}))
    for body in cells.values():
        a = cell_answer(body)
        requests += (body.get("council") or {}).get("requests", 0 if a.extra.get("cached") else 1)
    per_model = summary(plan, cells)
    totals = [s["cost_usd"] for s in per_model]
    return {
        "schema_version": SCHEMA_VERSION,
        "set": {"name": plan.prompt_set.name, "rows": len(plan.prompt_set.rows)},
        "models": [c.key for c in plan.columns],
        "judge": plan.judge.key if plan.judge else None,
        "rows": rows,
        "summary": per_model,
        "requests": requests,
        "cost_usd": None if any(t is None for t in totals) else round(sum(totals), 6),  # type: ignore[arg-type]
    }


# ---- the tester's own scores, and two runs side by side ----------------------------------------------

PASS, FAIL = "pass", "fail"


def human_agrees(human: Any, judge_score: int) -> bool:
    """Does the judge's 1–5 agree with the tester's score (pass/fail: 4–5 passes, 1–2 fails; 1–5: within one)?"""
    if human == PASS:
        return judge_score >= 4
    if human == FAIL:
        return judge_score <= 2
    return abs(int(human) - judge_score) <= 1


def agreement(cells: dict[tuple[int, int], dict[str, Any]]) -> tuple[int, int]:
    """(agreed, compared): over the cells both the tester and the judge scored."""
    both = [
        (b["human"]["score"], b["judge"]["score"])
        for b in cells.values()
        if (b.get("human") or {}).get("score") and (b.get("judge") or {}).get("score")
    ]
    return sum(1 for human, score in both if human_agrees(human, score)), len(both)


def regression(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Two runs' documents of the same set, per model both ran: answers that changed, new failures, and the
    score, latency and cost deltas (after − before)."""
    by_id = {row["id"]: row for row in before["rows"]}
    old_summary = {s["model"]: s for s in before["summary"]}
    out = []
    for c, model in enumerate(after["models"]):
        if model not in before["models"]:
            continue
        b = before["models"].index(model)
        changed, new_failures, fixed = [], [], []
        for row in after["rows"]:
            old = by_id.get(row["id"])
            if old is None:
                continue
            was, now = old["cells"][b], row["cells"][c]
            if (was.get("text") or "").strip() != (now.get("text") or "").strip():
                changed.append(row["id"])
            if now.get("error") and not was.get("error"):
                new_failures.append(row["id"])
            if was.get("error") and not now.get("error"):
                fixed.append(row["id"])
        s_old, s_new = old_summary[model], next(s for s in after["summary"] if s["model"] == model)

        def delta(key: str, s_old=s_old, s_new=s_new) -> float | None:
            return None if s_old[key] is None or s_new[key] is None else round(s_new[key] - s_old[key], 6)

        out.append(
            {
                "model": model,
                "changed": changed,
                "new_failures": new_failures,
                "fixed": fixed,
                "score_delta": delta("mean_score"),
                "median_latency_delta_s": delta("median_latency_s"),
                "cost_delta_usd": delta("cost_usd"),
            }
        )
    return out


def replay_on_successors(plan: Plan, successor: Callable[[str, str], str | None]) -> Plan | None:
    """The same set with each retiring model replaced by its successor (``successor(provider, model)``);
    None when no model of the plan retires."""
    columns, swapped = [], False
    for column in plan.columns:
        new = successor(column.provider, column.model)
        if new and new != column.model:
            columns.append(dataclasses.replace(column, model=new))
            swapped = True
        else:
            columns.append(column)
    return dataclasses.replace(plan, columns=columns) if swapped else None


def council_pays_off(plan: Plan, cells: dict[tuple[int, int], dict[str, Any]]) -> list[dict[str, Any]]:
    """With a judge: per member model of the council column, on the prompts both were scored — how often the
    council's final answer scored above that member's own answer (and below), and the council's request and
    time multiple over one member's answer."""
    if plan.judge is None:
        return []
    c = next((i for i, col in enumerate(plan.columns) if col.seats is not None), None)
    if c is None:
        return []
    by_model: dict[str, dict[str, Any]] = {}
    for r in range(len(plan.prompt_set.rows)):
        body = cells.get((r, c)) or {}
        final = (body.get("judge") or {}).get("score")
        seen = body.get("council") or {}
        council_s = cell_answer(body).metrics.latency_s if body else None
        for member in seen.get("members") or []:
            score = (member.get("judge") or {}).get("score")
            if not final or not score:
                continue
            line = by_model.setdefault(
                member["model"], {"model": member["model"], "prompts": 0, "above": 0, "below": 0, "time": [], "requests": []}
            )
            line["prompts"] += 1
            line["above"] += final > score
            line["below"] += final < score
            if council_s and member.get("latency_s"):
                line["time"].append(council_s / member["latency_s"])
            line["requests"].append(seen.get("requests") or 0)
    return [
        {
            "model": line["model"],
            "prompts": line["prompts"],
            "council_above": line["above"],
            "council_below": line["below"],
            "time_multiple": round(statistics.median(line["time"]), 1) if line["time"] else None,
            "request_multiple": round(statistics.mean(line["requests"]), 1) if line["requests"] else None,
        }
        for line in by_model.values()
    ]
