"""Prompt sets: a list of prompts run across up to six models — its cost before Run, the run owned by the
server (close the tab, come back later), a grid of answers with an optional AI judge and your own scores,
and the runs of a set side by side."""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import streamlit as st

from adapters import Attachment
from council import library
from council.facts import quotas, registry
from council.runs import attachments, batch, caps, diff, exports, glance, providers, routing, set_worker
from council.runs.prompt_sets import KNOWN, PromptSet, SetError, SetRow, apply_edits, check, from_history, from_lines, read
from pages import widgets as W

MAX_MODELS = batch.MAX_COLUMNS
SOURCES = {"paste": "Paste", "upload": "Upload a file", "saved": "A saved set", "history": "From History"}
FILTERS = {"all": "All rows", "failed": "Failures only", "differ": "Answers differ", "disagree": "Judge and you disagree"}
HUMAN = {"pass": "Pass", "fail": "Fail", 1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}


def prefix(i: int) -> str:
    return f"ps{i}"


# ---- the set -------------------------------------------------------------------------------------


def _take(prompt_set: PromptSet) -> None:
    st.session_state["ps_rows"] = st.session_state["ps_base"] = [r.to_dict() for r in prompt_set.rows]
    if prompt_set.name:
        W.put("ps_name", prompt_set.name)
    st.session_state.pop("ps_problem", None)
    W.redraw("ps_editor")


def _refused(exc: SetError) -> None:
    st.session_state["ps_problem"] = str(exc)


def _from_paste() -> None:
    text = W.widget_value("ps_paste") or ""
    st.session_state["ps_paste"] = text
    try:
        _take(from_lines(text, st.session_state.get("ps_name") or "Pasted prompts"))
    except SetError as exc:
        _refused(exc)


def _from_upload() -> None:
    upload = W.widget_value("ps_upload")
    if upload is None:
        return
    try:
        _take(read(upload.getvalue(), upload.name))
    except SetError as exc:
        _refused(exc)


def _from_saved(set_id: int) -> None:
    saved = library.load_set(set_id, person=W.person_id())
    if saved is not None:
        _take(PromptSet.from_dict({"name": saved.name, "rows": saved.rows}))
        st.session_state["ps_set_id"] = saved.id


def _from_history() -> None:
    runs = [r.payload for r in library.recent_runs(person=W.person_id()) if r.kind == "playground"]
    try:
        _take(from_history(runs))
    except SetError:
        st.session_state["ps_problem"] = (
            "History holds no Playground question yet: ask a few in the Playground, then make a set of them here."
        )


def _edited() -> None:
    """The table's edits into the set. The editor reports every edit since it was drawn from ``ps_base`` as
    one change list, so the set is always the base with that whole list applied (never applied twice)."""
    st.session_state["ps_rows"] = apply_edits(st.session_state.get("ps_base") or [], W.widget_value("ps_editor") or {})


def _save_set() -> None:
    try:
        prompt_set = current_set()
        st.session_state["ps_set_id"] = library.save_set(prompt_set.name, [r.to_dict() for r in prompt_set.rows], person=W.person_id())
    except SetError as exc:
        _refused(exc)
        return
    except library.StorageError as exc:
        st.toast(str(exc), icon=":material/warning:")
        return
    st.toast(f"Saved \u201c{prompt_set.name}\u201d.", icon=":material/save:")


def current_set() -> PromptSet:
    """The set as the table holds it now, checked (raises SetError naming the row)."""
    rows = [r for r in st.session_state.get("ps_rows") or [] if any(str(v).strip() for v in r.values())]
    name = (st.session_state.get("ps_name") or "").strip() or "Untitled set"
    numbered = [SetRow.from_dict({**r, "id": str(r.get("id") or "").strip() or str(i)}) for i, r in enumerate(rows, 1)]
    return check(PromptSet(name, numbered))


