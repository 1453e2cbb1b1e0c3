"""Every provider's error bodies and what each must become: (the fake's reply, the typed error's
class, whether it is retried, the server's wait, the words the user reads), and the keys the fakes
accept. The adapter tests and the fault matrix read them from here."""

from __future__ import annotations

from adapters import errors

HF_CASES = [
    # (fake reply, error class, retryable, status, words the user must read)
    ("401", errors.AuthError, False, 401, "read"),
    ("401-router", errors.AuthError, False, 401, "extra spaces or quotes"),
    ("400-token", errors.AuthError, False, 400, "generate a new token"),
    ("402", errors.QuotaExhaustedError, False, 402, "credits are used up"),
    ("403-gated", errors.AccessDeniedError, False, 403, "accept its terms"),
    ("404", errors.ModelNotFoundError, False, 404, "Check the model id"),
    ("400-not-supported", errors.ModelNotFoundError, False, 400, "No inference provider you have enabled serves this model"),
    ("400-provider", errors.ModelNotFoundError, False, 400, "No inference provider"),
    ("400-kwargs", errors.BadRequestError, False, 400, "watermark, stop, decoder_input_details"),
    ("410", errors.EndpointGoneError, False, 410, "no longer exists"),
    ("422-context", errors.ContextLengthError, False, 422, "lower \u201cmax new tokens\u201d"),
    ("422-text", errors.BadRequestError, False, 422, "refused this request"),
    ("429-retry-after", errors.RateLimitError, True, 429, "switch to another provider"),
    ("429-ratelimit", errors.RateLimitError, True, 429, "Wait a moment"),
    ("429-overloaded", errors.RateLimitError, True, 429, "overloaded"),
    ("503-loading", errors.ModelLoadingError, True, 503, "20\u201360 seconds"),
    ("503-plain", errors.ProviderUnavailableError, True, 503, "temporary"),
    ("502-html", errors.ProviderUnavailableError, True, 502, "web page instead of a model answer"),
    ("424-generation", errors.ProviderUnavailableError, True, 424, "generation error"),
    ("500-tgi", errors.ProviderUnavailableError, True, 500, "Try again"),
]


OPENAI_KEY = "sk-testKey0123456789abcdefghijklmnop"


GROQ_KEY = "gsk_testKey0123456789abcdefghijklmnop"


OPENAI_CASES = [  # (fake reply, provider, class, retryable, server's wait, words the user reads)
    ("401-openai", "openai", errors.AuthError, False, None, "platform.openai.com/api-keys"),
    ("401-groq", "groq", errors.AuthError, False, None, "console.groq.com/keys"),
    ("429-rate", "openai", errors.RateLimitError, True, 2.502, "rate-limiting you"),  # retry-after-ms wins over retry-after
    ("429-groq-text", "groq", errors.RateLimitError, True, 4.77, "rate-limiting you"),  # only the message says how long
    ("429-quota", "openai", errors.QuotaExhaustedError, False, None, "credits or quota for this provider are used up"),
    ("404", "openai", errors.ModelNotFoundError, False, None, "does not know this model"),
    ("400-context", "openai", errors.ContextLengthError, False, None, "lower \u201cmax new tokens\u201d"),
    ("413-groq", "groq", errors.ContextLengthError, False, None, "higher tier"),
    ("500", "openai", errors.ProviderUnavailableError, True, None, "usually temporary"),
    ("503", "groq", errors.ProviderUnavailableError, True, None, "usually temporary"),
]


GEMINI_KEY = "AIzaTestKey0123456789abcdefghijklmnopqr"


GEMINI_CASES = [  # (fake reply, class, retryable, server's wait, words the user reads)
    ("400-key", errors.AuthError, False, None, "Google AI Studio"),
    ("429-minute", errors.RateLimitError, True, 38.0, "rate-limiting you"),  # RetryInfo.retryDelay
    ("429-day", errors.QuotaExhaustedError, False, None, "midnight Pacific time"),
    ("429-bare", errors.RateLimitError, True, None, "rate-limiting you"),
    ("404", errors.ModelNotFoundError, False, None, "Gemini does not know this model"),
    ("400-context", errors.ContextLengthError, False, None, "lower \u201cmax new tokens\u201d"),
    ("503", errors.ProviderUnavailableError, True, None, "usually temporary"),
    ("503-demand", errors.ProviderUnavailableError, True, None, "usually temporary"),
]


