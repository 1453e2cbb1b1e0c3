"""A prompt set: the list of prompts a tester runs across models — read from pasted lines, a CSV, a
JSONL or a text file, checked before anything is sent, and filled from its own columns.

Columns: ``prompt`` (required), optional ``id``, ``system``, ``expected`` (a reference answer for the
judge), ``attachment`` (a file beside the set), and any other column is a variable that fills
``{{name}}`` in the prompt and the system prompt. A text file (or pasted text) is one prompt a line;
blank lines are skipped and the ids are ``1``, ``2``, … in order.

Every problem is a ``SetError`` whose message names the row and what to fix; a set with one is never
run. No Streamlit and no storage here: the page and the command hand in bytes or text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 5 * 1024 * 1024  # a larger file is refused, said in megabytes
MAX_ROWS = 5000
KNOWN = ("id", "prompt", "system", "expected", "attachment")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


class SetError(ValueError):
    """A set that cannot be run, in one sentence naming the row and what to fix."""


@dataclass(frozen=True)
class SetRow:
    """One prompt of a set, as written (placeholders unfilled) with the values that fill them."""

    id: str
    prompt: str
    system: str = ""
    expected: str = ""
    attachment: str = ""
    values: dict[str, str] = field(default_factory=dict)

    @property
    def filled_prompt(self) -> str:
        return fill(self.prompt, self.values)

    @property
    def filled_system(self) -> str:
        return fill(self.system, self.values)

    @property
    def filled_expected(self) -> str:
        return fill(self.expected, self.values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "prompt": self.prompt}
        for key in ("system", "expected", "attachment"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out | dict(self.values)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SetRow:
        values = {k: str(v) for k, v in data.items() if k not in KNOWN}
        return cls(
            str(data.get("id", "")),
            str(data.get("prompt", "")),
            str(data.get("system") or ""),
            str(data.get("expected") or ""),
            str(data.get("attachment") or ""),
            values,
        )


@dataclass(frozen=True)
class PromptSet:
    name: str
    rows: list[SetRow]

    @property
    def variables(self) -> list[str]:
        """The variable columns, in the order they first appear."""
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row.values))
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": [r.to_dict() for r in self.rows]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PromptSet:
        return cls(str(data.get("name") or ""), [SetRow.from_dict(r) for r in data.get("rows") or []])


def fill(template: str, values: Mapping[str, str]) -> str:
    """``{{name}}`` replaced by its value (a name no value fills is left as written; ``check`` refuses it first)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# ---- reading ---------------------------------------------------------------------------------------