def set_section() -> PromptSet | None:
    st.header("1. The prompts")
    source = W.bound(
        st.segmented_control, "Where the prompts come from", "ps_source", "paste", options=list(SOURCES), format_func=SOURCES.get
    )
    if source == "paste":
        W.bound(
            st.text_area,
            "One prompt a line",
            "ps_paste",
            "",
            height=120,
            placeholder="What is the capital of France?\nExplain recursion to a child.\n\u2026",
        )
        st.button("Use these prompts", key="btn_ps_paste", on_click=_from_paste, icon=":material/playlist_add:")
    elif source == "upload":
        st.file_uploader(
            "A CSV, JSONL or text file (UTF-8, up to 5 MB)",
            type=["csv", "jsonl", "json", "txt", "md"],
            key=W.widget_key("ps_upload"),
            on_change=_from_upload,
            help="CSV/JSONL columns: prompt (required), id, system, expected (a reference answer for the judge); any other column "
            "fills {{its_name}} in the prompt and system prompt. A text file: one prompt a line.",
        )
    elif source == "saved":
        try:
            saved = library.prompt_set_list(person=W.person_id())
        except library.STORE_ERRORS:
            saved = []
        if not saved:
            st.caption("No saved set yet: paste or upload one, then Save.")
        for s in saved[:20]:
            with st.container(horizontal=True, vertical_alignment="center"):
                st.markdown(f"**{s.name}** \u00b7 {len(s.rows)} prompts \u00b7 saved {s.updated.replace('T', ' ')[:16]} UTC")
                st.button("Open", key=f"btn_ps_open_{s.id}", on_click=_from_saved, args=(s.id,), icon=":material/folder_open:")
    else:
        st.caption("Every question you asked in the Playground (kept in History), newest first, each once.")
        st.button("Make a set of them", key="btn_ps_history", on_click=_from_history, icon=":material/history:")
    problem = st.session_state.get("ps_problem")
    if problem:
        st.error(problem, icon=":material/rule:")
    rows = st.session_state.get("ps_rows")
    if not rows:
        return None
    W.bound(st.text_input, "Name of the set", "ps_name", "Untitled set", max_chars=80)
    if W.widget_key("ps_editor") not in st.session_state:  # drawn afresh (a page switch forgets the editor): from the set as it is
        st.session_state["ps_base"] = rows
    rows = st.session_state["ps_base"]
    attached = ["attachment"] if any(r.get("attachment") for r in rows) else []
    columns = ["id", "prompt", "system", "expected", *attached, *sorted({k for r in rows for k in r if k not in KNOWN})]
    table = pd.DataFrame([{c: r.get(c, "") for c in columns} for r in rows], columns=columns).astype(str)
    st.data_editor(
        table,
        key=W.widget_key("ps_editor"),
        on_change=_edited,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "prompt": st.column_config.TextColumn("prompt", width="large", required=True),
            "expected": st.column_config.TextColumn("expected", help="A reference answer the judge compares with (optional)."),
        },
    )
    try:
        prompt_set = current_set()
    except SetError as exc:
        st.error(str(exc), icon=":material/rule:")
        return None
    extra = f"; variables: {', '.join(prompt_set.variables)}" if prompt_set.variables else ""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"{len(prompt_set.rows)} prompts{extra}. Edit the table freely; Save keeps the set for next time.")
        st.button("Save the set", key="btn_ps_save", on_click=_save_set, icon=":material/save:")
        st.download_button(
            "Download the set (JSONL)",
            "\n".join(json.dumps(r.to_dict(), ensure_ascii=False) for r in prompt_set.rows) + "\n",
            file_name=f"{prompt_set.name}.jsonl",
            mime="application/jsonl",
            key="btn_ps_set_download",
            icon=":material/download:",
        )
    return prompt_set


# ---- the models ----------------------------------------------------------------------------------


def _apply_to_all(source: int) -> None:
    count = int(st.session_state.get("ps_count", 2))
    W.copy_params(prefix(source), [prefix(j) for j in range(count) if j != source])
    st.toast(f"Model {source + 1}'s parameters now apply to every model.", icon=":material/tune:")


