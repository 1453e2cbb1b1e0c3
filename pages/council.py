"""Council: route the question by task, members answer, review each other anonymously, a chairman
synthesises — every step on screen, the cost known before Run."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from adapters import Attachment
from council import library
from council.facts import quotas, registry
from council.runs import bias, council_estimate, deliberation, exports, providers, ranking, routing
from council.runs.records import Review, Seat, Transcript
from council.runs.resilience import RetryLayer
from council.runs.turns import TurnResult
from pages import widgets as W

REVIEW_METHODS = {"schema": " (structured output)", "grammar": " (grammar-constrained)", "text": " (free text)"}
STAGES = {1: "Stage 1 \u2014 the members answer", 2: "Stage 2 \u2014 anonymous reviews", 3: "Stage 3 \u2014 the chairman's final answer"}


# ---- choosing the members ----------------------------------------------------------------------


def _member_options(candidates) -> dict[str, routing.Member]:
    """Every seat the user may pick: reachable remote chat models, the bundled model's personas, and
    the QA simulator's (for walking the council's error paths without quota)."""
    options = {f"{e.provider}:{e.model_id}": routing.Member(e.provider, e.model_id) for e in candidates}
    for provider, model in ((routing.LOCAL, routing.LOCAL_MODEL), (routing.SIMULATOR, routing.SIMULATOR_MODEL)):
        for m in [*routing.offline_members(len(routing.PERSONAS), provider, model), routing.offline_chair(provider, model)]:
            options[m.key] = m
    return options


def _seat_words(seat: str, member: dict | None = None) -> str:
    """A seat ("provider:model") as the app names models everywhere else, with its persona if it has one."""
    provider, _, model = seat.partition(":")
    persona = (member or {}).get("persona")
    return (f"{providers.label(provider)} \u00b7 {model}" if model else seat) + (f" ({persona})" if persona else "")


def _seat_label(key: str) -> str:
    """A seat as the pickers show it: provider and model in words (the QA simulator's say so plainly),
    and a retirement soon."""
    provider, _, model = key.partition(":")
    entry = registry.find(provider, model) if provider in providers.PROVIDERS else None
    return _seat_words(key) + (entry.retire_note if entry is not None else "")  # " — retires in 6 days, try gpt-6.1-terra"


def _edited() -> None:
    st.session_state["council_members_edited"] = True
    st.session_state["council_members"] = W.widget_value("council_members", [])
    st.session_state["council_chair"] = W.widget_value("council_chair")


def _reset_members() -> None:
    st.session_state["council_members_edited"] = False
    W.redraw("council_members", "council_chair")


def members_panel(task: str, mode: str, files: Sequence[Attachment] = ()) -> tuple[list[routing.Member], routing.Member, routing.Plan]:
    """The members and chairman, suggested by the task and mode; with an image attached, only models that can
    read it are suggested."""
    candidates = routing.reachable(W.connection(), W.state("quotas", {}), _lives(), W.capped_providers())
    candidates = routing.able_to_see(candidates, files)
    plan = routing.choose(task, mode, candidates)
    options = _member_options(candidates)
    for m in [*plan.members, plan.chairman]:
        options.setdefault(m.key, m)
    if not st.session_state.get("council_members_edited"):
        W.put("council_members", [m.key for m in plan.members])
        W.put("council_chair", plan.chairman.key)
    chosen_keys = [k for k in st.session_state.get("council_members", []) if k in options]
    st.caption(plan.why)
    st.multiselect(
        "Members",
        options=list(options),
        key=W.widget_key("council_members"),
        format_func=_seat_label,
        on_change=_edited,
        max_selections=len(deliberation.LABELS),
        help="Who answers and reviews (2 to 6). Suggested by the task and mode; change them freely.",
    )
    chair_options = list(options)
    if W.widget_value("council_chair") not in chair_options:
        W.set_widget("council_chair", plan.chairman.key)
    st.selectbox(
        "Chairman",
        options=chair_options,
        key=W.widget_key("council_chair"),
        format_func=_seat_label,
        on_change=_edited,
        help="Writes the final answer from the answers and the rankings.",
    )
    W.bound(
        st.toggle,
        "Ask each review in both orders",
        "council_both_orders",
        True,
        help="Each reviewer is asked twice \u2014 the answers as shown, then reversed \u2014 and only what both orders agree on "
        "counts, so an answer does not win for being read first (the swap MT-Bench and Arena-Hard use). Twice the review "
        "requests; with two members each reviewer sees one answer, so there is no order to swap.",
    )
    if st.session_state.get("council_members_edited"):
        st.button("Use the suggested members", key="btn_council_reset_members", on_click=_reset_members, icon=":material/restart_alt:")
    members = [options[k] for k in chosen_keys]
    chairman = options.get(st.session_state.get("council_chair") or "", plan.chairman)
    if any(m.provider == routing.LOCAL for m in [*members, chairman]):
        st.caption(
            "Seats on the bundled model answer one after another (it serves one request at a time), each with its own "
            "persona and temperature; remote members answer at the same time."
        )
    return members, chairman, plan


def _lives() -> dict:
    memo = W.state("live_models", {})
    return {p: held["list"] for p, held in memo.items() if "list" in held}


def _both_orders() -> bool:
    return bool(st.session_state.get("council_both_orders", True))


def _budget(members: list[routing.Member], chairman: routing.Member) -> council_estimate.Budget:
    offline = all(m.provider == routing.LOCAL for m in [*members, chairman])
    return council_estimate.OFFLINE_BUDGET if offline else council_estimate.Budget()


def estimate_line(question: str, members: list[routing.Member], chairman: routing.Member, files: Sequence[Attachment] = ()) -> None:
    both = _both_orders()
    est = council_estimate.estimate(question or "?", members, chairman, _budget(members, chairman), files, both_orders=both)
    cost = "cost unknown (a price is missing)" if est.cost_usd is None else f"est. {W.fmt_cost(est.cost_usd)}"
    reviews = len(members) * (2 if both and len(members) >= 3 else 1)
    bits = [
        f"{est.requests} requests ({len(members)} answers + {reviews} reviews{' in two orders' if reviews > len(members) else ''} + 1 synthesis)",
        f"\u2248 {est.tokens_in + est.tokens_out:,} tokens (est.)",
        cost,
    ]
    needs = {p: (n, est.cost_by_provider.get(p)) for p, n in est.by_provider.items() if p != routing.LOCAL}
    with contextlib.suppress(*library.STORE_ERRORS):  # the store banner says why; the estimate goes without the quota
        bits += [share.words for share in quotas.shares(needs, W.state("quotas", {}), library.ledger(), W.fmt_cost)]
    st.caption("Before you run: " + " \u00b7 ".join(bits))


# ---- running -----------------------------------------------------------------------------------


@dataclass
class Cell:
    status: Any
    body: Any
    redraw: W.Throttle = field(default_factory=W.Throttle)


def _submit() -> None:
    text = (W.widget_value("council_question") or "").strip()
    st.session_state["council_question"] = W.widget_value("council_question") or ""
    if text:
        st.session_state["council_pending"] = True
    st.session_state.pop("council_run_id", None)


def _cells_for(labels: list[str], key: str, title: Callable[[str], str]) -> dict[str, Cell]:
    cells = {}
    for row in W.grid(len(labels)):
        for position, col in row:
            label = labels[position]
            with col.container(border=True, key=f"council_live_{key}_{label}"):
                st.markdown(f"**{title(label)}**")
                cells[label] = Cell(st.empty(), st.empty())
    return cells


@dataclass
class LiveCouncil:
    """A council on screen while it runs: one status box per stage, one cell per request, the heartbeat.
    Its methods are the run's ``Observer``."""

    transcript: Transcript
    members: list[routing.Member]
    beat: Any
    stage: int = 1
    boxes: dict[int, Any] = field(default_factory=dict)
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)

    def close(self, stage: int, *, expanded: bool) -> None:
        """A stage's marker tells the truth: done, or failed when none of its requests answered."""
        t = self.transcript
        oks = {1: [s.ok for s in t.stage1], 2: [r.error is None for r in t.stage2], 3: [t.final.ok] if t.final else []}[stage]
        failed = bool(oks) and not any(oks)
        words, state = (" \u2014 failed", "error") if failed else (" \u2014 done", "complete")
        self.boxes[stage].update(label=STAGES[stage] + words, state=state, expanded=expanded)

    def on_stage(self, n: int) -> None:
        self.stage = n
        for earlier in self.boxes:
            self.close(earlier, expanded=earlier == 1 and n == 2)
        box = st.status(STAGES[n], expanded=True, state="running")
        self.boxes[n] = box
        labels = list(deliberation.LABELS[: len(self.members)])
        with box:
            if n == 1:
                made = _cells_for(labels, "a", lambda lb: f"Answer {lb}: {_seat_words(self.members[labels.index(lb)].key)}")
            elif n == 2:
                reviewers = [s.label for s in self.transcript.stage1 if s.ok]
                if _both_orders() and len(reviewers) >= 3:  # each review asked again with the answers reversed, at the same time
                    reviewers = [x for lb in reviewers for x in (lb, deliberation.swapped(lb))]
                made = _cells_for(
                    reviewers,
                    "r",
                    lambda lb: (
                        f"Review by {lb[0]} (the same answers, reversed)"
                        if lb.endswith(deliberation.SWAP)
                        else f"Review by {lb} (sees the others, shuffled)"
                    ),
                )
            else:
                made = {deliberation.CHAIR: Cell(st.empty(), st.empty())}
        self.cells.update({(n, label): c for label, c in made.items()})

    def on_text(self, stage: int, label: str, text: str) -> None:
        cell = self.cells.get((stage, label))
        if cell is not None and cell.redraw.due():
            W.show_markdown(cell.body, text, cursor=True)

    def on_queued(self, stage: int, label: str) -> None:
        cell = self.cells.get((stage, label))
        if cell is not None:
            cell.status.caption("Waiting for the bundled model, which answers one request at a time\u2026")

    def on_done(self, stage: int, label: str, result: TurnResult) -> None:
        cell = self.cells.get((stage, label))
        if cell is not None:
            cell.status.empty()
            W.show_markdown(cell.body, result.text)
            if result.error:
                cell.status.caption(f"Failed: {result.error.title.lower()}")

    def layer(self, stage: int, label: str) -> RetryLayer:
        cell = self.cells.get((stage, label))
        return W.retry_layer(cell.status if cell else st.empty())

    def tick(self, elapsed: float) -> None:
        self.beat.caption(f"{STAGES[self.stage]} \u2026 {elapsed:.1f} s")

    def observer(self) -> deliberation.Observer:
        return deliberation.Observer(stage=self.on_stage, text=self.on_text, queued=self.on_queued, done=self.on_done, layer=self.layer)


