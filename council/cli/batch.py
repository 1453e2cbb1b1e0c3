"""``python -m council batch SET``: a prompt set across models from a terminal or CI — the contract,
JSON keys and exit codes are DESIGN.md's "Prompt sets". The run is stored as a run of its set, like
one from the page, and worked under the same lease (a page and a terminal never double up)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from pathlib import Path

from adapters import GenerationParams
from council.facts import quotas
from council.runs import batch, exports, providers, routing, set_worker
from council.runs.prompt_sets import PromptSet, SetError, read
from council.settings import RetrySettings
from council.storage import prompt_sets as store
from council.storage import usage

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("set", metavar="SET", help="a CSV, JSONL or text file (one prompt a line), or the name of a saved set")
    command.add_argument(
        "--model",
        action="append",
        default=None,
        metavar="PROVIDER:MODEL",
        help="a model to ask (1 to 6 times; split on the first colon); default: the bundled model",
    )
    command.add_argument("--council", action="store_true", help="add the council as a column named council (members by --mode)")
    command.add_argument("--mode", choices=list(routing.MODES), default="balanced", help="the council's mode (with --council)")
    command.add_argument("--judge", default=None, metavar="PROVIDER:MODEL", help="a model that scores each answer 1-5")
    command.add_argument("--rubric", default="", metavar="TEXT", help="what the judge scores against (with the row's expected answer)")
    command.add_argument(
        "--concurrency",
        type=int,
        default=batch.DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"requests at once per provider (default {batch.DEFAULT_CONCURRENCY}; the bundled model always 1)",
    )
    command.add_argument("--out", type=Path, default=None, metavar="FILE", help="also write the rows to FILE.csv or FILE.json")
    command.add_argument("--json", action="store_true", help="print one JSON document (progress goes to stderr)")


def _load_set(value: str) -> PromptSet:
    path = Path(value)
    if path.is_file():
        return read(path.read_bytes(), path.name)
    saved = store.load_set(name=value)
    if saved is None:
        raise SetError(f"\u201c{value}\u201d is neither a file nor a saved set. Give the path of a CSV, JSONL or text file.")
    return PromptSet.from_dict({"name": saved.name, "rows": saved.rows})


def _columns(args: argparse.Namespace, connection: providers.Connection) -> tuple[list[batch.Column], batch.Column | None]:
    members = routing.members_from(args.model) if args.model else [routing.Member(routing.LOCAL, routing.LOCAL_MODEL)]
    if len(members) > batch.MAX_COLUMNS:
        raise ValueError(f"At most {batch.MAX_COLUMNS} --model entries (you gave {len(members)}).")
    params = GenerationParams(temperature=0.7, max_new_tokens=256)
    columns = [batch.Column(m.provider, m.model, params) for m in members]
    if len({c.key for c in columns}) < len(columns):
        raise ValueError("A model is named twice in --model; name each once.")
    if args.council:  # seated as `ask --council` seats it: by the mode, from the providers configured
        chosen = routing.choose("general", args.mode, routing.reachable(connection))
        columns.append(batch.Column.council(batch.Seats(args.mode, tuple(chosen.members), chosen.chairman)))
        if len(columns) > batch.MAX_COLUMNS:
            raise ValueError(f"At most {batch.MAX_COLUMNS} columns, the council included: name one --model fewer.")
    judge = None
    if args.judge:
        j = routing.parse_member(args.judge)
        judge = batch.Column(j.provider, j.model, GenerationParams(temperature=0.0, max_new_tokens=200))
    return columns, judge


def run(args: argparse.Namespace, connection: providers.Connection) -> int:
    err = sys.stderr
    try:
        if args.concurrency < 1 or args.concurrency > 32:
            raise ValueError("--concurrency must be between 1 and 32.")
        if args.out is not None and args.out.suffix.lower() not in (".csv", ".json"):
            raise ValueError("--out must name a .csv or a .json file.")
        prompt_set = _load_set(args.set)
        columns, judge = _columns(args, connection)
    except (SetError, ValueError, OSError) as exc:
        print(f"python -m council batch: {exc}", file=err)
        return EXIT_USAGE
    files = str(Path(args.set).resolve().parent if Path(args.set).is_file() else Path.cwd())  # where the rows' attachments are
    try:
        batch.check_attachments(prompt_set, files)
    except SetError as exc:
        print(f"python -m council batch: {exc}", file=err)
        return EXIT_USAGE
    plan = batch.Plan(prompt_set, columns, judge, args.rubric, args.concurrency, files)
    guard = quotas.guard({}, usage.ledger)
    est = batch.estimate(plan, connection)
    cost = "unknown (a price is missing)" if est.cost_usd is None else f"${est.cost_usd:.4f}"
    print(f"{len(prompt_set.rows)} prompts \u00d7 {len(columns)} models: {est.requests} requests, est. {cost}", file=err)
    set_id = store.save_set(prompt_set.name or "batch", [r.to_dict() for r in prompt_set.rows])
    run_id = store.create_run(set_id, plan.to_dict())
    stop = threading.Event()

    def on_cell(r: int, c: int, answer) -> None:
        state = "failed: " + answer.error["message"] if answer.error else "answered"
        print(f"  {prompt_set.rows[r].id} \u00d7 {columns[c].key}: {state}", file=err, flush=True)

    how = set_worker.Work(connection, RetrySettings(), guard)
    try:
        progress = asyncio.run(set_worker.work(run_id, how, stop=stop, on_cell=on_cell))
    except KeyboardInterrupt:
        stop.set()
        store.set_status(run_id, store.STOPPED)
        print(f"Stopped; every answer so far is kept (run {run_id}).", file=err)
        return EXIT_FAILED
    if progress is None:
        print("python -m council batch: another server works this run.", file=err)
        return EXIT_FAILED
    doc = batch.document(plan, store.cells(run_id))
    if args.out is not None:
        text = exports.prompt_set_csv(doc) if args.out.suffix.lower() == ".csv" else exports.prompt_set_json(doc)
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(_table(doc))
    failed = any(cell["error"] for row in doc["rows"] for cell in row["cells"])
    return EXIT_FAILED if failed else EXIT_OK


def _table(doc: dict) -> str:
    lines = [f"{'model':44} {'answered':>8} {'failed':>6} {'median s':>8} {'p95 s':>7} {'cost $':>9} {'score':>5}"]
    for s in doc["summary"]:
        median = "-" if s["median_latency_s"] is None else f"{s['median_latency_s']:.2f}"
        p95 = "-" if s["p95_latency_s"] is None else f"{s['p95_latency_s']:.2f}"
        cost = "-" if s["cost_usd"] is None else f"{s['cost_usd']:.4f}"
        score = "-" if s["mean_score"] is None else f"{s['mean_score']:.2f}"
        lines.append(f"{s['model'][:44]:44} {s['answered']:>8} {s['failed']:>6} {median:>8} {p95:>7} {cost:>9} {score:>5}")
    lines.append(f"requests: {doc['requests']}  cost: " + ("unknown" if doc["cost_usd"] is None else f"${doc['cost_usd']:.4f}"))
    return "\n".join(lines)