def models_section() -> tuple[list[batch.Column], list[str]]:
    st.header("2. The models")
    remote = any(p != providers.BUNDLED for p in providers.configured_providers(W.connection()))
    count = int(
        W.bound(
            st.number_input,
            "Models",
            "ps_count",
            2 if remote else 1,
            min_value=1,
            max_value=MAX_MODELS,
            step=1,
            width=140,
            help="How many models answer every prompt (1 to 6): each prompt is one request per model.",
        )
    )
    columns: list[batch.Column] = []
    problems: list[str] = []
    for row in W.grid(count):
        for i, col in row:
            with col:
                W.default_model(prefix(i), i)
                choice, params, blockers = W.model_slot(
                    prefix(i),
                    f"Model {i + 1}",
                    key=f"ps_slot_{i}",
                    apply_to_all=lambda i=i: _apply_to_all(i),
                    apply_words="Apply these parameters to all models",
                )
            problems += blockers
            if params is not None:
                columns.append(batch.Column(choice.provider, choice.model_id, params, choice.task))
    council = W.bound(
        st.toggle,
        "Add the council as a column",
        "ps_council",
        False,
        help="Each prompt also goes to the council (its mode, members and chairman as chosen on the Council page): with a "
        "judge, the summary says how often its final answer beat its own members' answers, and at what cost.",
    )
    if council:
        seats = council_seats()
        st.caption(
            f"Council ({seats.mode}): "
            + ", ".join(m.key for m in seats.members)
            + f"; chairman {seats.chairman.key}. Change them on the Council page. Councils answer one prompt at a time."
        )
        columns.append(batch.Column.council(seats))
        if len(columns) > MAX_MODELS:
            problems.append(f"At most {MAX_MODELS} columns, the council included: remove one model.")
    keys = [c.key for c in columns]
    if len(set(keys)) < len(keys):
        problems.append("A model is picked twice: pick each once (its parameters can differ in another run).")
    return columns, problems


def council_seats() -> batch.Seats:
    """The council as the Council page has it (its members and chairman), else as the mode would seat it."""
    mode = st.session_state.get("council_mode") or "balanced"
    keys, chair = st.session_state.get("council_members") or [], st.session_state.get("council_chair")
    try:
        if len(keys) >= 2 and chair:
            return batch.Seats(mode, tuple(routing.member_from_key(k) for k in keys), routing.member_from_key(chair))
    except ValueError:
        pass  # a seat that no longer reads: seated by the mode instead
    plan = routing.choose("general", mode, routing.reachable(W.connection(), W.state("quotas", {}), None, W.capped_providers()))
    return batch.Seats(mode, tuple(plan.members), plan.chairman)


def judge_section() -> tuple[batch.Column | None, str, list[str]]:
    st.header("3. A judge (optional)")
    on = W.bound(
        st.toggle,
        "Score every answer with a judge model",
        "ps_judge",
        False,
        help="A model of your choice scores each answer 1\u20135 against your rubric (and the row's expected answer), with a "
        "one-line reason. It never sees which model wrote the answer. On the bundled model it works offline.",
    )
    if not on:
        return None, "", []
    with st.container(border=True, key="ps_judge_box"):
        choice = W.model_picker("psj")
        rubric = W.bound(st.text_area, "Rubric", "ps_rubric", "", height=80, placeholder="e.g. Correct, complete and under 100 words.")
    if choice.problem:
        return None, rubric, [f"Judge: {choice.problem}"]
    return batch.Column(choice.provider, choice.model_id, task=choice.task), rubric, []


# ---- before Run ----------------------------------------------------------------------------------


def _named_files() -> None:
    """The files the set's rows name, uploaded: made ready (EXIF gone, downscaled, checked) by their names."""
    ready, problems = {}, []
    for upload in W.widget_value("ps_named") or []:
        try:
            ready[upload.name] = attachments.prepare(upload.getvalue(), upload.name)
        except attachments.AttachmentError as exc:
            problems.append(str(exc))
    st.session_state["ps_named_ready"] = ready
    st.session_state["ps_named_problems"] = problems


