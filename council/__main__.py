"""The command line: ``python -m council check [--provider NAME ...] [--json]``, ``ask``, ``batch``, ``usage`` and
``python -m council refresh [--provider NAME ...] [--json] [--file PATH] [--dry-run]`` (``refresh-prices``
is the same command)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from council.cli import usage as usage_command
from council.cli.check import check_all, table
from council.redaction import install_log_redaction
from council.runs import providers
from council.runs.routing import MODES, TASK_TYPES
from council.settings import load_env_file


def _provider_options(command: argparse.ArgumentParser, verb: str, otherwise: str) -> None:
    """``--provider NAME`` (repeatable) and ``--json``, shared by the commands that go over providers."""
    command.add_argument(
        "--provider",
        action="append",
        choices=providers.available_providers(),
        metavar="NAME",
        help=f"{verb} this provider (repeatable); default: every configured one",
    )
    command.add_argument("--json", action="store_true", help=f"print one JSON document instead of {otherwise}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m council", description="AI Council Playground from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="check each configured provider: token, model list, one short streamed answer",
        description="Check each configured provider (or the ones named): token valid, models listed, one short streamed "
        "generation with latency and time to first token. Exit 0 when all pass, 1 when one fails, 2 for bad arguments.",
    )
    _provider_options(check, "check", "a table")
    refresh = commands.add_parser(
        "refresh",
        aliases=["refresh-prices"],
        help="refresh model facts (prices, limits, retirement dates) from every configured provider's live list",
        description="Fetch every configured provider's live model list now and store it, dated, in the data folder (the app "
        "reads prices, context and output limits and shutdown dates from it, before the data package and the registry); "
        "report what differs from the registry, and the data package's version and date. Exit 0 when every list was read, "
        "1 when none is configured or one could not be read, 2 for bad arguments.",
    )
    _provider_options(refresh, "refresh", "text")
    refresh.add_argument(
        "--file",
        type=Path,
        default=None,
        help="also write the Hugging Face router's cheapest live prices into this price file (a maintainer's step; "
        "the app's own is council/facts/data/prices.toml)",
    )
    refresh.add_argument("--dry-run", action="store_true", help="with --file: show what would change without writing")
    usage = commands.add_parser(
        "usage",
        help="the usage ledger's totals: requests, errors, tokens, estimated cost, by provider and by person",
        description="Print the usage ledger's totals: model requests (token checks and model lists counted apart as "
        "housekeeping), errors by kind, tokens and estimated cost, by provider and by person. Exit 0, 1 when the store "
        "cannot be read (with the reason), 2 for bad arguments.",
    )
    usage.add_argument("--since", type=usage_command.since, default=None, metavar="YYYY-MM-DD", help="from this day (UTC) on")
    usage.add_argument("--person", default=None, metavar="ID", help='one person\'s requests ("you" when nobody signs in)')
    usage.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    ask = commands.add_parser(
        "ask",
        help="ask one model, or the whole council, a question",
        description="Without --council one model answers (default: the bundled one). With --council the members answer, "
        "review each other anonymously and a chairman writes the final answer; --json prints the transcript. Models are "
        "provider:model, split on the first colon (huggingface:org/x:groq, ollama:llama3.2:latest). Exit 0 when an answer "
        "came, 1 when it failed, 2 for bad arguments.",
    )
    ask.add_argument("question")
    ask.add_argument("--model", default=None, metavar="PROVIDER:MODEL", help="the model that answers (without --council)")
    ask.add_argument("--council", action="store_true", help="run the council: answers, anonymous reviews, a chairman's synthesis")
    ask.add_argument("--members", default=None, metavar="P:M,P:M,...", help="the members (default: chosen by task and mode)")
    ask.add_argument("--chairman", default=None, metavar="PROVIDER:MODEL", help="the chairman (default: the best fit)")
    ask.add_argument("--mode", choices=list(MODES), default="balanced", help="how many members and which (default: balanced)")
    ask.add_argument("--task", choices=list(TASK_TYPES), default=None, help="override the detected task type")
    ask.add_argument("--json", action="store_true", help="print JSON (the council's transcript) instead of text")
    ask.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="an image (PNG, JPEG, WebP, GIF), a PDF or a text file to ask about (repeatable; with --council every seat sees it)",
    )
    batch = commands.add_parser(
        "batch",
        help="run a prompt set (a CSV, JSONL or text file, or a saved set) across models",
        description="Ask every prompt of a set of each model (concurrently within each provider's limit), optionally "
        "score each answer with a judge model, and print a summary per model (--json: one document). The run is kept as "
        "a run of its set, like one from the page. Exit 0 when every cell answered, 1 when some failed (the document is "
        "still whole), 2 for bad arguments or a bad set (the message names the row; nothing is sent).",
    )
    from council.cli import batch as batch_command

    batch_command.add_arguments(batch)
    args = parser.parse_args(argv)  # exits 2 on bad arguments

    install_log_redaction()
    load_env_file()
    connection = providers.Connection(tokens={}, base_urls={})
    if args.command in ("refresh", "refresh-prices"):
        from council.cli import refresh as refresh_command

        return refresh_command.run(args, connection)
    if args.command == "usage":
        return usage_command.run(args)
    if args.command == "batch":
        return batch_command.run(args, connection)
    if args.command == "ask":
        from council.cli import ask as ask_command

        try:
            return ask_command.run(args, connection)
        except ValueError as exc:  # a malformed provider:model
            print(f"python -m council ask: {exc}", file=sys.stderr)
            return 2
    names = args.provider or providers.configured_providers(connection)
    results = asyncio.run(check_all(names, connection))
    store = store_report()
    if args.json:
        print(json.dumps({"providers": [r.to_json() for r in results], "store": store}, indent=2))
    else:
        print(table(results))
        print(f"\nStorage: {store['where']} \u2014 " + ("ok." if store["ok"] else store["problem"]))
    return 0 if all(r.passed for r in results) and store["ok"] else 1


def store_report() -> dict:
    """Where usage, History and votes are kept, and whether that store can be used right now."""
    from council import library

    problem = library.store_problem()
    return {"ok": problem is None, "where": library.store_where(), "problem": problem}


if __name__ == "__main__":
    sys.exit(main())
