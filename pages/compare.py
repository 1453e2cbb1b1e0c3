"""Compare: one prompt, two to six models answering at once, streaming side by side."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from council import library
from council.runs import compare, diff, exports, glance, providers
from council.runs.compare import SlotRun, SlotSpec
from council.runs.records import Comparison, SlotRecord
from council.runs.turns import TurnResult, make_request
from pages import widgets as W


def prefix(i: int) -> str:
    return f"cmp{i}"


# ---- slots -----------------------------------------------------------------------------------


def _apply_to_all(source: int) -> None:
    count = int(st.session_state.get("cmp_count", 2))
    W.copy_params(prefix(source), [prefix(j) for j in range(count) if j != source])
    st.toast(f"Slot {source + 1}'s parameters now apply to every slot.", icon=":material/tune:")


def slot_editor(i: int) -> tuple[SlotSpec | None, list[str]]:
    """One slot's provider, model and parameters; returns its spec (or None) and what to fix."""
    W.default_model(prefix(i), i)
    choice, params, problems = W.model_slot(
        prefix(i),
        f"Slot {i + 1}",
        key=f"cmp_slot_{i}",
        apply_to_all=lambda: _apply_to_all(i),
        apply_words="Apply these parameters to all slots",
        apply_key=f"btn_cmp_apply_all_{i}",
    )
    if params is None:
        return None, problems
    return SlotSpec(choice.provider, choice.model_id, choice.task, params), []


# ---- running ---------------------------------------------------------------------------------


@dataclass
class Cell:
    """One slot's column while the comparison runs."""

    index: int
    status: Any  # countdown while a retry waits
    beat: Any  # what the slot is doing, redrawn (a heartbeat, so Stop works)
    body: Any  # the growing answer
    text: str = ""
    queued: bool = False
    done: bool = False
    redraw: W.Throttle = field(default_factory=W.Throttle)

    def tick(self, elapsed: float) -> None:
        if self.done:
            return
        if self.queued and not self.text:
            self.beat.caption(f"Waiting for the bundled model, which answers one request at a time\u2026 {elapsed:.1f} s")
        elif not self.text:
            self.beat.caption(f"Waiting for the first token\u2026 {elapsed:.1f} s")
        else:
            self.beat.caption(f"Answering\u2026 {elapsed:.1f} s")


CARD_PX = {1: 600, 2: 440}  # a slot's column: as many a row as fit, each wide enough for its heading and figures
CARD_MIN_PX = 290


def _draw_grid(count: int, order: list[int], header) -> dict[int, Any]:
    """The answer columns in display order, under their own heading (the page's outline: Compare → Answers → each
    slot); returns slot → its container. Columns of one width wrap onto the next row where the page is narrow
    (three a row at 1400 px, one at 800 px with the sidebar open) instead of squeezing, so every heading stays
    on one line and the figures under the headings line up."""
    st.header("Answers", anchor=False)
    cells: dict[int, Any] = {}
    row = st.container(horizontal=True, wrap=True, gap="medium", vertical_alignment="top")
    for position in range(count):
        slot = order[position]
        box = row.container(border=True, key=f"cmp_answer_{slot}", width=CARD_PX.get(count, CARD_MIN_PX))
        with box:
            header(position, slot)
        cells[slot] = box
    return cells


def _slot_run(spec: SlotSpec, cell: Cell, targets, running: dict) -> SlotRun:
    layer = W.retry_layer(cell.status)

    def on_text(full: str) -> None:
        cell.text = full
        running["partial"][cell.index] = full
        if cell.redraw.due():
            W.show_markdown(cell.body, full, cursor=True)

    def on_queued() -> None:
        cell.queued = True

    def on_done(result: TurnResult) -> None:
        cell.done = True
        running["done"][cell.index] = compare.slot_record(cell.index, spec, result)
        cell.status.empty()
        cell.beat.empty()
        W.show_markdown(cell.body, result.text)

    return SlotRun(targets, layer, on_text, on_queued=on_queued, on_done=on_done, cache=W.response_cache())