def files_section(prompt_set: PromptSet, columns: list[batch.Column]) -> tuple[tuple[Attachment, ...], dict[str, Attachment], list[str]]:
    """Files for the prompts: one attachment (or a few) for every prompt, and the files the set's
    ``attachment`` column names, uploaded here by those names. Returns the shared files, the named ones and
    what stops Run (a named file not given yet)."""
    seats = [s for c in columns for s in ((*c.seats.members, c.seats.chairman) if c.seats else (c,))]
    shared = W.attach_box("ps", seats, what=" \u2014 they go with every prompt of the set")
    wanted = list(dict.fromkeys(r.attachment for r in prompt_set.rows if r.attachment))
    if not wanted:
        return shared, {}, []
    st.file_uploader(
        f"The files your set names in its attachment column ({len(wanted)})",
        type=list(attachments.ACCEPTED),
        accept_multiple_files=True,
        key=W.widget_key("ps_named"),
        on_change=_named_files,
        help="Each row's file goes with that row's prompt, matched by its file name: "
        + ", ".join(wanted[:10])
        + ("\u2026" if len(wanted) > 10 else ""),
    )
    given = st.session_state.get("ps_named_ready") or {}
    named = {name: given[name] for name in wanted if name in given}
    for problem in st.session_state.get("ps_named_problems") or []:
        st.warning(problem, icon=":material/attach_file:")
    images = [a for a in named.values() if a.kind == "image"]
    for seat in dict.fromkeys((s.provider, getattr(s, "model", "")) for s in seats):
        for problem in W.attachment_problems(batch.Column(*seat), images):
            st.warning(f"{problem} Its rows with an image will fail in its column; nothing is sent.", icon=":material/visibility_off:")
    missing = [name for name in wanted if name not in named]
    st.caption(f"{len(named)} of {len(wanted)} named files given" + (f"; still needed: {', '.join(missing[:10])}." if missing else "."))
    more = "\u2026" if len(missing) > 5 else ""
    blockers = (
        [f"Upload the files the set names in its attachment column ({', '.join(missing[:5])}{more}), or clear those cells."]
        if missing
        else []
    )
    return shared, named, blockers


def estimate_section(plan: batch.Plan) -> list[str]:
    """The figures before Run; returns warnings (over a quota or a cap), each with a cheaper plan."""
    est = batch.estimate(plan, W.connection(), W.response_cache())
    table = pd.DataFrame(
        [
            {
                "Model": c.column.key + (" (judge)" if c is est.judge else ""),
                "Requests": c.requests,
                "Tokens in (est.)": c.tokens_in,
                "Tokens out (at most)": c.tokens_out,
                "Cost (est.)": W.fmt_cost(c.cost_usd),
                "Already cached": c.cached,
            }
            for c in est.all
        ]
    )
    st.dataframe(table, hide_index=True, key="ps_estimate")
    total = "unknown (a price is missing)" if est.cost_usd is None else W.fmt_cost(est.cost_usd)
    bits = [f"{plan.cells} answers, {est.requests} requests in all", f"est. {total}"]
    warnings: list[str] = []
    needs = {p: need for p, need in est.by_provider().items() if not providers.in_process(p)}
    try:
        for share in quotas.shares(needs, W.state("quotas", {}), library.ledger(), W.fmt_cost):
            bits.append(share.words)
            if share.over:
                warnings.append(
                    f"{share.words}: this run would go over. Run fewer prompts, or pick another provider (or the bundled model) "
                    f"for {providers.label(share.provider)}'s model; cells over the quota are refused before they are sent."
                )
        standing = W.cap_state() if W.host_caps().any else None
    except library.STORE_ERRORS:
        standing = None
    if standing is not None:
        conn = W.connection()
        for share in caps.shares(standing, needs, lambda p: providers.uses_host_key(p, conn)):
            bits.append(share.words)
            if share.over:
                warnings.append(
                    f"{share.words[0].upper()}{share.words[1:]}: this run would go over. Paste your own token in Settings, or run fewer prompts."
                )
    st.caption("Before you run: " + " \u00b7 ".join(bits))
    for warning in warnings:
        st.warning(warning, icon=":material/data_usage:")
    return warnings