def run_council(
    question: str,
    task: str,
    mode: str,
    members: list[routing.Member],
    chairman: routing.Member,
    attached: tuple = (),
    earlier: Sequence[Transcript] = (),
) -> None:
    """Seat the council and run it on the page (``earlier``: the rounds a follow-up question continues)."""
    transcript = deliberation.new_transcript(question, task, mode, members, chairman)
    transcript.attachments = tuple(attached)
    st.session_state["council_running"] = transcript  # what Stop keeps
    live = LiveCouncil(transcript, members, st.empty())
    ctx = deliberation.Context(
        W.connection(),
        fallback_order=W.fallback_order(),
        settings=W.retry_settings(),
        guard=W.quota_guard(),
        observer=live.observer(),
        rng=random.Random(),
        live=W.live_ids(),
        cache=W.response_cache(),
        attachments=tuple(attached),
        both_orders=_both_orders(),
    )
    work = deliberation.deliberate(
        question, task, mode, members, chairman, ctx, budget=_budget(members, chairman), transcript=transcript, earlier=earlier
    )
    W.run_async(W.with_heartbeat(work, live.tick))
    for stage in live.boxes:  # the last stage too: no marker keeps spinning once the council has risen
        live.close(stage, expanded=False)
    _keep(transcript)


def _keep(transcript: Transcript) -> None:
    st.session_state["council_transcript"] = transcript
    W.keep_files(transcript.attachments)
    st.session_state.pop("council_running", None)
    W.save_to_history("council", transcript.question or "Council", transcript.to_dict(), "council_run_id")


