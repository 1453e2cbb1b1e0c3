"""The command line: ``python -m council check [--provider NAME ...] [--json]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from council import providers
from council.check import check_all, table
from council.redaction import install_log_redaction
from council.settings import load_env_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m council", description="AI Council Playground from the command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser(
        "check",
        help="check each configured provider: token, model list, one short streamed answer",
        description="Check each configured provider (or the ones named): token valid, models listed, one short streamed "
        "generation with latency and time to first token. Exit 0 when all pass, 1 when one fails, 2 for bad arguments.",
    )
    check.add_argument(
        "--provider",
        action="append",
        choices=providers.available_providers(),
        metavar="NAME",
        help="check this provider (repeatable); default: every configured one",
    )
    check.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    args = parser.parse_args(argv)  # exits 2 on bad arguments

    install_log_redaction()
    load_env_file()
    connection = providers.Connection(tokens={}, base_urls={})
    names = args.provider or providers.configured_providers(connection)
    results = asyncio.run(check_all(names, connection))
    if args.json:
        print(json.dumps({"providers": [r.to_json() for r in results]}, indent=2))
    else:
        print(table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
