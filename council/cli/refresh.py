"""``python -m council refresh [--provider NAME ...] [--json] [--file PATH] [--dry-run]`` (``refresh-prices``
too): model facts — prices, limits, retirement dates — from every configured provider's live list; with
``--file``, the router's prices written to the price data file (the maintainer's step)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from council.facts import price_refresh, refresh
from council.runs import providers


def run(args: argparse.Namespace, connection: providers.Connection) -> int:
    """Every configured provider's live list at once, stored dated; differences from the registry reported."""

    names = args.provider or [p for p in providers.configured_providers(connection) if not providers.in_process(p)]
    if not names:
        needed = ", ".join(v for s in providers.specs() if not s.in_process for v in s.token_env[:1])
        print(
            f"No provider with a live model list is configured: set a token ({needed}) or a server address in the environment or .env, then run this again."
        )
        return 1
    result = asyncio.run(refresh.refresh(names, connection))
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(refresh.report(result))
    if args.file is not None or args.dry_run:
        code = _write_router_prices(connection, args.file, dry_run=args.dry_run)
        if code:
            return code
    return 1 if result.failed else 0


def _write_router_prices(connection: providers.Connection, path: Path | None, *, dry_run: bool) -> int:
    if not providers.is_configured(providers.CATALOG, connection):
        print(f"No {providers.label(providers.CATALOG)} token: the router's prices need one (HUGGINGFACE_TOKEN or HF_TOKEN).")
        return 1
    try:
        found = asyncio.run(price_refresh.router_prices(connection))
    except Exception as exc:
        error = providers.as_provider_error(exc)
        print(f"The router's model list could not be read: {error.title}. {error.user_message}")
        return 1
    target = path or price_refresh.PRICES_FILE
    changes = price_refresh.apply(found, target, write=not dry_run)
    print(f"{len(found)} models priced by the router; {len(changes)} price rows {'would be ' if dry_run else ''}updated in {target}:")
    for change in changes:
        print(f"  {change.describe()}")
    return 0