async def _stream_all(runs: list[SlotRun], cells: list[Cell]) -> list[TurnResult]:
    def tick(elapsed: float) -> None:
        for cell in cells:
            cell.tick(elapsed)

    return await W.with_heartbeat(compare.fan_out(runs), tick)


def run_comparison(
    specs: list[SlotSpec], prompt: str, system: str, blind: bool, attached: tuple = (), earlier: list[Comparison] | None = None
) -> None:
    """Stream every slot into its column; keep the finished comparison in the session and History. ``earlier``:
    the prompts a follow-up continues — each slot is sent its own conversation (never another slot's answers)."""
    earlier = list(earlier or [])
    order = compare.blind_order(len(specs)) if blind else list(range(len(specs)))  # a fresh blind order every prompt
    running = {
        "prompt": prompt,
        "system": system,
        "blind": blind,
        "order": order,
        "specs": specs,
        "partial": {},
        "done": {},
        "attached": attached,
        "earlier": earlier,
    }
    st.session_state["cmp_running"] = running
    conn = W.connection()
    fallback = W.fallback_order() if st.session_state.get("cmp_fallback") else ()
    live = W.live_ids()

    def header(position: int, slot: int) -> None:
        _slot_header(blind, False, position, slot, specs[slot].provider, specs[slot].model_id)

    boxes = _draw_grid(len(specs), order, header)
    cells: list[Cell] = []
    runs: list[SlotRun] = []
    for i, spec in enumerate(specs):
        with boxes[i]:
            cell = Cell(i, st.empty(), st.empty(), st.empty())
        # a slot whose model cannot read the attached files, or whose conversation would not fit, says so in its column
        messages = compare.conversation_for(spec, i, earlier, prompt, system, attached)
        try:
            targets = compare.targets_for(spec, conn, messages, fallback_order=fallback, live=live)
        except Exception as exc:  # a bad base URL or a missing runtime: this slot fails, the others run
            running["done"][i] = compare.failed_record(i, spec, providers.as_provider_error(exc))
            cell.done = True
            with boxes[i]:
                W.error_panel(running["done"][i].answer.error, key=f"cmp_live_err_{i}")
            continue
        cells.append(cell)
        runs.append(_slot_run(spec, cell, targets, running))
    if runs:
        W.run_async(_stream_all(runs, cells))
    _keep(running)


def _keep(running: dict, *, stopped: bool = False) -> None:
    """The run's outcome becomes the page's comparison (also after Stop, with what had arrived)."""
    specs: list[SlotSpec] = running["specs"]
    slots = [running["done"].get(i) or compare.stopped_record(i, spec, running["partial"].get(i, "")) for i, spec in enumerate(specs)]
    attached = running.get("attached") or ()
    rec = compare.record(running["prompt"], running["system"], slots, blind=running["blind"], order=running["order"], attachments=attached)
    rec.stopped = stopped
    rec.earlier = list(running.get("earlier") or [])
    st.session_state["cmp_result"] = rec
    st.session_state.pop("cmp_running", None)
    _save(rec)


def _save(rec: Comparison) -> None:
    W.keep_files([a for turn in rec.turns for a in turn.attachments])
    W.save_to_history("compare", rec.turns[0].prompt, rec.to_dict(), "cmp_run_id")


def _submit() -> None:
    """Run / Ctrl+Enter (the text is fresh from the box; it stays there for the next run)."""
    text = (W.widget_value("cmp_prompt") or "").strip()
    st.session_state["cmp_prompt"] = W.widget_value("cmp_prompt") or ""
    if text:
        st.session_state["cmp_pending"] = True
    st.session_state.pop("cmp_run_id", None)  # a new run is a new History entry


# ---- showing a finished comparison -----------------------------------------------------------


