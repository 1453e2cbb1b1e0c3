"""Hugging Face Hub search for the Models page, joined with the router's live prices. No Streamlit."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from adapters import errors as err
from adapters.hub import HubModel, HubPage, HubQuery
from council import reach as providers  # reaching a provider sits below the facts
from council.facts.availability import LiveList

TASKS = {  # the Hub's pipeline tags a playground can run, in plain words
    "text-generation": "Text generation (chat and completion)",
    "text2text-generation": "Text-to-text (e.g. FLAN-T5)",
    "summarization": "Summarization",
    "question-answering": "Question answering (extractive)",
    "image-text-to-text": "Image and text to text (chat models that read images)",
}
VISION_TASK = "image-text-to-text"  # the Hub's tag for models that read images: chat through the router
LIBRARIES = ("transformers", "gguf", "vllm", "mlx", "safetensors")
LICENSES = ("apache-2.0", "mit", "llama3.1", "llama3.2", "gemma", "openrail", "cc-by-4.0", "other")


async def search(connection: providers.Connection, query: HubQuery | None = None, *, next_url: str | None = None) -> HubPage:
    """One page of the Hub search (the request is in the usage ledger as a check)."""
    from council.storage.usage import HUB_SEARCH, LedgerRow, record_safely

    adapter = _hub_adapter(connection)
    start = time.perf_counter()
    outcome, status = "ok", 200
    try:
        return await adapter.search_hub(query, next_url=next_url)
    except err.ProviderUnavailableError as exc:  # offline, or the Hub is down: say which host, and what still works
        outcome, status = exc.kind, exc.status
        host = urlsplit(adapter.hub_url).hostname or adapter.hub_url
        raise err.ProviderUnavailableError(
            f"The Hub at {host} could not be reached: this computer may be offline, or the Hub is down. Everything on "
            "this computer still works without it \u2014 the registry, your own models, and the bundled model in the "
            "Playground, Compare and the Council. Search again when you are back online.",
            provider=exc.provider,
            status=exc.status,
            detail=exc.detail,
        ) from None
    except err.ProviderError as exc:
        outcome, status = exc.kind, exc.status
        raise
    finally:
        await adapter.aclose()
        record_safely(
            [LedgerRow("huggingface", HUB_SEARCH, "check", outcome, status, time.perf_counter() - start, person=connection.person)]
        )


def _hub_adapter(connection: providers.Connection):
    """Searching is public: an adapter that holds no token at all, pointed at the user's Hub address."""
    from adapters import create_adapter
    from adapters.http import make_timeout

    hub = (connection.base_urls.get("huggingface-hub") or "").strip() or None
    timeout = make_timeout(connection.timeouts.connect_s, connection.timeouts.read_s)
    return create_adapter("huggingface", token=None, hub_url=hub, timeout=timeout)


@dataclass(frozen=True)
class Offer:
    """One provider serving a Hub model through the router, at its price."""

    provider: str
    status: str
    context_length: int | None
    input_per_m: float | None
    output_per_m: float | None


def offers(model: HubModel, router: LiveList | None) -> list[Offer]:
    """Who serves ``model`` and at what price: the router's per-provider rows when its live list has
    the model (prices, context), else the Hub's own mapping (no prices)."""
    if router is not None and not router.error:
        for row in router.rows:
            if row.model_id == model.id:
                return [
                    Offer(p["provider"], p["status"], p.get("context_length"), p.get("input_per_m"), p.get("output_per_m"))
                    for p in (row.extra.get("providers") or [])
                ]
    return [Offer(p.name, p.status, None, None, None) for p in model.providers]


def describe_offers(found: list[Offer]) -> str:
    """``groq $IN/$OUT · novita (error)``: who serves it, live ones with their price per 1M tokens in/out."""
    bits = []
    for offer in found:
        if offer.status != "live":
            bits.append(f"{offer.provider} ({offer.status})")
        elif offer.input_per_m is not None and offer.output_per_m is not None:
            bits.append(f"{offer.provider} ${offer.input_per_m:g}/${offer.output_per_m:g}")
        else:
            bits.append(offer.provider)
    return " \u00b7 ".join(bits) or "no inference provider"


def task_for(model: HubModel) -> str:
    """How the playground should call a Hub model: chat through the router when a provider serves it
    as conversational, else its pipeline task on hf-inference."""
    if model.chat or model.pipeline_tag == VISION_TASK:
        return "chat"
    return model.pipeline_tag if model.pipeline_tag in TASKS else "chat"


def reads_images(model: HubModel) -> bool | None:
    """What the Hub's task says of a model's sight: its image-text-to-text models read images (None: it says nothing)."""
    return True if model.pipeline_tag == VISION_TASK else None