def _run(plan: batch.Plan) -> None:
    person = W.person_id()
    try:
        for a in plan.kept:  # the run's files, once each by content hash: the worker reads them back
            library.keep_file(attachments.digest(a.data), a.data, person=person)
        set_id = library.save_set(plan.prompt_set.name, [r.to_dict() for r in plan.prompt_set.rows], person=person)
        run_id = library.create_set_run(set_id, plan.to_dict(), person=person)
    except library.StorageError as exc:
        st.session_state["ps_problem"] = f"The run could not start: {exc}"
        return
    st.session_state.update(ps_set_id=set_id, ps_run_id=run_id, ps_run_started=time.time())
    set_worker.start(run_id, W.prompt_set_work())


# ---- a run ---------------------------------------------------------------------------------------


def _stop(run_id: int) -> None:
    set_worker.stop(run_id)


def _continue(run_id: int, only: set[tuple[int, int]] | None = None) -> None:
    st.session_state["ps_run_started"] = time.time()
    set_worker.start(run_id, W.prompt_set_work(), only=only)


def progress_panel(run_id: int, plan: batch.Plan, status: str) -> None:
    """Cells done, failures and the time left, redrawn every second while the run goes on (the run itself
    lives in the server: closing the tab stops nothing). A finished run is drawn once, not polled."""
    running_now = status == library.SET_RUNNING

    @st.fragment(run_every=1.0 if running_now else None)
    def follow() -> None:
        run = library.load_set_run(run_id, person=W.person_id())
        counts = library.set_cell_counts(run_id)
        done, failed = sum(counts.values()), counts.get("failed", 0)
        total = plan.cells
        started = st.session_state.get("ps_run_started") or time.time()
        rate = done / max(0.001, time.time() - started) if done else 0.0
        left = f" \u00b7 about {W.fmt_seconds((total - done) / rate)} left" if rate and done < total else ""
        st.progress(done / total if total else 1.0, text=f"{done} of {total} answers \u00b7 {failed} failed{left}")
        working = run is not None and run.status == library.SET_RUNNING
        with st.container(horizontal=True):
            st.button("Stop", key="btn_ps_stop", on_click=_stop, args=(run_id,), icon=":material/stop:", disabled=not working)
            if run is not None and run.status != library.SET_RUNNING and done < total:
                st.button("Continue", key="btn_ps_continue", on_click=_continue, args=(run_id,), icon=":material/play_arrow:")
        if working:
            st.caption("The run belongs to the server: close this tab, come back later, nothing is lost.")
        elif st.session_state.get("ps_following") == run_id:
            st.session_state.pop("ps_following")
            st.rerun(scope="app")  # the run ended: draw its results

    if running_now:
        st.session_state["ps_following"] = run_id
    follow()


SET_MEASURES = (
    ("answered", "answered", max),
    ("median_latency_s", "median_latency_s", min),
    ("cost_usd", "cost_usd", min),
    ("mean_score", "mean_score", max),
)


