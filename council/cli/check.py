"""The guide's "test all providers": for each configured provider (or each named one) — is the
token valid, are models listed, does one short streamed generation work — with any error's fix."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass

from adapters import GenerationParams, Message
from adapters import errors as err
from council.runs import providers, service
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings

PROMPT = (Message("user", "Say hello in five words."),)
PARAMS = GenerationParams(max_new_tokens=16, temperature=0.0)


@dataclass
class CheckResult:
    provider: str
    configured: bool
    verified: bool = False
    account: str | None = None
    models: int | None = None
    model: str | None = None
    generation_ok: bool = False
    latency_s: float | None = None
    ttft_s: float | None = None
    error: dict | None = None

    @property
    def passed(self) -> bool:
        return self.configured and self.verified and self.generation_ok

    def to_json(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("provider", "configured", "verified", "models", "generation_ok", "latency_s", "ttft_s", "error")} | {
            "model": self.model,
            "account": self.account,
        }


def _error(exc: BaseException) -> dict:
    typed = providers.as_provider_error(exc) if isinstance(exc, Exception) else err.ProviderUnavailableError()
    return {"kind": typed.kind, "message": typed.user_message}


async def check_provider(provider: str, connection: providers.Connection) -> CheckResult:
    result = CheckResult(provider, providers.is_configured(provider, connection))
    if not result.configured:
        what = "an address" if provider in providers.URL_PROVIDERS else "a token"
        result.error = {
            "kind": "not_configured",
            "message": f"Not configured: set {what} for {providers.label(provider)} in Settings or the environment.",
        }
        return result
    try:  # the token check and the model list (both in the ledger as housekeeping calls)
        result.account = await providers.verify(provider, connection)
        result.verified = True
        models = await providers.fetch_models(provider, connection)
        result.models = len(models)
        result.model = providers.default_model(provider, [m.id for m in models])
        if not result.model:
            raise err.ModelNotFoundError(
                "The provider lists no model to try. Add one (for Ollama: ollama pull llama3.2).", provider=provider
            )
        # one short streamed answer through the turn service, tried once: a check reports what happened
        targets = service.plan(provider, result.model, PROMPT, PARAMS, connection)
        turn = await service.run(targets, RetryLayer(RetrySettings(1, 0.0)), lambda text: None, kind="check")
    except Exception as exc:  # every failure is reported, none stops the other checks
        result.error = _error(exc)
        return result
    result.latency_s, result.ttft_s = turn.metrics.latency_s, turn.metrics.ttft_s
    if turn.error is not None:
        result.error = _error(turn.error)
    elif not turn.text.strip():
        result.error = _error(
            err.ProviderUnavailableError("The model answered with no text. Try again, or pick another model.", provider=provider)
        )
    else:
        result.generation_ok = True
    return result


async def check_all(names: list[str], connection: providers.Connection) -> list[CheckResult]:
    """Remote providers are checked at once; the bundled model answers one request at a time anyway."""
    return list(await asyncio.gather(*(check_provider(name, connection) for name in names)))


def table(results: list[CheckResult]) -> str:
    def cell(value: object) -> str:
        if value is None:
            return "\u2014"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return f"{value:.2f} s"
        return str(value)

    header = ("provider", "verified", "models", "model", "generation", "latency", "first token")
    rows = [header] + [
        (
            providers.label(r.provider),
            cell(r.verified),
            cell(r.models),
            cell(r.model),
            cell(r.generation_ok),
            cell(r.latency_s),
            cell(r.ttft_s),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for r in results:
        if r.error:
            lines.append(f"\n{providers.label(r.provider)}: {r.error['message']}")
        elif r.account:
            lines.append(f"\n{providers.label(r.provider)}: {r.account}")
    passed = sum(r.passed for r in results)
    lines.append(f"\n{passed} of {len(results)} provider(s) passed.")
    return "\n".join(lines)