def read(data: bytes, filename: str, name: str = "") -> PromptSet:
    """A set from a file's bytes: CSV, JSONL (also .json lines) or text, by its extension."""
    if len(data) > MAX_BYTES:
        raise SetError(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; a set may be at most {MAX_BYTES // 1024 // 1024} MB. Split it into smaller sets."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SetError(
            f"The file is not UTF-8 text (line {line} has a byte UTF-8 cannot read). Save it as UTF-8 and upload it again."
        ) from None
    stem = name or filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    lower = filename.lower()
    if lower.endswith(".csv"):
        return from_csv(text, stem)
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return from_jsonl(text, stem)
    return from_lines(text, stem)


def from_lines(text: str, name: str = "") -> PromptSet:
    """One prompt a line (pasted or a text file); blank lines skipped, ids 1, 2, … in order."""
    prompts = [line.strip() for line in text.splitlines() if line.strip()]
    return check(PromptSet(name, [SetRow(str(i), p) for i, p in enumerate(prompts, 1)]))


def from_csv(text: str, name: str = "") -> PromptSet:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "prompt" not in header:
        raise SetError(
            "The CSV has no \u201cprompt\u201d column (its first line names the columns"
            + (f": {', '.join(header[:8])}" if header else "")
            + "). Name the column that holds the prompts \u201cprompt\u201d."
        )
    records = []
    for record in reader:
        if None in record:  # more cells than the header names
            raise SetError(
                f"Row {reader.line_num - 1} (line {reader.line_num}) has more cells than the header has columns. Quote cells that hold a comma."
            )
        records.append({(k or "").strip(): v for k, v in record.items()})
    return _from_records(records, name, where=lambda i: f"Row {i} (line {i + 1})")


def from_jsonl(text: str, name: str = "") -> PromptSet:
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise SetError(
                f'Line {number} is not a JSON object ({line[:40]!r}\u2026). Each line holds one object, e.g. {{"prompt": "\u2026"}}.'
            ) from None
        if not isinstance(record, dict):
            raise SetError(f"Line {number} is not a JSON object: each line holds one object with a \u201cprompt\u201d.")
        records.append(record)
    return _from_records(records, name, where=lambda i: f"Row {i}")


def _from_records(records: Iterable[Mapping[str, Any]], name: str, where) -> PromptSet:
    rows: list[SetRow] = []
    for i, record in enumerate(records, 1):
        if len(rows) >= MAX_ROWS:
            raise SetError(f"The set has more than {MAX_ROWS:,} rows; split it into smaller sets.")
        values = {str(k): "" if v is None else v if isinstance(v, str) else json.dumps(v) for k, v in record.items()}
        prompt = values.get("prompt", "")
        if not prompt.strip():
            raise SetError(f"{where(i)} has no prompt. Fill it in, or delete the row.")
        rows.append(SetRow.from_dict({**values, "id": values.get("id", "").strip() or str(i), "prompt": prompt}))
    return check(PromptSet(name, rows), where)


def check(prompt_set: PromptSet, where=lambda i: f"Row {i}") -> PromptSet:
    """Refuse a set that would send something other than what the tester meant: no rows, a repeated id,
    a ``{{variable}}`` no column fills."""
    if not prompt_set.rows:
        raise SetError("The set has no prompts. Paste one prompt a line, or upload a CSV or JSONL file with a \u201cprompt\u201d column.")
    if len(prompt_set.rows) > MAX_ROWS:
        raise SetError(f"The set has {len(prompt_set.rows):,} rows; at most {MAX_ROWS:,} may run at once. Split it into smaller sets.")
    ids: dict[str, int] = {}
    for i, row in enumerate(prompt_set.rows, 1):
        if not row.prompt.strip():
            raise SetError(f"{where(i)} has no prompt. Fill it in, or delete the row.")
        if row.id in ids:
            raise SetError(f"{where(i)} has the id \u201c{row.id}\u201d, which row {ids[row.id]} has too. Give each row its own id.")
        ids[row.id] = i
        for text in (row.prompt, row.system):
            for missing in (m for m in PLACEHOLDER.findall(text) if m not in row.values):
                raise SetError(
                    f"{where(i)} uses {{{{{missing}}}}}, but no column \u201c{missing}\u201d fills it. Add the column, or remove the placeholder."
                )
            for empty in (m for m in PLACEHOLDER.findall(text) if m in row.values and not row.values[m].strip()):
                raise SetError(f"{where(i)} leaves \u201c{empty}\u201d empty, so {{{{{empty}}}}} would be sent blank. Fill it in.")
    return prompt_set


def from_history(payloads: Iterable[Mapping[str, Any]], name: str = "From History", limit: int = 200) -> PromptSet:
    """The person's own questions from saved Playground conversations (newest first, each once)."""
    seen: dict[str, None] = {}
    for payload in payloads:
        for turn in payload.get("turns") or []:
            text = str(turn.get("content") or "").strip()
            if turn.get("role") == "user" and text:
                seen.setdefault(text, None)
            if len(seen) >= limit:
                break
    return check(PromptSet(name, [SetRow(str(i), text) for i, text in enumerate(seen, 1)]))


def apply_edits(rows: Sequence[Mapping[str, Any]], change: Mapping[str, Any]) -> list[dict[str, str]]:
    """A table's rows with an editor's change list applied (Streamlit's ``data_editor`` state: cells edited
    by row position, rows deleted by position, rows added at the end). ``rows`` are the rows the editor was
    drawn from: the change list holds every edit since, so it is applied to them, never on top of itself."""
    out = [dict(r) for r in rows]
    for index, values in (change.get("edited_rows") or {}).items():
        if 0 <= int(index) < len(out):
            out[int(index)].update({k: "" if v is None else str(v) for k, v in values.items()})
    for index in sorted((int(i) for i in change.get("deleted_rows") or []), reverse=True):
        if 0 <= index < len(out):
            out.pop(index)
    out += [{k: "" if v is None else str(v) for k, v in added.items()} for added in change.get("added_rows") or []]
    return out