def _slot_header(blind: bool, revealed: bool, position: int, slot: int, provider: str, model: str) -> None:
    if blind and not revealed:
        st.subheader(f"Answer {compare.LABELS[position]}", anchor=False)
        st.caption("Model hidden until you vote")
        return
    name = f"{compare.LABELS[position]} \u00b7 " if blind else f"{slot + 1} \u00b7 "
    # a short name keeps every heading on one line, so the figures under them line up across the columns
    st.subheader(f"{name}{providers.short_label(provider)}", anchor=False, help=providers.label(provider))
    st.caption(model)


def _draw_slot(rec: Comparison, slot_index: int, revealed: bool) -> None:
    """A slot's column: its figures first, right under the heading (so they line up across the columns
    whatever the answers' lengths), then the answer and what came with it."""
    answer = rec.slots[slot_index].answer  # one answer, one shape: the Playground's widgets read it too
    if answer.text or not answer.error:
        W.metrics_table(answer, cost=revealed)
    if answer.text:
        W.show_markdown(st, answer.text)
    W.answer_notes(answer, hide_fallbacks=not revealed)
    if answer.error:
        W.error_panel(answer.error, key=f"cmp_err_{slot_index}")
    joined = compare.joined_at(rec.turns, slot_index) if rec.earlier else None
    if joined:
        st.caption(f"Added at prompt {joined}: this slot did not see the prompts before it, so its conversation starts there.")
    if answer.text:
        who = answer.model if revealed else f"Answer {compare.label_of(rec, slot_index)}"
        st.button(
            "Ask the council about this",
            key=f"btn_cmp_council_{slot_index}",
            on_click=W.ask_council_about,
            args=(answer.text, who),
            icon=":material/groups:",
            type="tertiary",
            help="Open the Council with this answer as the context of your question.",
        )
    st.text_input(
        "Your note on this answer",
        value=rec.slots[slot_index].note,
        key=f"cmp_note_{slot_index}_{len(rec.turns)}",
        on_change=_noted,
        args=(slot_index, f"cmp_note_{slot_index}_{len(rec.turns)}"),
        max_chars=500,
        placeholder="e.g. Best tone, but misses the date.",
        help="Kept with this comparison in History and in its exports.",
    )
    if revealed:
        _code(rec, rec.slots[slot_index])


def _noted(slot_index: int, key: str) -> None:
    rec: Comparison | None = st.session_state.get("cmp_result")
    if rec is not None and slot_index < len(rec.slots):
        rec.slots[slot_index].note = (st.session_state.get(key) or "").strip()
        _save(rec)


def glance_table(rec: Comparison, revealed: bool) -> None:
    """The slots at a glance: first token, total time, tokens per second, length and cost, the best of each \u2605."""
    rows = glance.compare_rows(rec)

    def shown(r: dict, measure: str, text: str) -> str:
        return f"{text} \u2605" if measure in r["best"] else text

    table = pd.DataFrame(
        [
            {"Answer": r["label"]}
            | ({"Model": r["model"]} if revealed else {})
            | {
                "First token": shown(r, "fastest first token", W.fmt_seconds(r["ttft_s"])),
                "Total": shown(r, "fastest total", W.fmt_seconds(r["latency_s"])),
                "Tokens/s": shown(r, "most tokens/s", W.DASH if r["tokens_per_s"] is None else f"{r['tokens_per_s']:.1f}"),
                "Words": shown(r, "longest", shown(r, "shortest", W.DASH if r["words"] is None else f"{r['words']:,}")),
            }
            | ({"Cost (est.)": shown(r, "cheapest", W.fmt_cost(r["cost_usd"]))} if revealed else {})
            | {"Best at": ", ".join(m for m in r["best"] if revealed or m != "cheapest") or W.DASH}
            for r in rows
        ]
    )
    st.dataframe(table, hide_index=True, key=f"cmp_glance_{len(rec.turns)}")
    st.caption(
        "\u2605 the best of each measure: fastest first token and total, most tokens per second, the longest and the "
        "shortest answer" + (", the cheapest" if revealed else "") + ". A failed or stopped slot has no figures."
    )


