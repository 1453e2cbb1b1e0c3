"""Every export in one place: a comparison as CSV, JSON or Markdown; a council transcript as JSON or
Markdown. Built from the records (``council.runs.records``) — never a token, only what was asked
and what came back."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from adapters import Attachment
from council.runs import bias
from council.runs.attachments import digest
from council.runs.compare import label_of
from council.runs.ranking import AGREEMENT_EXPLAINED, agreement_value, passes, positions, ranking_words
from council.runs.records import Comparison, SlotRecord, Transcript
from council.runs.turns import TurnMetrics
from council.untrusted import code_fence, code_span, csv_document, markdown_block, markdown_inline, markdown_quote

# ---- a comparison ---------------------------------------------------------------------------------

CSV_FIELDS = (
    "slot",
    "label",
    "provider",
    "model",
    "task",
    "answered_by",
    "params",
    "output",
    "latency_s",
    "ttft_s",
    "prompt_tokens",
    "completion_tokens",
    "tokens_per_s",
    "cost_usd",
    "error",
    "prompt",
    "system",
    "turn",
    "note",
)


def _answered_by(slot: SlotRecord) -> str:
    return "/".join(slot.answered_by)


def _metrics(slot: SlotRecord) -> TurnMetrics:
    """A stopped slot's figures are not measurements: shown as unknown."""
    return TurnMetrics() if slot.answer.stopped else slot.answer.metrics


def _cost(slot: SlotRecord) -> float | None:
    return None if slot.answer.stopped else slot.answer.cost_usd


def _comparison(rec: Comparison | Mapping[str, Any]) -> Comparison:
    """The typed comparison; a dict is one as History stores it (DESIGN.md keeps that entry point for
    tools outside the app)."""
    return rec if isinstance(rec, Comparison) else Comparison.from_dict(dict(rec))


def comparison_csv(rec: Comparison | Mapping[str, Any]) -> str:
    """One row per slot of each prompt (``turn`` 1, 2, … with follow-ups); the prompt and system prompt
    repeated on each row (a sheet reads it alone). Every text cell is neutralised as a spreadsheet formula
    would be (``council.untrusted``)."""
    rows = []
    for n, turn in enumerate(_comparison(rec).turns, 1):
        rows += _csv_rows(turn, n)
    return csv_document(CSV_FIELDS, rows)


def _csv_rows(rec: Comparison, turn: int) -> list[dict[str, Any]]:
    rows = []
    for i, slot in enumerate(rec.slots):
        m, error, cost = _metrics(slot), slot.answer.error, _cost(slot)
        rows.append(
            {
                "slot": slot.slot,
                "label": label_of(rec, i),
                "provider": slot.provider,
                "model": slot.model,
                "task": slot.task,
                "answered_by": _answered_by(slot),
                "params": json.dumps(slot.params, sort_keys=True),
                "output": slot.answer.text,
                "latency_s": _num(m.latency_s),
                "ttft_s": _num(m.ttft_s),
                "prompt_tokens": m.prompt_tokens,
                "completion_tokens": m.completion_tokens,
                "tokens_per_s": _num(m.tokens_per_s),
                "cost_usd": "" if cost is None else f"{cost:.6f}",
                "error": f"{error.get('title', 'Failed')}: {error['message']}" if error else "",
                "prompt": rec.prompt,
                "system": rec.system,
                "turn": turn,
                "note": slot.note,
            }
        )
    return rows


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def comparison_json(rec: Comparison | Mapping[str, Any], *, embed: bool = False) -> str:
    """The comparison as History keeps it; ``embed`` puts each attached file inside (base64), so the export stands alone."""
    rec = _comparison(rec)
    out = rec.to_dict()
    files = [a for turn in rec.turns for a in turn.attachments]  # with follow-ups, each prompt's own files
    return json.dumps(embedded(out, files) if embed else out, indent=2, ensure_ascii=False)


def embedded(out: dict[str, Any], files: Sequence[Attachment]) -> dict[str, Any]:
    """A record's ``files`` (and each follow-up prompt's, in ``turns``) with each file's bytes beside its name
    and hash (``data_base64``), where the bytes are at hand (a document's text is in the record already)."""
    by_hash = {a.sha256 or digest(a.data): a for a in files if a.data}
    for ref in [*(out.get("files") or []), *(r for turn in out.get("turns") or [] for r in turn.get("files") or [])]:
        held = by_hash.get(ref.get("sha256"))
        if held is not None:
            ref["data_base64"] = held.base64
    return out