# ---- the transcript on screen ------------------------------------------------------------------


def _fallback_note(seat: Seat) -> None:
    f = seat.fallback_from
    if f:
        st.info(
            f"{providers.label(f['provider'])} {f.get('status') or f.get('kind')} \u2192 answered by "
            f"{providers.label(seat.answer.provider)}: {f['message']}.",
            icon=":material/alt_route:",
        )


def bias_panel(t: Transcript) -> None:
    """How far to trust these reviews: position and length bias, harshness, self-preference."""
    lines = bias.describe(t.bias or {})
    if lines:
        with st.container(border=True, key="council_bias"):
            st.markdown("**Can these reviews be trusted?**")
            st.markdown("\n".join(f"- {line}" for line in lines))


def _seat_body(seat: Seat, *, limit: str, title: str, key: str) -> None:
    """A seat's answer with what came with it: a stand-in model, the text, what was changed to fit the
    model (a refused parameter, a raised budget), a cut-off, a failure."""
    a = seat.answer
    _fallback_note(seat)
    if seat.note:
        st.info(seat.note, icon=":material/info:")
    if a.text:
        W.show_markdown(st, a.text)
    for note in a.extra.get("notes") or []:
        st.caption(note)
    if a.finish_reason == "length":
        st.caption(f"This answer reached {limit} and was cut off.")
    if a.error:
        W.error_panel({**a.error, "title": title, "provider": a.provider, "model": a.model}, key=key)