def differences(rec: Comparison) -> None:
    """Pick two answers and see what only one of them says, word by word."""
    answered = [i for i in (rec.order or range(len(rec.slots))) if rec.slots[i].answer.text]
    if len(answered) < 2:
        return
    labels = {compare.label_of(rec, i): i for i in answered}
    with st.expander("Show differences between two answers"):
        cols = st.columns(2)
        names = list(labels)
        first = cols[0].selectbox("First answer", names, index=0, key="cmp_diff_a")
        second = cols[1].selectbox("Second answer", names, index=1, key="cmp_diff_b")
        if first == second:
            st.caption("Pick two different answers.")
            return
        a, b = rec.slots[labels[first]].answer.text, rec.slots[labels[second]].answer.text
        st.caption(f"{diff.similarity(a, b):.0%} alike, word for word. ~~Struck through~~: only in {first}. **Bold**: only in {second}.")
        with st.container(border=True, key="cmp_diff"):
            st.markdown(diff.diff_markdown(a, b))


def _code(rec: Comparison, slot: SlotRecord) -> None:
    """The slot's own request, as sent: on a follow-up, its own conversation so far."""
    spec = compare.spec_of(slot)
    messages = compare.conversation_for(spec, slot.slot - 1, rec.earlier, rec.prompt, rec.system, rec.attachments)
    W.code_for(spec.provider, make_request(spec.model_id, spec.task, messages, spec.params), title="Code (curl, Python)", tabs=False)


def _vote(outcome: str) -> None:
    rec: Comparison | None = st.session_state.get("cmp_result")
    if rec is None or rec.vote:
        return
    contestants = {label: compare.contestant(rec.slots[rec.order[compare.LABELS.index(label)]]) for label in compare.voteable(rec)}
    try:
        library.cast_vote(contestants, outcome, person=W.person_id())
    except (library.VoteError, library.StorageError) as exc:
        st.session_state["cmp_vote_problem"] = str(exc)
        return
    rec.vote = {"outcome": outcome, "outcome_words": library.outcome_words(contestants, outcome), "contestants": contestants}
    _save(rec)


def vote_panel(rec: Comparison) -> bool:
    """The blind vote; returns True when identities may be shown."""
    if not rec.blind or rec.vote:
        return True
    labels = compare.voteable(rec)
    if len(labels) < 2:
        st.info("Fewer than two answers arrived, so there is nothing to vote on; the models are shown.", icon=":material/visibility:")
        return True
    with st.container(border=True, key="cmp_vote"):
        if len(labels) == 2:
            st.markdown("**Which answer is better?** The models are revealed after you vote.")
            with st.container(horizontal=True):
                a, b = labels
                st.button(f"{a} is better", key="btn_cmp_vote_a", on_click=_vote, args=(a,), icon=":material/thumb_up:")
                st.button(f"{b} is better", key="btn_cmp_vote_b", on_click=_vote, args=(b,), icon=":material/thumb_up:")
                st.button("Tie", key="btn_cmp_vote_tie", on_click=_vote, args=(library.TIE,), icon=":material/balance:")
                st.button("Both are bad", key="btn_cmp_vote_bad", on_click=_vote, args=(library.ALL_BAD,), icon=":material/thumb_down:")
        else:
            st.markdown("**Which answer is best?** The models are revealed after you vote.")
            with st.container(horizontal=True):
                for label in labels:
                    st.button(
                        f"{label} is best", key=f"btn_cmp_vote_{label.lower()}", on_click=_vote, args=(label,), icon=":material/thumb_up:"
                    )
                st.button("All equally good", key="btn_cmp_vote_tie", on_click=_vote, args=(library.TIE,), icon=":material/balance:")
                st.button("All bad", key="btn_cmp_vote_bad", on_click=_vote, args=(library.ALL_BAD,), icon=":material/thumb_down:")
        problem = st.session_state.pop("cmp_vote_problem", None)
        if problem:
            st.warning(problem, icon=":material/warning:")
    return False


