"""``python -m council usage [--since YYYY-MM-DD] [--person ID] [--json]``: the usage ledger's totals
from a terminal — model requests, housekeeping calls (token checks, model lists) apart, errors by
kind, tokens, estimated cost, by provider and by person. Exit 0; 1 when the store cannot be read
(with the reason); 2 for bad arguments."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from council.runs import providers
from council.storage import database
from council.storage.usage import error_names, ledger


def since(value: str) -> date:
    """An argparse type: a YYYY-MM-DD date (a bad one exits 2 with the reason)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-12-01") from None


def table(totals: dict) -> str:
    """Plain text: the totals, then one line per provider and per person."""
    names = error_names()
    span = f"since {totals['since']}" if totals["since"] else "all time"
    who = f" for {totals['person']}" if totals["person"] else ""
    lines = [
        f"Usage {span}{who} (est.):",
        f"  {totals['requests']:,} model requests, {totals['failed']:,} failed; {totals['housekeeping']:,} housekeeping calls "
        "(token checks, model lists) apart",
        f"  {totals['prompt_tokens']:,} tokens in, {totals['completion_tokens']:,} out; ${totals['cost_usd']:.4f}",
    ]
    if totals["errors"]:
        lines.append("  errors: " + ", ".join(f"{names.get(kind, kind).lower()} {n:,}" for kind, n in totals["errors"].items()))
    for heading, key, label in (("By provider", "by_provider", providers.label), ("By person", "by_person", str)):
        if totals[key]:
            lines.append(f"{heading}:")
            lines += [
                f"  {label(name):<28} {row['requests']:>7,} requests {row['errors']:>5,} failed  ${row['cost_usd']:.4f}"
                for name, row in totals[key].items()
            ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        totals = ledger().totals(args.since, args.person)
    except database.StoreUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    except database.errors() as exc:
        where = (
            f"the shared database ({database.describe(url)}; {database.URL_ENV})"
            if (url := database.database_url())
            else "the data folder (COUNCIL_DATA_DIR)"
        )
        print(f"The usage ledger could not be read ({type(exc).__name__}). Check {where}.", file=sys.stderr)
        return 1
    print(json.dumps(totals, indent=2) if args.json else table(totals))
    return 0
