"""The providers that play a role, read once from the provider specs: pages, the council and the usage
ledger name roles, never provider ids."""

from __future__ import annotations

from adapters import specs


def _one(flag: str) -> str:
    return next(s.id for s in specs() if getattr(s, flag))


BUNDLED = _one("bundled")  # the model that ships with the app: always there, offline
SIMULATOR = _one("simulator")  # in process, for QA: never real usage, never a quota
CATALOG = _one("catalog")  # has a model hub to search and a priced live list
STARTER = _one("starter")  # the provider Getting started walks a newcomer through