def earlier_turns(rec: Comparison) -> None:
    """The prompts before this one, each with every slot's answer (a blind prompt not voted on keeps its models hidden)."""
    for n, turn in enumerate(rec.earlier, 1):
        shown = not turn.blind or bool(turn.vote)
        with st.expander(f"Prompt {n}: {turn.prompt[:90]}", expanded=False):
            st.text(turn.prompt)
            for row in W.grid(len(turn.slots)):
                for position, col in row:
                    slot = turn.slots[turn.order[position] if turn.order else position]
                    with col.container(border=True):
                        who = f"{providers.label(slot.answered_by[0])} \u00b7 {slot.answered_by[1]}" if shown else "model hidden"
                        st.markdown(f"**{compare.label_of(turn, turn.slots.index(slot))}** \u00b7 {who}")
                        if slot.answer.text:
                            W.show_markdown(st, slot.answer.text)
                        if slot.answer.error:
                            st.caption(f"Failed: {slot.answer.error.get('message', '')}")
            if turn.vote:
                st.caption(f"Your vote: {turn.vote.get('outcome_words', '')}")
    if rec.earlier:
        st.subheader(f"Prompt {len(rec.turns)}: {rec.prompt[:120]}", anchor=False)


def _follow() -> None:
    text = W.take_follow_up("cmp")
    if text:
        st.session_state["cmp_follow_pending"] = text
        queue = st.session_state.get("cmp_follow_queue") or []
        if queue and queue[0].strip() == text:
            st.session_state["cmp_follow_queue"] = queue[1:]


def follow_up_box(rec: Comparison) -> None:
    """A follow-up prompt continues every slot's own conversation (each model sees its own earlier answers)."""
    queue = st.session_state.get("cmp_follow_queue") or []
    if queue and not W.widget_value("cmp_follow"):  # a shared comparison's next prompt, offered in turn
        W.put("cmp_follow", queue[0])
        W.redraw("cmp_follow")
        st.caption(f"The shared comparison's next prompt ({len(queue)} left) is in the box below: press Send to every slot.")
    W.follow_up(
        "cmp",
        "Follow up",
        "Follow-up prompt (every slot continues its own conversation)",
        "Send to every slot",
        _follow,
        placeholder="e.g. Now make it shorter.",
        help="Each slot is sent its own conversation so far \u2014 the earlier prompts and its own answers, never another "
        "slot's \u2014 then this prompt. Slots added or changed above since the last prompt join here (their column says so); "
        "blind mode shuffles the answers again and asks for a vote on this prompt.",
    )


def show_result(rec: Comparison) -> None:
    earlier_turns(rec)
    revealed = vote_panel(rec)
    if rec.vote:
        reveal = ", ".join(f"{label} was {compare.contestant_words(who)}" for label, who in rec.vote["contestants"].items())
        st.success(f"You voted: {rec.vote['outcome_words']} {reveal}.", icon=":material/how_to_vote:")
    if rec.stopped:
        st.caption("Stopped by you; what had arrived is kept.")

    def header(position: int, slot: int) -> None:
        _slot_header(rec.blind, revealed, position, slot, *rec.slots[slot].answered_by)
        _draw_slot(rec, slot, revealed)

    glance_table(rec, revealed)
    _draw_grid(len(rec.slots), rec.order, header)
    differences(rec)
    export_buttons(rec, revealed)
    share_link(rec)
    if not rec.stopped:
        follow_up_box(rec)


def export_buttons(rec: Comparison, revealed: bool) -> None:
    stamp = rec.created[:19].replace(":", "").replace("-", "").replace("T", "-")
    embed = bool(rec.attachments) and W.embed_toggle("cmp")
    W.export_row(
        "Export this comparison (prompt, parameters, answers, metrics; never a token):",
        (exports.comparison_csv, functools.partial(exports.comparison_json, embed=embed), exports.comparison_markdown),
        rec,
        stem=f"comparison-{stamp}",
        key="cmp",
        blocked=None if revealed else "Vote first: the export names the models.",
    )


