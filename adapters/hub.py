"""The Hugging Face Hub's model search (``GET {hub}/api/models``), as ``HfApi.list_models`` sends it:
the query's shape, the answer's parsing, and its ``Link: rel="next"`` pagination. Used by
``HuggingFaceAdapter.search_hub``; no token is sent (the listing is public)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

SORTS = {"downloads": "downloads", "likes": "likes", "trending": "trendingScore"}
EXPAND = ("pipeline_tag", "library_name", "tags", "downloads", "likes", "trendingScore", "inferenceProviderMapping", "gated")


@dataclass(frozen=True)
class HubQuery:
    """What the Models page asks: free text, task, library and license filters, an order."""

    search: str = ""
    pipeline_tag: str | None = None  # task, e.g. text-generation
    library: str | None = None  # e.g. transformers, gguf
    license: str | None = None  # e.g. apache-2.0
    served_only: bool = True  # only models some inference provider serves
    sort: str = "downloads"  # downloads | likes | trending
    limit: int = 20

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.search.strip():
            out.append(("search", self.search.strip()))
        if self.pipeline_tag:
            out.append(("pipeline_tag", self.pipeline_tag))
        if self.library:
            out.append(("filter", self.library))
        if self.license:
            out.append(("filter", f"license:{self.license}"))
        if self.served_only:
            out.append(("inference_provider", "all"))
        out += [("sort", SORTS.get(self.sort, "downloads")), ("direction", "-1"), ("limit", str(max(1, min(self.limit, 100))))]
        out += [("expand[]", field) for field in EXPAND]
        return out


@dataclass(frozen=True)
class HubProvider:
    """One inference provider's mapping of a Hub model."""

    name: str
    status: str  # live | staging | error
    task: str | None = None  # conversational, text-generation, ...


@dataclass(frozen=True)
class HubModel:
    id: str
    pipeline_tag: str | None = None
    library: str | None = None
    license: str | None = None
    downloads: int | None = None
    likes: int | None = None
    trending: float | None = None
    gated: bool = False
    providers: tuple[HubProvider, ...] = ()

    @property
    def live_providers(self) -> list[str]:
        return [p.name for p in self.providers if p.status == "live"]

    @property
    def chat(self) -> bool:
        """Served as a chat model by some live provider (the router's /v1/chat/completions)."""
        return any(p.status == "live" and p.task == "conversational" for p in self.providers)


@dataclass(frozen=True)
class HubPage:
    models: list[HubModel]
    next_url: str | None  # the next page, as the Hub's Link header gave it (same host only)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _providers(raw: Any) -> tuple[HubProvider, ...]:
    """``inferenceProviderMapping``: a list of ``{provider, status, task, ...}`` (today), or a map
    ``{provider: {status, task, ...}}`` (older answers)."""
    items: list[tuple[str, dict]] = []
    if isinstance(raw, list):
        items = [(str(m.get("provider")), m) for m in raw if isinstance(m, dict) and m.get("provider")]
    elif isinstance(raw, dict):
        items = [(str(name), m) for name, m in raw.items() if isinstance(m, dict)]
    return tuple(HubProvider(name, str(m.get("status") or "live"), m.get("task")) for name, m in items)


def parse_models(data: Any) -> list[HubModel]:
    if not isinstance(data, list):
        raise ValueError("the Hub's model list is not a JSON array")
    out = []
    for row in data:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            continue
        tags = [t for t in row.get("tags") or [] if isinstance(t, str)]
        license_ = next((t.split(":", 1)[1] for t in tags if t.startswith("license:")), None)
        trending = row.get("trendingScore")
        out.append(
            HubModel(
                id=row["id"],
                pipeline_tag=row.get("pipeline_tag") if isinstance(row.get("pipeline_tag"), str) else None,
                library=row.get("library_name") if isinstance(row.get("library_name"), str) else None,
                license=license_,
                downloads=_int(row.get("downloads")),
                likes=_int(row.get("likes")),
                trending=float(trending) if isinstance(trending, (int, float)) and not isinstance(trending, bool) else None,
                gated=bool(row.get("gated")),
                providers=_providers(row.get("inferenceProviderMapping")),
            )
        )
    return out


def same_origin(url: str, base: str) -> bool:
    """A next-page link is followed only to the Hub host it came from."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)
