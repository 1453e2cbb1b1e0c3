"""Tokens never reach logs: registered secrets and token-shaped strings are masked."""

from __future__ import annotations

import logging

from council.redaction import install_log_redaction, redact, register_secret
from council.settings import mask, resolve_token


def test_registered_and_token_shaped_values_are_masked(caplog):
    install_log_redaction()
    register_secret("my-very-secret-value")
    logger = logging.getLogger("council.test")
    with caplog.at_level(logging.DEBUG):
        logger.warning("sending %s and %s", "my-very-secret-value", "hf_abcdefghijklmnopqrstuvwxyz0123")
        logger.debug("Authorization: Bearer sk-abcdefghijklmnopqrstuvwxyz012345")
    text = caplog.text
    assert "my-very-secret-value" not in text and "hf_abcdefghij" not in text and "sk-abcdefghij" not in text
    assert text.count("[redacted]") >= 3


def test_http_client_loggers_are_quiet():
    install_log_redaction()
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("httpcore").getEffectiveLevel() >= logging.WARNING


def test_redact_is_idempotent():
    assert redact(redact("gsk_" + "a" * 40)) == "[redacted]"


def test_mask_shows_only_the_end():
    assert mask("hf_abcdefghijklmnopWXYZ") == "hf_\u2026WXYZ"
    assert mask(None) == "not set"
    assert "abc" not in mask("abcdefgh")


def test_session_token_wins_then_environment(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_fromtheenvironment1234")
    assert resolve_token("huggingface", {}).origin == "environment"
    assert resolve_token("huggingface", {"huggingface": " hf_pastedvalue123456 "}).value == "hf_pastedvalue123456"


def test_host_tokens_are_not_offered_to_remote_visitors(monkeypatch):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", "hf_hostownedtoken123456")
    assert resolve_token("huggingface", {}, visitor_is_local=False).value is None
    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    assert resolve_token("huggingface", {}, visitor_is_local=False).value is None  # shared only with people who signed in
    assert resolve_token("huggingface", {}, visitor_is_local=False, signed_in=True).value == "hf_hostownedtoken123456"


def test_a_typed_error_never_carries_a_token_its_server_echoed():
    """A server may echo the key it was sent; the adapter knows its token, so the error's message,
    detail and text (shown in panels, stored in History and the ledger) hold it masked."""
    from adapters import create_adapter, errors

    create_adapter("openai-compatible", token="plain-server-secret-77", base_url="http://127.0.0.1:1/v1")
    error = errors.AuthError(
        "Refused plain-server-secret-77", provider="openai-compatible", detail="Incorrect API key provided: plain-server-secret-77"
    )
    assert "plain-server-secret-77" not in f"{error} {error!r} {error.user_message} {error.detail}"
    assert error.detail == "Incorrect API key provided: [redacted]"


def test_a_short_dummy_key_does_not_mask_ordinary_words():
    """Local servers take any key; people type "ollama". Masking it would garble the app's own advice."""
    from adapters import create_adapter, errors

    create_adapter("openai-compatible", token="ollama", base_url="http://127.0.0.1:1/v1")
    assert "ollama pull llama3" in errors.ModelNotFoundError("Download it with ollama pull llama3.").user_message