def _marks(summary: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Which model is best at what (most answered, fastest, cheapest, best scored)."""
    return glance.best_of(summary, SET_MEASURES, "model")


def summary_table(doc: dict[str, Any]) -> None:
    marks = _marks(doc["summary"])

    def shown(s: dict[str, Any], key: str, text: str) -> str:
        return f"{text} \u2605" if key in marks.get(s["model"], []) else text

    table = pd.DataFrame(
        [
            {
                "Model": s["model"],
                "Answered": shown(s, "answered", str(s["answered"])),
                "Failed": s["failed"],
                "Median latency": shown(s, "median_latency_s", W.fmt_seconds(s["median_latency_s"])),
                "p95 latency": W.fmt_seconds(s["p95_latency_s"]),
                "Cost (est.)": shown(s, "cost_usd", W.fmt_cost(s["cost_usd"])),
                "Mean score": shown(s, "mean_score", "\u2014" if s["mean_score"] is None else f"{s['mean_score']:.2f}"),
            }
            for s in doc["summary"]
        ]
    )
    st.dataframe(table, hide_index=True, key="ps_summary")
    st.caption("\u2605 the best of each measure (most answered, fastest median, cheapest, best mean score).")


def council_panel(plan: batch.Plan, cells: dict) -> None:
    """Does the council pay off? Its final answer's score against each of its members' own answers."""
    lines = batch.council_pays_off(plan, cells)
    if not lines:
        return
    with st.container(border=True, key="ps_council_pays"):
        st.markdown("**Does the council pay off?** (by the judge's scores, on the same prompts)")
        for line in lines:
            time_multiple = f", at {line['time_multiple']}\u00d7 the time" if line["time_multiple"] else ""
            requests = f" and {line['request_multiple']} requests for one" if line["request_multiple"] else ""
            st.markdown(
                f"- Above {line['model']}'s own answer on {line['council_above']} of {line['prompts']} prompts, below it on "
                f"{line['council_below']}{time_multiple}{requests}."
            )


def _keep(doc: dict[str, Any], cells: dict, row_index: int, which: str) -> bool:
    row = doc["rows"][row_index]
    if which == "failed":
        return any(c["error"] for c in row["cells"])
    if which == "differ":
        return len({(c.get("text") or "").strip() for c in row["cells"]}) > 1
    if which == "disagree":
        for c in range(len(row["cells"])):
            body = cells.get((row_index, c)) or {}
            human, verdict = (body.get("human") or {}).get("score"), (body.get("judge") or {}).get("score")
            if human and verdict and not batch.human_agrees(human, verdict):
                return True
        return False
    return True


def answers_grid(doc: dict[str, Any], cells: dict, plan: batch.Plan) -> list[int]:
    """A row per prompt, a column per model (the answer's start; the whole cell below). Returns the rows shown."""
    which = W.bound(st.segmented_control, "Show", "ps_filter", "all", options=list(FILTERS), format_func=FILTERS.get) or "all"
    shown = [i for i in range(len(doc["rows"])) if _keep(doc, cells, i, which)]
    records = []
    for i in shown:
        row = doc["rows"][i]
        record: dict[str, Any] = {"id": row["id"], "Prompt": row["prompt"]}
        for cell in row["cells"]:
            text = (cell.get("text") or "").strip()
            if cell["error"]:
                text = f"\u26a0 {cell['error']['message']}"
            verdict = (cell.get("judge") or {}).get("score")
            record[cell["model"]] = (f"[{verdict}/5] " if verdict else "") + (text[:300] + ("\u2026" if len(text) > 300 else ""))
        records.append(record)
    if not records:
        st.caption("No row matches this filter.")
        return shown
    st.dataframe(pd.DataFrame(records), hide_index=True, key="ps_grid", row_height=60)
    return shown


def _score(run_id: int, r: int, c: int) -> None:
    body = dict(library.set_cells(run_id).get((r, c)) or {})
    score, note = W.widget_value("ps_human"), W.widget_value("ps_note") or ""
    body["human"] = {"score": score, "note": note} if score is not None else None
    answer = batch.cell_answer(body)
    try:
        library.put_set_cell(run_id, r, c, batch.cell_status(answer), body)
    except library.StorageError as exc:
        st.toast(str(exc), icon=":material/warning:")
        return
    st.toast("Saved your score.", icon=":material/grading:")


def cell_detail(run_id: int, doc: dict[str, Any], cells: dict, plan: batch.Plan, shown: list[int]) -> None:
    """One cell in full: the answer, its figures, the judge's reason, and your own score and note."""
    if not shown:
        return
    with st.container(border=True, key="ps_cell"):
        st.markdown("**One answer in full**")
        pick = st.columns(2)
        r = pick[0].selectbox(
            "Prompt", shown, format_func=lambda i: f"{doc['rows'][i]['id']}: {doc['rows'][i]['prompt'][:60]}", key="ps_pick_row"
        )
        c = pick[1].selectbox("Model", range(len(plan.columns)), format_func=lambda j: plan.columns[j].key, key="ps_pick_col")
        body = cells.get((r, c))
        if body is None:
            st.caption("Not asked yet.")
            return
        answer = batch.cell_answer(body)
        if answer.text:
            W.show_markdown(st, answer.text)
        W.answer_notes(answer)
        if answer.error:
            W.error_panel(answer.error, key="ps_cell_error", again="press Retry this cell")
            st.button("Retry this cell", key="btn_ps_retry", on_click=_continue, args=(run_id, {(r, c)}), icon=":material/replay:")
        st.caption(W.metrics_caption(answer))
        verdict = body.get("judge") or {}
        if verdict.get("score"):
            st.caption(f"Judge: {verdict['score']}/5 \u2014 {verdict.get('reason') or ''}")
        elif verdict:
            st.caption(f"Judge: no score ({verdict.get('reason')})")
        others = [j for j in range(len(plan.columns)) if j != c and (cells.get((r, j)) or {}).get("text")]
        if answer.text and others:
            with st.expander("Differences from another model's answer to this prompt"):
                j = st.selectbox("Another model", others, format_func=lambda k: plan.columns[k].key, key="ps_diff_other")
                theirs = batch.cell_answer(cells[(r, j)]).text
                st.caption(
                    f"{diff.similarity(answer.text, theirs):.0%} alike, word for word. ~~Struck through~~: only in "
                    f"{plan.columns[c].key}. **Bold**: only in {plan.columns[j].key}."
                )
                st.markdown(diff.diff_markdown(answer.text, theirs))
        human = body.get("human") or {}
        if st.session_state.get("ps_cell_shown") != (run_id, r, c):  # another cell: its own score in the inputs
            st.session_state["ps_cell_shown"] = (run_id, r, c)
            W.set_widget("ps_human", human.get("score"))
            W.set_widget("ps_note", human.get("note") or "")
        st.segmented_control(
            "Your score", list(HUMAN), format_func=HUMAN.get, key=W.widget_key("ps_human"), help="Pass/fail, or 1 (bad) to 5 (excellent)."
        )
        st.text_input("Your note", key=W.widget_key("ps_note"), max_chars=300)
        st.button("Save my score", key="btn_ps_score", on_click=_score, args=(run_id, r, c), icon=":material/grading:")


def export_buttons(doc: dict[str, Any], run_id: int) -> None:
    W.export_row(
        "Export this run (prompts, answers, figures, scores; never a token):",
        (exports.prompt_set_csv, exports.prompt_set_json, exports.prompt_set_markdown),
        doc,
        stem=f"prompt-set-run-{run_id}",
        key="ps",
    )


def _successor(provider: str, model: str) -> str | None:
    entry = registry.find(provider, model)
    return entry.successor if entry is not None and entry.retires is not None else None


def _replay(run_id: int) -> None:
    run = library.load_set_run(run_id, person=W.person_id())
    newer = batch.replay_on_successors(batch.Plan.from_dict(run.plan), _successor) if run else None
    if newer is not None:
        st.session_state["ps_compare_with"] = run_id
        _run(newer)


def runs_section(run_id: int, set_id: int, doc: dict[str, Any]) -> None:
    """The set's other runs, and this one beside any of them: what changed."""
    runs = [r for r in library.set_runs(set_id, person=W.person_id()) if r.id != run_id]
    run = library.load_set_run(run_id, person=W.person_id())
    if run is not None and batch.replay_on_successors(batch.Plan.from_dict(run.plan), _successor) is not None:
        st.button(
            "Replay on the successors",
            key="btn_ps_replay",
            on_click=_replay,
            args=(run_id,),
            icon=":material/update:",
            help="A model of this run is about to retire: run the same set on the model its provider names in its place.",
        )
    if not runs:
        st.caption("Run the set again later (a model changes, a prompt is edited) to see here what changed.")
        return
    st.subheader("Compare with an earlier run", anchor=False)
    other_id = W.bound(
        st.selectbox,
        "Earlier run",
        "ps_compare_with",
        runs[0].id,
        options=[r.id for r in runs],
        format_func=lambda i: next(
            f"Run {r.id} \u00b7 {r.created.replace('T', ' ')[:16]} UTC \u00b7 {r.status}" for r in runs if r.id == i
        ),
    )
    other = next((r for r in runs if r.id == other_id), None)
    if other is None:
        return
    before = batch.document(batch.Plan.from_dict(other.plan), library.set_cells(other.id))
    changes = batch.regression(before, doc)
    if not changes:
        st.caption("These two runs share no model.")
        return
    table = pd.DataFrame(
        [
            {
                "Model": ch["model"],
                "Answers changed": len(ch["changed"]),
                "New failures": ", ".join(ch["new_failures"]) or "\u2014",
                "Fixed": ", ".join(ch["fixed"]) or "\u2014",
                "Score \u0394": "\u2014" if ch["score_delta"] is None else f"{ch['score_delta']:+.2f}",
                "Median latency \u0394": "\u2014" if ch["median_latency_delta_s"] is None else f"{ch['median_latency_delta_s']:+.2f} s",
                "Cost \u0394": "\u2014" if ch["cost_delta_usd"] is None else f"{ch['cost_delta_usd']:+.6f}",
            }
            for ch in changes
        ]
    )
    st.dataframe(table, hide_index=True, key="ps_regression")


def results_section(run_id: int) -> None:
    run = library.load_set_run(run_id, person=W.person_id())
    if run is None:
        st.session_state.pop("ps_run_id", None)
        return
    plan = batch.Plan.from_dict(run.plan)
    st.header(f"Run {run_id}: {plan.prompt_set.name}")
    progress_panel(run_id, plan, run.status)
    cells = library.set_cells(run_id)
    doc = batch.document(plan, cells)
    summary_table(doc)
    agreed, compared = batch.agreement(cells)
    if compared:
        st.caption(f"The judge agreed with your own score on {agreed} of {compared} answers you scored.")
    council_panel(plan, cells)
    shown = answers_grid(doc, cells, plan)
    cell_detail(run_id, doc, cells, plan, shown)
    export_buttons(doc, run_id)
    runs_section(run_id, run.set_id, doc)


# ---- the page ------------------------------------------------------------------------------------

W.require_app_navigation()
st.title("Prompt sets")
st.caption(
    "Run a list of prompts across up to six models: see what it costs before you start, let it run on the server "
    "(close the tab, come back later), score the answers yourself or with a judge model, and run it again to see what changed."
)
W.quota_warnings()
prompt_set = set_section()
columns, problems = models_section()
judge, rubric, judge_problems = judge_section()
st.header("4. Run")
if prompt_set is None:
    st.info("Paste, upload or open a set of prompts above to see what running it would take.", icon=":material/list_alt:")
else:
    shared, named, file_problems = files_section(prompt_set, columns)
    plan = batch.Plan(prompt_set, columns, judge, rubric, shared=shared, named=named)
    if columns:
        estimate_section(plan)
    blockers = problems + judge_problems + file_problems + ([] if columns else ["Pick at least one model."])
    if blockers:
        W.problems_panel(blockers)
    running = st.session_state.get("ps_run_id") is not None and set_worker.is_running(st.session_state["ps_run_id"])
    st.button(
        "Run the set",
        key="btn_ps_run",
        type="primary",
        on_click=_run,
        args=(plan,),
        icon=":material/play_arrow:",
        disabled=bool(blockers) or running,
        help="Starts the run on the server; each answer is kept the moment it arrives.",
    )
asked = st.query_params.get("run")  # a reload, or a link the owner kept, opens the run
if asked and asked.isdigit() and st.session_state.get("ps_run_id") != int(asked):
    if library.load_set_run(int(asked), person=W.person_id()) is not None:  # their own runs only
        st.session_state["ps_run_id"] = int(asked)
    else:
        st.warning("That run is not one of yours (or no longer exists).", icon=":material/link_off:")
        del st.query_params["run"]
run_id = st.session_state.get("ps_run_id")
if run_id is not None:
    if st.query_params.get("run") != str(run_id):
        st.query_params["run"] = str(run_id)
    results_section(run_id)