def leaderboard(blind_on: bool) -> None:
    st.header("Leaderboard from your blind votes")
    try:
        votes = library.all_votes(person=W.person_id())
        standings = library.leaderboard(votes)
    except library.StorageError as exc:
        st.caption(str(exc))
        return
    if not standings:
        st.caption(
            "Run a comparison and vote for the best answer: each vote updates a win rate and an Elo rating per model here."
            if blind_on
            else "Turn on Blind mode, run a comparison and vote for the best answer: each vote updates a win rate and an Elo rating per model here."
        )
        return
    table = pd.DataFrame(
        [
            {
                "Model": s.model,
                "Elo": s.elo,
                "Win rate": s.win_rate,
                "Battles": s.battles,
                "Wins": s.wins,
                "Ties": s.ties,
                "Losses": s.losses,
            }
            for s in standings
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "Elo": st.column_config.NumberColumn(format="%.0f", help="Starts at 1000; beating a higher-rated model gains more."),
            "Win rate": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0, help="Share of head-to-head results won."
            ),
            "Battles": st.column_config.NumberColumn(help="Head-to-head results: picking the best of four counts as three wins."),
        },
        key="cmp_leaderboard",
    )
    st.caption(f"From your {len(votes)} vote(s). Small numbers: a handful of votes says little.")
    st.markdown("**From your council runs** \u2014 how the members ranked each other's answers, per model")
    W.council_leaderboard("cmp_council_leaderboard")


# ---- a shared link ---------------------------------------------------------------------------


def apply_shared_link() -> None:
    value = st.query_params.get(compare.SHARE_PARAM)
    if not value or st.session_state.get("cmp_shared") == value:
        return
    st.session_state["cmp_shared"] = value
    try:
        shared = compare.read_share(value)
    except compare.ShareError as exc:
        st.warning(f"This shared link could not be opened: {exc}", icon=":material/link_off:")
        return
    slots = [(s.provider, s.model_id, s.task, s.params) for s in shared.slots]
    W.set_compare_state(slots, shared.prompt, shared.system, shared.blind)
    st.session_state.pop("cmp_result", None)
    st.session_state["cmp_follow_queue"] = list(shared.follow_ups)  # offered one by one after each answer
    more = f" It had {len(shared.follow_ups)} follow-up prompt(s): each is offered in turn after the answers." if shared.follow_ups else ""
    st.info(
        f"Opened a shared comparison of {len(shared.slots)} models. Press Run to see their answers (your own tokens are used).{more}",
        icon=":material/link:",
    )


def share_link(rec: Comparison) -> None:
    """The comparison's link, also put in the address bar (slots, parameters and prompt; never a token)."""
    first = rec.turns[0]
    specs = [compare.spec_of(slot) for slot in first.slots]
    try:
        value = compare.share_value(first.prompt, rec.system, specs, blind=rec.blind, follow_ups=[t.prompt for t in rec.turns[1:]])
    except compare.ShareError as exc:
        st.caption(str(exc))
        return
    st.session_state["cmp_shared"] = value
    if st.query_params.get(compare.SHARE_PARAM) != value:
        st.query_params[compare.SHARE_PARAM] = value
    with st.expander("Share this comparison"):
        st.caption(
            "This link opens the same slots, parameters and prompt; it never holds a token. Whoever opens it runs it with their own."
            + (" It does not carry the attached files: send them along." if rec.attachments else "")
        )
        st.code(f"{st.context.url or ''}?{compare.SHARE_PARAM}={value}", language=None)


# ---- the page --------------------------------------------------------------------------------

W.require_app_navigation()
st.title("Compare")
st.caption("One prompt, up to six models answering at once, side by side \u2014 with their speed and cost under each answer.")
W.quota_warnings()
apply_shared_link()
added = st.session_state.pop("cmp_added_note", None)
if added:
    st.success(f"Added from Models: {added}", icon=":material/add_circle:")