def comparison_markdown(rec: Comparison | Mapping[str, Any]) -> str:
    """The comparison for people: each prompt (with follow-ups, in turn) with its results table and every answer."""
    rec = _comparison(rec)
    lines = [f"# Comparison of {len(rec.slots)} models", "", f"_{rec.turns[0].created.replace('T', ' ')} UTC_", ""]
    for n, turn in enumerate(rec.turns, 1):
        lines += _turn_markdown(turn, f"Prompt {n}" if rec.earlier else "Prompt")
    return "\n".join(lines) + "\n"


def _turn_markdown(rec: Comparison, heading: str) -> list[str]:
    lines = [f"## {heading}", "", markdown_quote(rec.prompt), ""]
    if rec.system:
        lines += ["## System prompt", "", markdown_quote(rec.system), ""]
    if rec.attachments:  # named, never embedded (the JSON names them by content hash too)
        lines += ["## Attached", "", *(f"- {markdown_inline(_described(a))}" for a in rec.attachments), ""]
    lines += [
        "## Results",
        "",
        "| Slot | Model | Answered by | Latency (s) | First token (s) | Tokens in / out | Tokens/s | Est. cost (USD) |",
    ]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for i, slot in enumerate(rec.slots):
        m, cost = _metrics(slot), _cost(slot)
        tokens = f"{_or_dash(m.prompt_tokens)} / {_or_dash(m.completion_tokens)}"
        shown_cost = "\u2014" if cost is None else f"{cost:.6f}"
        lines.append(
            f"| {label_of(rec, i)} | {markdown_inline(slot.provider + '/' + slot.model)} | {markdown_inline(_answered_by(slot))} | "
            f"{_or_dash(_round(m.latency_s))} | {_or_dash(_round(m.ttft_s))} | {tokens} | "
            f"{_or_dash(_round(m.tokens_per_s, 1))} | {shown_cost} |"
        )
    for i, slot in enumerate(rec.slots):
        lines += ["", f"## {label_of(rec, i)}: {markdown_inline(slot.provider + '/' + slot.model)}", ""]
        lines.append(f"Parameters: {code_span(json.dumps(slot.params, sort_keys=True))}")
        for provider, model, reason in slot.answer.fallbacks:
            lines.append(markdown_inline(f"Fell back from {provider}/{model}: {reason}."))
        error = slot.answer.error
        if error:
            lines.append(f"**{markdown_inline(error.get('title', 'Failed'))}**: {markdown_inline(error['message'])}")
        lines += ["", code_fence(slot.answer.text)]
        if slot.note:
            lines += ["", f"Your note: {markdown_inline(slot.note)}"]
    if rec.vote:
        lines += ["", "## Vote", "", markdown_inline(rec.vote["outcome_words"])]
    return [*lines, ""]


def _described(a: Attachment) -> str:
    if a.kind == "image":
        return f"{a.name} (image, {a.width}\u00d7{a.height} px)"
    if a.kind == "pdf" or a.pages:
        return f"{a.name} (PDF, {a.pages} page{'s' if a.pages != 1 else ''})"
    return f"{a.name} (text, {len(a.text):,} characters)"


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _or_dash(value: Any) -> str:
    return "\u2014" if value is None else str(value)


# ---- a council transcript ----------------------------------------------------------------------


def transcript_json(transcript: Transcript, *, embed: bool = False) -> str:
    """The transcript as its JSON contract (``schema_version`` first, fields added later kept); ``embed`` puts
    each attached file inside (base64)."""
    out = transcript.to_dict()
    return json.dumps(embedded(out, transcript.attachments) if embed else out, indent=2, ensure_ascii=False)


def _who(entry: dict) -> str:
    return markdown_inline(f"{entry['provider']}:{entry['model']}")