OLLAMA_CASES = [  # every error body of reference §2 and docs/api/errors.mdx: class, retryable, words the user reads
    # (the message, or the provider's own words shown beside it as "Provider said")
    ("400", errors.BadRequestError, False, "invalid model name"),
    ("401", errors.AuthError, False, "ollama signin"),
    ("403", errors.AccessDeniedError, False, "cloud models are turned off"),
    ("404", errors.ModelNotFoundError, False, "ollama pull llama3"),
    ("404-pull", errors.ModelNotFoundError, False, "ollama pull llama3"),
    ("429", errors.RateLimitError, True, "hourly and daily limits"),
    ("429-retry-after", errors.RateLimitError, True, "Wait a moment"),
    ("500", errors.ProviderUnavailableError, True, "try again"),
    ("502", errors.ProviderUnavailableError, True, "could not reach the cloud model"),
    ("503", errors.ProviderUnavailableError, True, "request queue is full"),
    ("html-502", errors.ProviderUnavailableError, True, "web page instead of a model answer"),
    ("stream-error", errors.ProviderUnavailableError, True, "try again"),
    ("stream-cut", errors.ProviderUnavailableError, True, "was cut"),
]


OLLAMA_HINTS = {"429-retry-after": 12.0}


ANTHROPIC_KEY = "sk-ant-api03-TestKey0123456789abcdefghij"


ANTHROPIC_CASES = [  # (fake reply, class, retryable, server's wait, words the user reads)
    ("401", errors.AuthError, False, None, "sk-ant-"),
    ("400-too-long", errors.ContextLengthError, False, None, "lower \u201cmax new tokens\u201d"),
    ("400-spend-cap", errors.QuotaExhaustedError, False, None, "spend limit"),
    ("402", errors.QuotaExhaustedError, False, None, "spend limit"),
    ("403", errors.AccessDeniedError, False, None, "permissions"),
    ("404", errors.ModelNotFoundError, False, None, "Anthropic does not know this model"),
    ("413", errors.ContextLengthError, False, None, "lower \u201cmax new tokens\u201d"),
    ("429", errors.RateLimitError, True, 7.0, "rate-limiting you"),
    ("429-spend", errors.QuotaExhaustedError, False, None, "spend limit"),
    ("500", errors.ProviderUnavailableError, True, None, "usually temporary"),
    ("504", errors.ProviderUnavailableError, True, None, "usually temporary"),
    ("529", errors.ProviderUnavailableError, True, None, "overloaded"),
]


OPENROUTER_KEY = "sk-or-v1-TestKey0123456789abcdefghijklmnop"


OPENROUTER_CASES = [  # (fake reply, class, retryable, server's wait, words the user reads)
    ("401", errors.AuthError, False, None, "sk-or-"),
    ("402", errors.QuotaExhaustedError, False, None, "credits are used up"),
    ("403", errors.AccessDeniedError, False, None, "moderation"),
    ("404", errors.ModelNotFoundError, False, None, "no provider serving this model"),
    ("400-model", errors.ModelNotFoundError, False, None, "no provider serving this model"),
    ("400-context", errors.ContextLengthError, False, None, "lower \u201cmax new tokens\u201d"),
    ("408", errors.ProviderUnavailableError, True, None, "timed out"),
    ("429-free-day", errors.QuotaExhaustedError, False, None, "today's OpenRouter requests"),
    ("429-upstream", errors.RateLimitError, True, 4.0, "rate-limiting you"),
    ("502", errors.ProviderUnavailableError, True, None, "down or busy"),
    ("503", errors.ProviderUnavailableError, True, None, "down or busy"),
]
