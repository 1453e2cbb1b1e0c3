"""The typed errors every adapter raises.

Adapters never retry; they turn each failure into exactly one of these. ``user_message`` is
plain words for a non-developer: what happened and what to do. It never holds a token or a URL
with a key in it. ``kind`` names the Troubleshooting entry that explains the error.

The hierarchy (``retryable`` marks what the retry layer may try again):

    ProviderError
     ├── AuthError                     401; Gemini's 400 API_KEY_INVALID
     │    └── TokenMissingError        no token where the provider needs one
     ├── AccessDeniedError             403, gated models
     ├── ModelNotFoundError            404; HF 400 model_not_supported; Ollama "try pulling it first"
     ├── EndpointGoneError             410
     ├── QuotaExhaustedError           402; 429 insufficient_quota; a per-day free tier; a quota from the settings
     │    └── CapReachedError          a cap on the host's shared keys
     ├── RateLimitError                429 (retryable; .retry_after)
     ├── ModelLoadingError             503 with estimated_time (retryable; .estimated_time)
     ├── ContextLengthError            the conversation does not fit the model's window
     ├── BadRequestError               other 400s
     │    ├── UnsupportedParameterError   a parameter the model refuses (.param)
     │    └── InputNotSupportedError      an image (or file) for a model that reads text only
     ├── ProviderUnavailableError      5xx, timeouts, refused connections, cut or malformed streams (retryable)
     ├── NotInstalledError             the bundled model's runtime or file is missing
     └── EmptyAnswerError              a finished answer with no text (never raised by an adapter: the
                                        council records it for a seat that said nothing)
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.secrets import scrub


@dataclass(frozen=True)
class RateLimitInfo:
    """What a provider's rate-limit headers said (any field may be unknown)."""

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests_s: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens_s: float | None = None


class ProviderError(Exception):
    """Base class: one failure of one request to one provider."""

    kind = "provider_error"
    retryable = False
    title = "The provider could not answer"
    default_message = "The provider could not answer this request. Try again, or pick another model."

    def __init__(
        self,
        user_message: str | None = None,
        *,
        provider: str = "",
        model: str = "",
        status: int | None = None,
        rate_limit: RateLimitInfo | None = None,
        detail: str = "",
    ) -> None:
        # Scrubbed: a server may echo the token it was sent, and these texts are shown and stored.
        self.user_message = scrub(user_message or self.default_message)
        self.provider = provider
        self.model = scrub(model)
        self.status = status
        self.rate_limit = rate_limit
        # A short excerpt of what the provider said, for the "details" line. Never a token.
        self.detail = scrub(detail)[:500]
        super().__init__(self.user_message)

    def __str__(self) -> str:
        where = f"{self.provider} " if self.provider else ""
        status = f"HTTP {self.status}: " if self.status else ""
        return f"{where}{status}{self.user_message}"


class AuthError(ProviderError):
    kind = "auth"
    title = "The token was not accepted"
    default_message = (
        "The provider did not accept your token. Check that it is copied whole, with no extra spaces or "
        "quotes around it; if it still fails, create a new one on the provider's site and paste it in Settings."
    )


class TokenMissingError(AuthError):
    """No token was set for a provider that needs one: nothing was sent (same advice entry as a refused token)."""

    title = "No token is set"
    default_message = "No token is set for this provider. Paste one in Settings, then press Verify."


class AccessDeniedError(ProviderError):
    kind = "access_denied"
    title = "Access to this model is restricted"
    default_message = (
        "Your token works, but it may not use this model. Gated models need their terms accepted "
        "on the model's page first, and fine-grained tokens need inference permission."
    )


class ModelNotFoundError(ProviderError):
    kind = "not_found"
    title = "Model not found"
    default_message = (
        "The provider does not know this model or serves it no longer. Check the model id for "
        "typos; gated models need their terms accepted on the model's page; or pick another "
        "model from the list."
    )


class EndpointGoneError(ProviderError):
    kind = "gone"
    title = "That endpoint no longer exists"
    default_message = (
        "That endpoint no longer exists (HTTP 410). Hugging Face retired api-inference.huggingface.co; "
        "the app uses router.huggingface.co instead. If you set a custom base URL, update it."
    )