def transcript_markdown(transcript: Transcript) -> str:
    """A readable rendering of the transcript (the JSON is the contract; this is for people). Every text a
    model or a person wrote goes through ``council.untrusted``: no raw HTML, no images, no formula. A council
    asked follow-up questions shows each question in turn, with its stages."""
    t = transcript.to_dict()
    rounds = t.get("rounds") or [t]
    first = rounds[0]
    lines = ["# Council transcript", "", "**Question:**", "", markdown_quote(first["question"]), ""]
    if transcript.attachments:
        lines += ["**Attached:** " + ", ".join(markdown_inline(_described(a)) for a in transcript.attachments), ""]
    lines += [f"Task: {markdown_inline(t['task'])} · mode: {markdown_inline(t['mode'])}", ""]
    lines += ["## Members", ""]
    for m in t["members"]:
        persona = f" ({markdown_inline(m['persona'])})" if m.get("persona") else ""
        lines.append(f"- {m['label']}: {_who(m)}{persona}")
    lines.append("")
    for n, r in enumerate(rounds, 1):
        if n > 1:
            lines += [f"# Follow-up question {n}", "", markdown_quote(r["question"]), ""]
        lines += _round_markdown(r)
    cost = "unknown" if t["cost_usd"] is None else f"${t['cost_usd']:.4f}"
    asked = f" over {len(rounds)} questions" if len(rounds) > 1 else ""
    lines.append(f"Requests sent{asked}: {t['requests']} · estimated cost: {cost}")
    return "\n".join(lines) + "\n"


def _round_markdown(t: dict[str, Any]) -> list[str]:
    """One question's stages: the answers, the reviews with the aggregate and the bias panel, the final answer."""
    lines = ["## Stage 1: answers", ""]
    for e in t["stage1"]:
        lines.append(f"### Answer {e['label']} — {_who(e)}")
        if e.get("fallback_from"):
            f = e["fallback_from"]
            said = f"{f['provider']} {f.get('status') or f.get('kind')} → answered by {e['provider']}: {f['message']}"
            lines.append(f"_{markdown_inline(said)}_")
        if e.get("error"):
            lines.append(f"**Failed:** {markdown_inline(e['error']['message'])}")
        lines += ["", markdown_block(e["text"]) or "_(no answer)_", ""]
    if t["stage2"]:
        lines += ["## Stage 2: anonymous reviews", ""]
        for r in t["stage2"]:
            seen = ", ".join(r["order"])
            asked = passes(r)
            ranked = ranking_words(r) if r["parsed"] else "no ranking could be read"
            reasons = r.get("reasons") or {}
            said = "\n".join(f"- {label}: {markdown_inline(reasons[label])}" for label in (r["ranking"] or r["order"]) if label in reasons)
            lines += [
                f"### Review by {r['reviewer_label']} (saw {seen}; {r.get('method', 'text')})",
                "",
                f"Ranking{' kept from both orders' if len(asked) >= 2 else ''}: {ranked}",
                "",
                said or markdown_block(r["text"]) or "_(no review)_",
                "",
            ]
            if len(asked) >= 2:  # asked again with the answers reversed; the ranking above is what both orders kept
                said_each = "; ".join(
                    f"saw {', '.join(p['order'])}: {' > '.join(p['ranking']) if p['parsed'] else 'no ranking could be read'}" for p in asked
                )
                kept = ", ".join(f"{label} {place:g}" for label, place in sorted(positions(r).items(), key=lambda kv: kv[1]))
                lines += [f"Asked in both orders ({said_each}). Places kept (the mean of both; 1 = best): {kept or '—'}", ""]
        lines += ["### Aggregate", "", "| Answer | Model | Average rank | Votes |", "|---|---|---|---|"]
        for a in t["aggregate"]:
            avg = "—" if a["avg_rank"] is None else f"{a['avg_rank']:.2f}"
            lines.append(f"| {a['label']} | {_who(a)} | {avg} | {a['votes']} |")
        value = agreement_value(t["consensus"])
        lines += ["", f"Agreement: {'—' if value is None else f'{value:+.2f}'} ({AGREEMENT_EXPLAINED})", ""]
        said = bias.describe(t.get("bias") or {})
        if said:
            lines += ["### Can these reviews be trusted?", "", *(f"- {markdown_inline(line)}" for line in said), ""]
    if t.get("final"):
        f = t["final"]
        lines += ["## Stage 3: final answer", "", f"_Chairman: {_who(f)}_", ""]
        if f.get("error"):
            lines.append(f"**Failed:** {markdown_inline(f['error']['message'])}")
        if f.get("note"):
            lines.append(f"_{markdown_inline(f['note'])}_")
        lines += [markdown_block(f["text"]) or "_(no final answer)_", ""]
        if f.get("cut_off"):
            lines += ["_This answer reached the chairman's token limit and was cut off._", ""]
        if f.get("kept_from"):
            lines += ["Kept points from: " + ", ".join(f"Answer {label}" for label in f["kept_from"]) + " (shared wording, est.)", ""]
    if t.get("note"):
        lines += [f"_{markdown_inline(t['note'])}_", ""]
    return lines


