"""``python -m council ask``: one model's answer, or the whole council's transcript, from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path

from adapters import GenerationParams
from council.facts import quotas
from council.runs import attachments, council_estimate, deliberation, exports, providers, routing, service
from council.runs.compare import messages_for
from council.runs.resilience import RetryLayer
from council.runs.turns import error_to_dict
from council.settings import DEFAULT_FALLBACK_ORDER, RetrySettings
from council.storage import usage


def run(args: argparse.Namespace, connection: providers.Connection) -> int:
    try:
        args.attached = tuple(attachments.prepare_all([(Path(f).read_bytes(), Path(f).name) for f in args.attach]))
    except (attachments.AttachmentError, OSError) as exc:
        print(f"python -m council ask: {exc}", file=sys.stderr)
        return 2
    if args.council:
        return _council(args, connection)
    return _one(args, connection)


def _one(args: argparse.Namespace, connection: providers.Connection) -> int:
    member = routing.parse_member(args.model) if args.model else routing.Member(routing.LOCAL, routing.LOCAL_MODEL)
    messages = messages_for(args.question, "")
    messages[-1] = replace(messages[-1], attachments=args.attached)
    params = GenerationParams(temperature=0.7, max_new_tokens=256)

    async def go():
        targets = service.plan(member.provider, member.model, messages, params, connection)
        layer = RetryLayer(RetrySettings(), guard=quotas.guard({}, usage.ledger))
        written = 0

        def show(text: str) -> None:
            nonlocal written
            if not args.json:
                sys.stdout.write(text[written:])
                sys.stdout.flush()
            written = len(text)

        return await service.run(targets, layer, show, kind="ask")

    try:
        result = asyncio.run(go())
    except Exception as exc:  # a bad base URL, a missing runtime: typed, in plain words
        error = providers.as_provider_error(exc)
        print(json.dumps({"error": error_to_dict(error)}) if args.json else f"{error.title}: {error.user_message}")
        return 1
    if args.json:
        print(
            json.dumps(
                {
                    "provider": result.provider,
                    "model": result.model,
                    "text": result.text,
                    "latency_s": result.metrics.latency_s,
                    "error": error_to_dict(result.error) if result.error else None,
                },
                indent=2,
            )
        )
    else:
        print()
        if result.error:
            print(f"{result.error.title}: {error_to_dict(result.error)['message']}", file=sys.stderr)
    return 1 if result.error else 0


def _council(args: argparse.Namespace, connection: providers.Connection) -> int:
    detection = routing.detect(args.question)
    task = args.task or detection.task
    if args.members:
        members = routing.members_from(args.members.split(","))
        if len(members) < 2:
            raise ValueError("--members needs at least two provider:model entries.")
        chairman = routing.parse_member(args.chairman) if args.chairman else members[0]
        offline = all(m.provider == routing.LOCAL for m in members)
    else:  # seated by the mode; with an image attached, from the models that can read it
        plan = routing.choose(task, args.mode, routing.able_to_see(routing.reachable(connection), args.attached))
        members, offline = plan.members, plan.offline
        chairman = routing.parse_member(args.chairman) if args.chairman else plan.chairman
    blind = routing.blind_seats([*members, chairman], args.attached)
    if blind:  # said before anything is sent, as the page does
        images = sum(1 for a in args.attached if a.kind == "image")
        print(
            f"python -m council ask: {', '.join(blind)} {'reads' if len(blind) == 1 else 'read'} text only \u2014 seat models that "
            f"read images with --members (and --chairman), or leave the {'image' if images == 1 else 'images'} out. Nothing was sent.",
            file=sys.stderr,
        )
        return 2
    ctx = deliberation.Context(
        connection,
        fallback_order=DEFAULT_FALLBACK_ORDER,
        guard=quotas.guard({}, usage.ledger),
        attachments=args.attached,
    )
    if not args.json:
        print(detection.explain() if not args.task else f"Task set to {task}.", file=sys.stderr)
        print("Members: " + ", ".join(m.key for m in members) + f"; chairman: {chairman.key}", file=sys.stderr)
    try:
        transcript = asyncio.run(
            deliberation.deliberate(
                args.question,
                task,
                args.mode,
                members,
                chairman,
                ctx,
                budget=council_estimate.OFFLINE_BUDGET if offline else council_estimate.Budget(),
            )
        )
    except Exception as exc:
        error = providers.as_provider_error(exc)
        print(json.dumps({"error": error_to_dict(error)}) if args.json else f"{error.title}: {error.user_message}")
        return 1
    print(exports.transcript_json(transcript) if args.json else exports.transcript_markdown(transcript))
    final = transcript.final
    return 0 if final is not None and final.ok and final.answer.text else 1