def answers_grid(t: Transcript) -> None:
    """Stage 1: each member's answer in its own card."""
    with st.expander(STAGES[1], expanded=t.final is None):
        if not t.stage1:
            st.caption("No member had finished answering yet, so there is nothing to show from this run. Press Run to ask again.")
        for row in W.grid(len(t.stage1)):
            for position, col in row:
                seat = t.stage1[position]
                with col.container(border=True, key=f"council_answer_{seat.label}"):
                    persona = t.member(seat.label).get("persona")
                    st.markdown(
                        f"**Answer {seat.label}** \u00b7 {providers.label(seat.answer.provider)} \u00b7 {seat.answer.model}"
                        + (f" \u00b7 {persona}" if persona else "")
                    )
                    _seat_body(seat, limit="the members' token limit", title="This member failed", key=f"council_err_{seat.label}")
                    st.caption(W.fmt_seconds(seat.answer.metrics.latency_s))


def _agreement_words(t: Transcript) -> str:
    value = ranking.agreement_value(t.consensus)
    if value is not None:
        pairwise = t.consensus.get("pairwise_tau") if isinstance(t.consensus, dict) else None
        words = f"**Agreement {value:+.2f}** \u2014 {ranking.AGREEMENT_EXPLAINED}"
        if pairwise is not None:
            words += f" Where two reviewers ranked the same answers, their mean Kendall tau is {pairwise:+.2f}."
        return words
    if all(len(r.order) < 2 for r in t.stage2):
        return "Agreement: with two members each reviewer sees only the other's answer, so there is no order to agree on (three or more members rank)."
    return "Agreement: not enough readable reviews to compare."