# ---- a prompt-set run ------------------------------------------------------------------------------

SET_CSV_FIELDS = (
    "id",
    "prompt",
    "model",
    "answered_by",
    "text",
    "error",
    "latency_s",
    "ttft_s",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "cached",
    "judge_score",
    "judge_reason",
    "files",
)


def prompt_set_csv(doc: dict[str, Any]) -> str:
    """One line per cell (a row's prompt × a model), in the set's order. Every text cell is neutralised as
    a spreadsheet formula would be (``council.untrusted``); the numbers written are never negative."""
    lines = []
    for row in doc["rows"]:
        for cell in row["cells"]:
            error, verdict = cell.get("error"), cell.get("judge") or {}
            lines.append(
                {
                    "id": row["id"],
                    "prompt": row["prompt"],
                    "model": cell["model"],
                    "answered_by": cell.get("answered_by") or "",
                    "text": cell.get("text") or "",
                    "error": f"{error.get('kind')}: {error.get('message')}" if error else "",
                    "latency_s": _num(cell.get("latency_s")),
                    "ttft_s": _num(cell.get("ttft_s")),
                    "prompt_tokens": cell.get("prompt_tokens"),
                    "completion_tokens": cell.get("completion_tokens"),
                    "cost_usd": "" if cell.get("cost_usd") is None else f"{cell['cost_usd']:.6f}",
                    "cached": "yes" if cell.get("cached") else "",
                    "judge_score": verdict.get("score"),
                    "judge_reason": verdict.get("reason") or "",
                    "files": "; ".join(row.get("files") or []),
                }
            )
    return csv_document(SET_CSV_FIELDS, lines)


def prompt_set_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def prompt_set_markdown(doc: dict[str, Any]) -> str:
    """The run for people: the summary per model, then each prompt with every model's answer."""
    name = doc["set"]["name"] or "a prompt set"
    lines = [f"# Run of {markdown_inline(name)}", "", f"{doc['set']['rows']} prompts \u00d7 {len(doc['models'])} models", ""]
    lines += [
        "| Model | Answered | Failed | Median latency (s) | p95 latency (s) | Cost (USD) | Mean score |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in doc["summary"]:
        cost = "\u2014" if s["cost_usd"] is None else f"{s['cost_usd']:.6f}"
        lines.append(
            f"| {markdown_inline(s['model'])} | {s['answered']} | {s['failed']} | {_or_dash(_round(s['median_latency_s']))} | "
            f"{_or_dash(_round(s['p95_latency_s']))} | {cost} | {_or_dash(s['mean_score'])} |"
        )
    for row in doc["rows"]:
        lines += ["", f"## {markdown_inline(str(row['id']))}", "", markdown_quote(row["prompt"])]
        if row.get("files"):
            lines += ["", "Attached: " + ", ".join(markdown_inline(name) for name in row["files"])]
        for cell in row["cells"]:
            lines += ["", f"### {markdown_inline(cell['model'])}"]
            if cell.get("error"):
                lines.append(f"**Failed:** {markdown_inline(cell['error'].get('message') or '')}")
            verdict = cell.get("judge") or {}
            if verdict.get("score"):
                lines.append(f"Judge: {verdict['score']}/5 \u2014 {markdown_inline(verdict.get('reason') or '')}")
            lines += ["", code_fence(cell.get("text") or "")]
    return "\n".join(lines) + "\n"