running = st.session_state.get("cmp_running")
if running is not None:  # the last run was stopped (or interrupted): keep what had arrived
    _keep(running, stopped=True)

with st.container(horizontal=True, vertical_alignment="bottom"):
    count = int(
        W.bound(
            st.number_input,
            "Slots",
            "cmp_count",
            2,
            min_value=compare.MIN_SLOTS,
            max_value=compare.MAX_SLOTS,
            step=1,
            width=140,
            help="How many models answer (2 to 6). More slots, more requests: each slot is one request.",
        )
    )
    blind = W.setting_input(st, "cmp_blind")
    W.bound(
        st.toggle,
        "Fall back to other providers",
        "cmp_fallback",
        False,
        help="On: a slot whose model fails (after its retries) is answered by your fallback order (Settings), and says so. "
        "Off: the slot shows the error itself.",
    )

specs: list[SlotSpec | None] = []
problems: list[str] = []
for row in W.grid(count):
    for position, column in row:
        with column:
            spec, slot_problems = slot_editor(position)
        specs.append(spec)
        problems += slot_problems

with st.expander("System prompt (for every slot)", expanded=bool(st.session_state.get("cmp_system"))):
    system = W.bound(
        st.text_area,
        "System prompt (optional)",
        "cmp_system",
        "",
        height=80,
        placeholder="e.g. Answer in three sentences at most.",
        help="Instructions every model follows for this comparison.",
    )
prompt = W.bound(
    st.text_area,
    "Prompt",
    "cmp_prompt",
    "",
    height=110,
    placeholder="Ask something every slot answers\u2026 (Ctrl+Enter to run)",
)
attached = W.attach_box("cmp", [s for s in specs if s is not None], what=" \u2014 every slot gets them")
W.run_and_stop(
    "cmp",
    on_submit=_submit,
    icon=":material/play_arrow:",
    running=bool(st.session_state.get("cmp_pending")),
    stop_help="Stop every slot; what has arrived so far is kept.",
)
local_slots = [i + 1 for i, s in enumerate(specs) if s is not None and s.provider in compare.SERIAL_PROVIDERS]
if len(local_slots) > 1:
    st.caption(
        f"Slots {', '.join(map(str, local_slots))} use the bundled model, which answers one request at a time: "
        "they take turns while the other slots stream."
    )

pending = st.session_state.pop("cmp_pending", False)
if pending and problems:
    W.problems_panel(problems)
    pending = False
st.divider()
# Two placeholders, drawn at once on every run: the live slots stream in the first while the second,
# which held the last run's answers, votes and exports, is empty — so nothing of the last run stays on
# screen, faded, under the new slots; the leaderboard below is drawn before the slots stream.
live = st.empty()
finished = st.empty()
st.divider()
leaderboard(bool(blind))
follow = st.session_state.pop("cmp_follow_pending", None)
before = st.session_state.get("cmp_result")
if follow and problems:
    W.problems_panel(problems)
    follow = None
if pending and prompt.strip():
    with live.container(key="cmp_live"):
        run_comparison([s for s in specs if s is not None], prompt.strip(), system, bool(blind), attached)
    st.rerun()
elif follow and before is not None:  # every slot continues its own conversation, as the slots are set above now
    with live.container(key="cmp_live"):
        earlier_turns(before)
        st.subheader(f"Prompt {len(before.turns) + 1}: {follow[:120]}", anchor=False)
        run_comparison([s for s in specs if s is not None], follow, system, bool(blind), (), earlier=before.turns)
    st.rerun()
with finished.container(key="cmp_results"):
    result = st.session_state.get("cmp_result")
    if result is not None:
        show_result(result)
    else:
        st.info(
            "Pick a model for each slot, type a prompt and press Run: every slot answers at the same time. "
            "With no token, try two slots on the bundled model with different presets.",
            icon=":material/view_column:",
        )