def reviews_panel(t: Transcript) -> None:
    """Stage 2: each review (what it saw, the ranking read from it), the aggregate, agreement and bias."""
    with st.expander(STAGES[2], expanded=True):
        st.caption(
            "Each reviewer saw the other answers under their labels only, in its own shuffled order, never its own answer"
            + (
                "; each was asked twice, the answers as shown and reversed, and only what both orders agree on counts."
                if any(r.swap for r in t.stage2)
                else "."
            )
        )
        for r in t.stage2:
            counted = r.to_dict()  # the ranking the council counts: with both orders, what they agree on
            ranked = ranking.ranking_words(counted) if counted["parsed"] else "no ranking could be read from this review"
            how = REVIEW_METHODS.get(r.method, "")
            kept = " (kept from both orders)" if r.swap is not None else ""
            with st.expander(f"Review by {r.reviewer_label} \u2014 saw {', '.join(r.order)} \u2014 ranking{kept}: {ranked}{how}"):
                if r.swap is not None:
                    first = " > ".join(r.ranking) if r.parsed else "no ranking could be read"
                    st.markdown(f"**As shown** (saw {', '.join(r.order)}): {first}")
                _review_body(r)
                if r.swap is not None:
                    again = " > ".join(r.swap.ranking) if r.swap.parsed else "no ranking could be read"
                    st.markdown(f"**Asked again with the answers reversed** (saw {', '.join(r.swap.order)}): {again}")
                    _review_body(r.swap)
                    places = ", ".join(f"{k} {v:g}" for k, v in sorted((counted.get("positions") or {}).items(), key=lambda kv: kv[1]))
                    if places:
                        st.caption(f"Places kept (the mean of both orders; 1 = best): {places}")
        table = pd.DataFrame(
            [
                {
                    "Answer": a["label"],
                    "Model": _seat_words(f"{a['provider']}:{a['model']}", t.member(a["label"])),
                    "Average rank": a["avg_rank"],
                    "Votes": a["votes"],
                }
                for a in t.aggregate
            ]
        )
        st.dataframe(
            table,
            hide_index=True,
            column_config={
                "Average rank": st.column_config.NumberColumn(format="%.2f", help="1 = ranked best; empty: no review could be read.")
            },
        )
        st.markdown(_agreement_words(t))
        bias_panel(t)
        st.caption("Labels revealed: " + ", ".join(f"{k} = {_seat_words(v, t.member(k))}" for k, v in t.label_map.items()))


def _review_body(r: Review) -> None:
    if r.reasons:  # one line per answer, best first (model text: shown as text)
        st.text("\n".join(f"{label}: {r.reasons[label]}" for label in (r.ranking or r.order) if label in r.reasons))
    else:
        st.text(r.text or "(no review)")
    if r.error:
        st.caption(f"Failed: {r.error['message']}")


def final_card(t: Transcript, final: Seat) -> None:
    """Stage 3: the chairman's answer, and whose points it kept."""
    with st.container(border=True, key="council_final"):
        st.header("The council's answer", anchor=False)
        st.caption(f"Chairman: {providers.label(final.answer.provider)} \u00b7 {final.answer.model}")
        _seat_body(final, limit="the chairman's token limit", title="The chairman failed", key="council_err_final")
        if final.kept_from:
            st.caption(
                "Kept points from: "
                + ", ".join(f"Answer {label} ({t.label_map.get(label, '')})" for label in final.kept_from)
                + " (shared wording, est.)"
            )


def transcript_downloads(t: Transcript) -> None:
    cost = "unknown" if t.total_cost_usd is None else W.fmt_cost(t.total_cost_usd)
    rounds = f" over {len(t.rounds)} questions" if t.earlier else ""
    st.caption(f"Requests sent{rounds}: {t.total_requests} \u00b7 estimated cost: {cost}")
    embed = bool(t.attachments) and W.embed_toggle("council")
    with st.container(horizontal=True):
        st.download_button(
            "Transcript (JSON)",
            exports.transcript_json(t, embed=embed),
            file_name="council-transcript.json",
            mime="application/json",
            key="btn_council_json",
            icon=":material/download:",
        )
        st.download_button(
            "Transcript (Markdown)",
            exports.transcript_markdown(t),
            file_name="council-transcript.md",
            mime="text/markdown",
            key="btn_council_md",
            icon=":material/download:",
        )


