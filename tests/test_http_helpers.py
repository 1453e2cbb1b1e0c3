"""Pure parsers of the wire layer: durations, retry hints, rate-limit headers, error bodies."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from adapters import ChatRequest, Message, create_adapter, errors
from adapters.http import parse_duration, parse_error_body, parse_rate_limit, parse_retry_after, path_segment, retry_hint_in_text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m59.56s", 179.56),
        ("6m0s", 360.0),
        ("12ms", 0.012),
        ("1s", 1.0),
        ("7.66s", 7.66),
        ("9m38.016s", 578.016),
        ("1h2m", 3720.0),
        ("3", 3.0),
        ("", None),
        ("soon", None),
        ("5x", None),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == (pytest.approx(seconds) if seconds is not None else None)


def test_retry_after_prefers_milliseconds_then_seconds_then_ietf():
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    assert parse_retry_after(httpx.Headers({"retry-after": "9"})) == 9.0
    assert parse_retry_after(httpx.Headers({"ratelimit": '"api";r=0;t=55'})) == 55.0
    assert parse_retry_after(httpx.Headers({})) is None


def test_retry_after_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(httpx.Headers({"retry-after": when})) <= 31


def test_retry_hint_in_message_text():
    assert retry_hint_in_text("Please try again in 4.77s. Need more tokens?") == pytest.approx(4.77)
    assert retry_hint_in_text("Please retry in 38.86s.") == pytest.approx(38.86)
    assert retry_hint_in_text("no hint here") is None


def test_rate_limit_headers_openai_style():
    info = parse_rate_limit(
        httpx.Headers(
            {
                "x-ratelimit-limit-requests": "14400",
                "x-ratelimit-remaining-requests": "14370",
                "x-ratelimit-reset-requests": "2m59.56s",
                "x-ratelimit-limit-tokens": "6000",
                "x-ratelimit-remaining-tokens": "5997",
                "x-ratelimit-reset-tokens": "12ms",
            }
        )
    )
    assert (info.limit_requests, info.remaining_requests, info.limit_tokens, info.remaining_tokens) == (14400, 14370, 6000, 5997)
    assert info.reset_requests_s == pytest.approx(179.56) and info.reset_tokens_s == pytest.approx(0.012)
    assert parse_rate_limit(httpx.Headers({})) is None


@pytest.mark.parametrize(
    ("body", "ctype", "message", "code"),
    [
        (
            b'{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}',
            "application/json",
            "Invalid API Key",
            "invalid_api_key",
        ),
        (b'{"error":"Model is overloaded","error_type":"overloaded"}', "application/json", "Model is overloaded", ""),
        (b'{"error":["first","second"]}', "application/json", "first; second", ""),
        (
            b'[{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}]',
            "application/json",
            "API key not valid.",
            "API_KEY_INVALID",
        ),
        (b"Failed to deserialize the JSON body", "text/plain", "Failed to deserialize the JSON body", ""),
        (b"<html><title>504 Gateway Time-out</title></html>", "text/html", "504 Gateway Time-out", ""),
    ],
)
def test_parse_error_body_families(body, ctype, message, code):
    parsed = parse_error_body(body, httpx.Headers({"content-type": ctype}))
    assert parsed.message == message and parsed.code == code
    assert parsed.is_html == ("html" in ctype)


def test_path_segment_keeps_owner_slash_and_encodes_the_rest():
    assert path_segment("owner/name") == "owner/name"
    assert path_segment("a b/c?d") == "a%20b/c%3Fd"


async def test_prepared_request_with_mock_transport():
    """Parser-level check with httpx.MockTransport: the request the adapter prepares (no network)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, json={"error": "Invalid credentials in Authorization header"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    a = create_adapter("huggingface", token="hf_mocktokenvalue123", base_url="https://router.example", client=client)
    with pytest.raises(errors.AuthError):
        await a.complete(ChatRequest("x/y", (Message("user", "hi"),)))
    assert str(seen[0].url) == "https://router.example/v1/chat/completions"
    assert seen[0].headers["authorization"] == "Bearer hf_mocktokenvalue123"
    await client.aclose()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),  # how Streamlit's dual-stack server reports a browser on this computer
        ("localhost", True),
        ("app.localhost", True),
        ("::ffff:192.0.2.10", False),
        ("192.0.2.10", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host, loopback):
    from adapters.http import is_loopback

    assert is_loopback(host) is loopback