class QuotaExhaustedError(ProviderError):
    kind = "quota"
    title = "Credits or quota used up"
    default_message = (
        "Your monthly credits or quota for this provider are used up. Wait for the next period, "
        "add credits or upgrade your plan, or switch to another provider."
    )


class CapReachedError(QuotaExhaustedError):
    """A cap the host set on its shared keys is reached (per person per day or month, or host-wide): nothing
    was sent. Counted as a used-up quota; the fallback order may answer instead."""

    title = "A cap on the shared keys is reached"
    default_message = (
        "The host's cap on its shared keys is reached, so the request was not sent. Paste your own token in "
        "Settings, use the bundled model, or try again when the cap resets."
    )


class RateLimitError(ProviderError):
    kind = "rate_limit"
    retryable = True
    title = "Too many requests"
    default_message = (
        "The provider is rate-limiting you: too many requests in a short time. Wait a moment and try again, or switch to another provider."
    )

    def __init__(self, user_message: str | None = None, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(user_message, **kw)
        self.retry_after = retry_after


class ModelLoadingError(ProviderError):
    kind = "loading"
    retryable = True
    title = "The model is warming up"
    default_message = (
        "The model is warming up on the provider's side; this usually takes 20\u201360 seconds. The app retries automatically."
    )

    def __init__(self, user_message: str | None = None, *, estimated_time: float | None = None, **kw) -> None:
        super().__init__(user_message, **kw)
        self.estimated_time = estimated_time


class ContextLengthError(ProviderError):
    kind = "context"
    title = "The conversation is too long for this model"
    default_message = (
        "The conversation plus the answer length is more than this model can take. Shorten the "
        "conversation (Clear starts afresh) or lower \u201cmax new tokens\u201d."
    )


class BadRequestError(ProviderError):
    kind = "bad_request"
    title = "The provider refused the request"
    default_message = (
        "The provider refused this request as invalid. Check the model id and the parameters; some models do not accept every parameter."
    )


class UnsupportedParameterError(BadRequestError):
    """A 400 that names a parameter this model refuses (OpenAI ``unsupported_value`` /
    ``unsupported_parameter``, and the like elsewhere). ``param`` is its wire name; ``only`` the one
    value the model takes, when it says so (e.g. temperature 1)."""

    kind = "unsupported_parameter"
    title = "The model refused a parameter"

    def __init__(self, user_message: str | None = None, *, param: str = "", only: float | None = None, **kw) -> None:
        self.param = param
        self.only = only
        super().__init__(user_message, **kw)


class InputNotSupportedError(BadRequestError):
    """The model cannot read what was attached (a text-only model given an image): said before sending
    when a capability layer knows, else from the provider's 400 — and remembered for the model."""

    kind = "input_not_supported"
    title = "This model cannot read that"
    default_message = "This model reads text only. Pick a model that reads images (marked \U0001f441), or remove the image."


class ProviderUnavailableError(ProviderError):
    kind = "unavailable"
    retryable = True
    title = "The provider is unavailable"
    default_message = (
        "The provider could not be reached or stopped answering. This is usually temporary: try again in a moment, or switch provider."
    )


class NotInstalledError(ProviderError):
    """A provider's local runtime is missing (e.g. llama-cpp-python for the bundled model)."""

    kind = "not_installed"
    title = "Something needed is not installed"
    default_message = "A package this provider needs is not installed."


class EmptyAnswerError(ProviderError):
    """A request that finished without a word: the council cannot use a seat that said nothing."""

    kind = "empty"
    title = "The model returned nothing"
    default_message = "The model returned an empty answer."


ALL_ERRORS: tuple[type[ProviderError], ...] = (
    AuthError,
    TokenMissingError,
    AccessDeniedError,
    ModelNotFoundError,
    EndpointGoneError,
    QuotaExhaustedError,
    CapReachedError,
    RateLimitError,
    ModelLoadingError,
    ContextLengthError,
    BadRequestError,
    UnsupportedParameterError,
    InputNotSupportedError,
    ProviderUnavailableError,
    NotInstalledError,
)