def earlier_rounds(t: Transcript) -> None:
    """The questions before this one, each with the council's answer (the whole round in its expander)."""
    for n, r in enumerate(t.earlier, 1):
        with st.expander(f"Question {n}: {r.question[:90]}", expanded=False):
            st.text(r.question)
            if r.final is not None and r.final.ok:
                st.markdown("**The council's answer**")
                W.show_markdown(st, r.final.answer.text)
            else:
                st.caption(r.note or "The council gave no final answer to this question.")
            if r.aggregate:
                ranked = ", ".join(f"{a['label']} {a['avg_rank']:.2f}" for a in r.aggregate if a.get("avg_rank") is not None)
                st.caption(f"Average ranks: {ranked or 'none could be read'} \u00b7 {r.requests} requests")
    if t.earlier:
        st.subheader(f"Question {len(t.rounds)}: {t.question[:120]}", anchor=False)


def _follow() -> None:
    text = W.take_follow_up("council")
    if text:
        st.session_state["council_follow_pending"] = text


def follow_up_box(t: Transcript) -> None:
    """A second question to the same council: members see the question, the council's final answer and their
    own earlier answer; the reviews run again for it."""
    if t.final is None or not t.final.ok or t.stopped_in_stage:
        return
    W.follow_up(
        "council",
        "Ask the council a follow-up",
        "Follow-up question",
        "Ask the council",
        _follow,
        placeholder="e.g. Now say it in three sentences.",
        help="The same members and chairman continue: each sees the earlier questions, its own answers and the council's "
        "final answers; the reviews and the synthesis run again for the new question.",
    )


def show_transcript(t: Transcript) -> None:
    earlier_rounds(t)
    if t.attachments:
        st.caption("Asked about (every member, reviewer and the chairman saw them):")
        W.attachments_row(t.attachments, key="council_asked_about")
    if t.stopped_in_stage:
        st.warning(f"Stopped by you during stage {t.stopped_in_stage}; everything before it is kept.", icon=":material/stop_circle:")
    answers_grid(t)
    if t.stage2:
        reviews_panel(t)
    if t.final is not None:
        final_card(t, t.final)
    if t.note:
        st.warning(t.note, icon=":material/groups:")
    transcript_downloads(t)
    W.share_box("council", t.to_dict(), st.session_state.get("council_run_id"), key="council")
    follow_up_box(t)


# ---- the page ----------------------------------------------------------------------------------


def _continue_shared(t: Transcript) -> None:
    """A shared council run becomes the person's own: theirs to ask follow-ups of, saved in their History."""
    st.session_state["council_transcript"] = t
    st.session_state.pop("council_run_id", None)
    st.session_state["council_question"] = t.rounds[0].question
    W.redraw("council_question")
    W.save_to_history("council", t.rounds[0].question or "Council", t.to_dict(), "council_run_id")
    W.close_link()


def shared_view(t: Transcript) -> None:
    """A council run someone shared: read-only, every stage, with a way to continue it."""
    W.shared_banner(
        "A shared council run, read-only. Continue it in your own Council to ask it follow-up questions; it is then "
        "yours, and saved in your History.",
        "Continue in my Council",
        _continue_shared,
        (t,),
        key="council",
        icon=":material/groups:",
    )
    earlier_rounds(t)
    st.text(t.question)
    answers_grid(t)
    if t.stage2:
        reviews_panel(t)
    if t.final is not None:
        final_card(t, t.final)


W.require_app_navigation()
st.title("Council")
shared = W.opened("council")
if shared is not None:
    shared_view(Transcript.from_dict(shared))
    st.stop()
