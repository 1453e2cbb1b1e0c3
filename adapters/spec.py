"""A provider's facts, declared once beside its adapter (see DESIGN.md, "The seam").

Everything above the adapters — settings, the registry's id checks, the sidebar, the
Settings / Costs / Getting started pages and the charts — reads these specs; none of them keeps a
table of providers of its own. A new provider is one adapter class with a ``spec``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AddressField:
    """A server address the user may set in Settings (stored under ``key``)."""

    key: str
    label: str
    placeholder: str
    help: str
    option: str = ""  # the create_adapter() option it sets (empty: the base URL itself)


@dataclass(frozen=True)
class ProviderSpec:
    id: str
    label: str  # shown everywhere: pickers, chips, charts
    tab_label: str = ""  # Settings' tab (defaults to the label)
    token_env: tuple[str, ...] = ()  # environment variables that may hold its token, first match wins
    base_url_env: str = ""
    default_base_url: str | None = None
    token_required: bool = False
    token_optional: bool = False  # a token field, but only some servers ask for one
    keys_from: str = ""  # one sentence: where keys come from (help text, the 401 advice)
    key_steps: str = ""  # step by step, as Markdown (the provider people start with)
    id_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
    id_hint: str = "use the name the provider lists"
    default_model: str = ""  # the model it answers with when none is chosen and its lists are empty
    address: AddressField | None = None  # configured by its address (no token needed)
    advanced_addresses: tuple[AddressField, ...] = ()  # other addresses it may be pointed at
    verify_help: str = "Ask the provider whose token this is."
    serial: bool = False  # one generation at a time: several uses take turns
    in_process: bool = False  # runs inside the app: no web request, nothing for the ledger
    simulator: bool = False  # plays scenarios for QA: never usage, never a quota
    bundled: bool = False  # the model that ships with the app
    free_per_token: bool = False  # runs on your own computer: $0 a token
    catalog: bool = False  # has a model hub and a priced live router list (search, live prices)
    variant_suffix: bool = False  # "model:suffix" is the same model served another way (a router's provider, :free)
    live_list_chat_only: bool = False  # its live model list names chat models only (task models are missing from it)
    starter: bool = False  # the provider Getting started walks a newcomer through
    price_data: str = ""  # its provider id in the price data package (genai-prices); "{pin}" stands for a ":provider" suffix
    colour: str = "#777777"  # one fixed colour on every chart (Okabe–Ito palette)
    order: int = 50  # where it sits in lists and Settings' tabs
    structured_output: str = "text"  # how a machine-readable answer is asked for: "schema", "grammar" or "text" (not at all)
    structured_output_unless: str = ""  # a regex of model ids that cannot, though the provider can (Ollama's cloud models)
    reasoning_models: str = ""  # a regex of model ids that think before answering (hidden reasoning tokens)
    reasoning_refuses: tuple[str, ...] = ()  # GenerationParams fields those models refuse (they use their own value)
    reasoning_efforts: tuple[str, ...] = ()  # the reasoning_effort values they take
    reasoning_min_budget: int | None = None  # the smallest max new tokens that leaves room to answer after thinking
    vision_models: str = ""  # a regex of model ids that read images ("" none known; the live list may say more)
    pdf_models: str = ""  # a regex of model ids that read a PDF as a file (the others get its text)
    text_only_models: str = ""  # a regex of model ids known to read text only (an image is refused before sending)
    attachments_max_mb: float | None = None  # the most a request's attached files may weigh, base64 included (None: no stated limit)
    image_tokens: str = ""  # the provider's published rule for an image's tokens: "pixels", "tiles-512", "tiles-768" ("" none published)
    sampling_ignored_models: str = ""  # a regex of model ids that ignore the fields below (they are not sent)
    sampling_ignored: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ("chat",)  # what its models can be asked to do
    id_help: str = ""  # more about its ids, for the custom-id field
    task_help: str = ""  # which task to pick, for the task field (providers with several tasks)

    @property
    def tab(self) -> str:
        return self.tab_label or self.label

    @property
    def configured_by_address(self) -> bool:
        return self.address is not None

    @property
    def has_token(self) -> bool:
        return bool(self.token_env) or self.token_required or self.token_optional

    def id_regex(self) -> re.Pattern[str]:
        return re.compile(self.id_pattern)