st.caption("Several models answer, review each other without knowing who wrote what, and a chairman writes the final answer.")
with st.expander("What is a council?"):
    st.markdown(
        "1. **Routing** \u2014 the question's task type (reasoning, creative, fact-checking, code, summarization, research, "
        "general) is guessed by simple word rules you can see and override; the mode decides how many members sit.\n"
        "2. **Answers** \u2014 each member answers on its own, at the same time.\n"
        "3. **Anonymous reviews** \u2014 each member ranks the *other* answers, shown as A, B, C\u2026 in a shuffled order, "
        "so nobody can favour its own answer or the first one it reads.\n"
        "4. **Synthesis** \u2014 a chairman reads the answers and the rankings and writes one final answer.\n\n"
        "A member that fails is replaced along your fallback order (Settings), or shown as failed while at least two remain. "
        "With no token the council sits on the bundled model with different personas, so you can try it offline."
    )
W.quota_warnings()
running = st.session_state.get("council_running")
if running:  # the last run was stopped part-way: keep what it had
    _keep(running)

question = W.bound(st.text_area, "Question", "council_question", "", height=110, placeholder="Ask the council\u2026 (Ctrl+Enter to run)")
detection = routing.detect(question or "")
cols = st.columns([1.3, 1.7])
override = W.bound(
    cols[0].selectbox,
    "Task",
    "council_task",
    "auto",
    options=["auto", *routing.TASK_TYPES],
    format_func=lambda t: "Auto (by the rules below)" if t == "auto" else t,
    help="Auto follows the rules shown below; pick a task to override them.",
)
mode = (
    W.bound(
        cols[1].segmented_control,
        "Mode",
        "council_mode",
        "balanced",
        options=list(routing.MODES),
        format_func=str.capitalize,
        help=" \u00b7 ".join(f"{name}: {words}" for name, (_, words) in routing.MODES.items()),
    )
    or "balanced"
)
task = detection.task if override == "auto" else override
st.caption(detection.explain() if override == "auto" else f"Task set by you: {task}.")
attached = W.attached("council")
with st.expander("Members and chairman", expanded=False):
    members, chairman, plan = members_panel(task, mode, attached)
W.attach_box("council", [*members, chairman], what=" \u2014 every member, reviewer and the chairman see them")
problems = [p for seat in dict.fromkeys([*members, chairman]) for p in W.attachment_problems(seat, attached)]
if len(members) < 2:
    problems.append("Pick at least two members.")
estimate_line(question, members, chairman, attached)
W.run_and_stop(
    "council",
    on_submit=_submit,
    icon=":material/groups:",
    running=bool(st.session_state.get("council_pending")),
    stop_help="Stop the council; every step so far is kept.",
)

pending = st.session_state.pop("council_pending", False)
if pending and problems:
    W.problems_panel(problems)
    pending = False
st.divider()
# Two placeholders, drawn at once on every run: the new council sits in the first while the second,
# which held the last run's reviews, ranks and final answer, is empty — so nothing of the last run
# stays on screen, faded, under the new question; the leaderboard below is drawn before it sits.
live = st.empty()
finished = st.empty()
with st.expander("Council leaderboard (your History)"):
    st.caption("Per model, across every council run kept in History: how often its answer was ranked best, and its average rank.")
    W.council_leaderboard("council_leaderboard")
follow = st.session_state.pop("council_follow_pending", None)
before = st.session_state.get("council_transcript")
if pending and (question or "").strip():
    with live.container(key="council_live"):
        run_council(question.strip(), task, mode, members, chairman, attached)
    st.rerun()
elif follow and before is not None:  # the same seats continue, with what they said before
    try:
        seats = [routing.seat_from(m) for m in before.members]
        chair = routing.seat_from(before.chairman)
    except ValueError as exc:
        W.problems_panel([f"This council cannot continue: {exc} Ask it afresh above."])
    else:
        with live.container(key="council_live"):
            earlier_rounds(before)
            st.subheader(f"Question {len(before.rounds) + 1}: {follow[:120]}", anchor=False)
            run_council(follow, before.task, before.mode, seats, chair, before.attachments, earlier=before.rounds)
        st.rerun()
with finished.container(key="council_results"):
    transcript = st.session_state.get("council_transcript")
    if transcript:
        show_transcript(transcript)
    else:
        st.info("Type a question and press Run: you will see each stage as it happens.", icon=":material/groups:")
