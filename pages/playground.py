"""Playground: a multi-turn chat with one model, streaming, with metrics and Stop."""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, replace

import streamlit as st

from council.facts import capabilities
from council.runs import providers, service, setup
from council.runs.conversation import ROOT, Conversation
from council.runs.records import Answer, ChatTurn
from council.runs.turns import Turn, TurnMetrics, build_messages, make_request
from pages import widgets as W

EMPTY_EDIT = "An empty message cannot be sent: write something, or press Cancel."


def _tree() -> Conversation:
    """The conversation as a tree of branches. A list other code wrote as the conversation (Clear, starting
    afresh elsewhere, an old saved run) starts a tree of its own."""
    shown = st.session_state.get("pg_history", [])
    tree = st.session_state.get("pg_tree")
    if not isinstance(tree, Conversation) or shown is not st.session_state.get("pg_tree_view"):
        tree = Conversation.linear(shown)
        _show(tree)
    return tree


def _show(tree: Conversation) -> None:
    """Keep the tree, and the branch shown as the conversation other code reads (``pg_history``)."""
    view = tree.turns()
    st.session_state.update(pg_tree=tree, pg_history=view, pg_tree_view=view)


def _changed(tree: Conversation) -> None:
    """A branch switched or a message deleted: shown now, and saved in History on this run."""
    _show(tree)
    st.session_state["pg_dirty"] = True


def _start_edit(node_id: int) -> None:
    st.session_state["pg_editing"] = node_id
    st.session_state["pg_edit_box"] = _tree().nodes[node_id].turn.content
    st.session_state.pop("pg_edit_problem", None)


def _cancel_edit() -> None:
    for key in ("pg_editing", "pg_edit_box", "pg_edit_problem"):
        st.session_state.pop(key, None)


def _save_edit(node_id: int) -> None:
    """Save and run: the edited message goes as a new branch beside the old one, and is answered."""
    text = (st.session_state.get("pg_edit_box") or "").strip()
    if not text:
        st.session_state["pg_edit_problem"] = EMPTY_EDIT
        return
    st.session_state["pg_job"] = ("edit", node_id, text)


def _regenerate(node_id: int) -> None:
    """Ask the message before this answer again (with the parameters as they are now); the old answer stays as a branch."""
    st.session_state["pg_job"] = ("again", _tree().nodes[node_id].parent)


def _switch(node_id: int, step: int) -> None:
    tree = _tree()
    tree.switch(node_id, step)
    _changed(tree)


def _delete(node_id: int) -> None:
    tree = _tree()
    tree.delete(node_id)
    _cancel_edit()
    _changed(tree)


def _submit() -> None:
    """Run / Ctrl+Enter: take the prompt (fresh from the text area) and clear the box."""
    text = (W.widget_value("pg_prompt") or "").strip()
    W.put("pg_prompt", "")
    if text:
        st.session_state["pg_pending"] = text


def _clear() -> None:
    st.session_state["pg_history"] = []
    for key in (*W.PLAYGROUND_CONVERSATION, "pg_tree"):  # the next message starts a new saved conversation
        st.session_state.pop(key, None)


def _payload(choice: W.Choice, params, system: str, tree: Conversation) -> dict:
    """The conversation as History keeps it and a link carries it (no tokens: only what reopening it needs):
    ``turns`` is the branch shown, ``tree`` every branch (when there is more than one) and which is shown."""
    turns = tree.turns()
    payload = {
        "provider": choice.provider,
        "model_id": choice.model_id,
        "task": choice.task,
        "custom": choice.entry is None,
        "system": system,
        "params": asdict(params),
        "turns": [t.to_dict() for t in turns],
    }
    if len(tree) > len(turns):
        payload["tree"] = tree.to_dict()
    return payload


def _save_conversation(choice: W.Choice, params, system: str, tree: Conversation) -> None:
    """Keep the conversation in History."""
    payload = _payload(choice, params, system, tree)
    first = next((t.content for t in tree.turns() if t.role == "user"), "Conversation")
    W.keep_files([a for n in tree.nodes.values() for a in n.turn.attachments])
    W.save_to_history("playground", first, payload, "pg_run_id")


def _dismiss_hint() -> None:
    st.session_state["pg_hint_dismissed"] = True
    with contextlib.suppress(OSError):  # a read-only data folder: hidden for this session only
        setup.dismiss_hint()


def _message_tools(tree: Conversation, node_id: int, *, busy: bool) -> None:
    """Under a message: Edit (yours) or Regenerate (an answer), Delete, and "\u2190 2 / 3 \u2192" where it has branches."""
    turn = tree.nodes[node_id].turn
    at, count = tree.branch(node_id)
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key=f"pg_tools_{node_id}"):
        if count > 1:
            st.button(
                "",
                key=f"btn_pg_prev_{node_id}",
                on_click=_switch,
                args=(node_id, -1),
                icon=":material/chevron_left:",
                type="tertiary",
                disabled=busy or at == 1,
                help="The branch before this one",
            )
            st.caption(f"{at} / {count}", width="content")
            st.button(
                "",
                key=f"btn_pg_next_{node_id}",
                on_click=_switch,
                args=(node_id, 1),
                icon=":material/chevron_right:",
                type="tertiary",
                disabled=busy or at == count,
                help="The branch after this one",
            )
        tools = (  # (label, key, on click, icon, help) — the person's message, or the model's answer
            [
                (
                    "Edit",
                    "edit",
                    _start_edit,
                    ":material/edit:",
                    "Change this message and run again from here; the old path stays as a branch.",
                )
            ]
            if turn.role == "user"
            else [
                *(
                    [
                        (
                            "Ask the council",
                            "council",
                            None,
                            ":material/groups:",
                            "Open the Council with this answer as the context of your question.",
                        )
                    ]
                    if turn.content.strip()
                    else []
                ),
                (
                    "Regenerate",
                    "again",
                    _regenerate,
                    ":material/refresh:",
                    "Ask again, with the parameters as they are now; this answer stays as a branch.",
                ),
            ]
        )
        tools.append(("Delete", "delete", _delete, ":material/delete:", "Delete this message and everything after it on this branch."))
        for label, name, action, icon, words in tools:
            args = (turn.content, turn.answer.model if turn.answer else "a model") if action is None else (node_id,)
            st.button(
                label,
                key=f"btn_pg_{name}_{node_id}",
                on_click=action or W.ask_council_about,
                args=args,
                icon=icon,
                type="tertiary",
                disabled=busy,
                help=words,
            )


def _edit_box(node_id: int) -> None:
    st.text_area("Edit your message", key="pg_edit_box", height=100)
    problem = st.session_state.get("pg_edit_problem")
    if problem:
        st.warning(problem, icon=":material/edit_off:")
    with st.container(horizontal=True):
        st.button("Save and run", key="btn_pg_edit_save", on_click=_save_edit, args=(node_id,), type="primary", icon=":material/send:")
        st.button("Cancel", key="btn_pg_edit_cancel", on_click=_cancel_edit)


def _draw_turn(tree: Conversation, node_id: int, *, latest: bool, busy: bool) -> None:
    turn, index = tree.nodes[node_id].turn, node_id
    with st.chat_message(turn.role):
        if turn.answer is None:
            if st.session_state.get("pg_editing") == node_id and not busy:
                _edit_box(node_id)
            else:
                st.text(turn.content)  # the user's own words, shown verbatim
            W.attachments_row(turn.attachments, key=f"pg_files_{index}")
            _message_tools(tree, node_id, busy=busy)
            return
        answer = turn.answer
        if answer.text:
            W.show_markdown(st, answer.text)
        W.answer_notes(answer)
        budget = answer.extra.get("thought_out")
        if latest and budget and budget < capabilities.MAX_BUDGET:
            st.button(
                f"Retry with {min(capabilities.MAX_BUDGET, budget * 2):,} tokens",
                key=f"btn_pg_more_tokens_{index}",
                on_click=_retry_with_more_tokens,
                args=(budget,),
                icon=":material/replay:",
                help="Ask the same message again with twice the room for thinking and answering (max new tokens).",
            )
        if answer.error:
            W.error_panel(answer.error, key=f"pg_err_{index}")
        if answer.text or not answer.error:
            if latest:
                st.caption(f"{providers.label(answer.provider)} \u00b7 {answer.model}")
                W.metrics_row(answer, key="pg_metrics")
            else:
                st.caption(W.metrics_caption(answer))
        _message_tools(tree, node_id, busy=busy)


def _retry_with_more_tokens(budget: int) -> None:
    """The model thought through its whole budget: ask the last message again with twice the room (the
    answer that said nothing stays as a branch)."""
    tree = _tree()
    last = tree.last()
    if last != ROOT and tree.nodes[last].turn.role == "assistant":
        st.session_state["pg_job"] = ("again", tree.nodes[last].parent)
        W.put("pg_max_new_tokens", min(capabilities.MAX_BUDGET, budget * 2))


def _finish_stopped_partial(tree: Conversation) -> None:
    """A run interrupted by Stop left its partial answer here: keep it in the conversation, under the message it answers."""
    partial: Answer | None = st.session_state.pop("pg_partial", None)
    parent = st.session_state.pop("pg_partial_parent", None)
    if partial is not None:
        partial.stopped = True
        tree.add(parent if parent in tree.nodes else tree.last(), ChatTurn("assistant", partial.text, partial))
        _changed(tree)


def _assistant(answer: Answer) -> ChatTurn:
    return ChatTurn("assistant", answer.text, answer)


async def _answer(choice: W.Choice, params, system: str, history: list[ChatTurn], text: str, attached: tuple = ()) -> ChatTurn:
    """Stream one answer into the page; returns the assistant turn to keep."""
    status = st.empty()  # countdown while a retry waits
    beat = st.empty()  # heartbeat: elapsed time, redrawn so Stop takes effect promptly
    body = st.container(key="pg_live_answer").empty()  # the growing answer (keyed: tests find it)
    waits: list[dict] = st.session_state.setdefault("pg_waits", [])
    waits.clear()
    # what Stop keeps: the text so far and what was measured of it (tokens are counted only by the provider)
    partial = Answer(choice.provider, choice.model_id)
    st.session_state["pg_partial"] = partial
    layer = W.retry_layer(status, waits=waits)
    redraw = W.Throttle()
    got_text = False
    started = time.perf_counter()

    def on_text(full: str) -> None:
        nonlocal got_text
        now = time.perf_counter() - started
        partial.metrics = TurnMetrics(latency_s=now, ttft_s=partial.metrics.ttft_s if got_text else now)
        got_text = True
        partial.text = full
        if redraw.due():
            W.show_markdown(body, full, cursor=True)

    def tick(elapsed: float) -> None:
        partial.metrics = replace(partial.metrics, latency_s=elapsed)
        if providers.serial(choice.provider) and not got_text:
            beat.caption(f"The bundled model is thinking\u2026 {elapsed:.1f} s (it answers one request at a time)")
        else:
            beat.caption(("Answering\u2026 " if got_text else "Waiting for the first token\u2026 ") + f"{elapsed:.1f} s")

    turns = [Turn(t.role, t.content, t.attachments) for t in history]
    messages = build_messages(system, turns, text, attached)
    fallbacks = W.fallback_order() if st.session_state.get("pg_fallback") else ()
    try:
        targets = service.plan(
            choice.provider,
            choice.model_id,
            messages,
            params,
            W.connection(),
            task=choice.task,
            fallback_order=fallbacks,
            live=W.live_ids() if fallbacks else None,
            context_window=choice.entry.context_window if choice.entry else None,
        )
    except Exception as exc:  # too long, a bad base URL or a missing runtime: typed, in plain words
        return _assistant(Answer.failed(choice.provider, choice.model_id, providers.as_provider_error(exc)))
    # the service writes every attempt to the ledger, also when Stop interrupts the run
    result = await W.with_heartbeat(service.run(targets, layer, on_text, kind="playground", cache=W.response_cache()), tick)
    status.empty()
    beat.empty()
    if result.rate_limit is not None:
        W.state("reported_limits", {})[result.provider] = result.rate_limit
    return _assistant(Answer.from_turn(result))


def _continue_shared(payload: dict) -> None:
    """A shared conversation becomes the person's own: a new conversation of theirs, saved in their History."""
    W.open_conversation(payload)
    st.session_state["pg_dirty"] = True
    W.close_link()


def shared_view(payload: dict) -> None:
    """A conversation someone shared: read-only, on the branch they showed, with a way to continue it."""
    tree = W.conversation_of(payload)
    model = payload.get("model_id") or "a model"
    W.shared_banner(
        f"A shared conversation with {model} ({providers.label(payload.get('provider') or providers.BUNDLED)}), read-only. "
        "Continue it in your own Playground to ask more; it is then yours, and saved in your History.",
        "Continue in my Playground",
        _continue_shared,
        (payload,),
        key="pg",
        icon=":material/chat:",
    )
    for node in tree.path():
        with st.chat_message(node.turn.role):
            if node.turn.answer is None:
                st.text(node.turn.content)
                W.attachments_row(node.turn.attachments, key=f"pg_shared_files_{node.id}")
            else:
                W.show_markdown(st, node.turn.content)
                st.caption(W.metrics_caption(node.turn.answer))


W.require_app_navigation()
st.title("Playground")
W.quota_warnings()
shared = W.opened("playground")
if shared is not None:
    shared_view(shared)
    st.stop()
tree = _tree()
_finish_stopped_partial(tree)
notice = st.session_state.pop("pg_notice", None)
if notice:
    st.info(notice, icon=":material/chat_add_on:")

setup_states = setup.status(W.connection(), W.state("verified", {}))
done, total = setup.counts(setup_states)
if done < total and not st.session_state.get("pg_hint_dismissed") and not setup.load()["hint_dismissed"]:
    with st.container(horizontal=True, vertical_alignment="center", key="pg_setup_hint"):
        chatting_offline = st.session_state.get("pg_provider", providers.BUNDLED) == providers.BUNDLED
        if setup_states["token"] == "open" and chatting_offline:
            words = (
                "You are chatting with the bundled model, which runs on this computer with no token and no network. "
                f"For bigger models, get a {providers.label(providers.STARTER)} token: Getting started shows how, step by step."
            )
        else:
            words = f"Setup: {done} of {total} steps done. Still to do: {setup.still_open(setup_states)}. Getting started shows how."
        st.info(words, icon=":material/lightbulb:")
        st.page_link(W.GETTING_STARTED_PAGE, label="Getting started", icon=":material/checklist:")
        st.button(
            "Dismiss",
            key="btn_pg_hint_close",
            on_click=_dismiss_hint,
            help="Hide this hint (for good: the sidebar still shows your progress).",
        )


def _follow_recommended_system(choice: W.Choice) -> str:
    """A new conversation with a model that recommends a system prompt starts with it in the box, unless the person
    wrote or cleared their own; one put there follows the model until it is changed. Returns the recommended one."""
    wanted = str((choice.entry.recommended if choice.entry else {}).get("system") or "")
    applied = st.session_state.get("pg_recommended_system")
    current = st.session_state.get("pg_system")
    untouched = current is None or (applied is not None and current == applied)
    if untouched and not st.session_state.get("pg_history") and current != wanted:
        W.put("pg_system", wanted)
        st.session_state["pg_recommended_system"] = wanted
    return wanted


def code_for_shown(choice: W.Choice, params, system: str, shown: list) -> None:
    """curl and Python for the request behind the last answer shown (the branch shown, the model that answered it)."""
    users = [i for i, n in enumerate(shown) if n.turn.role == "user"]
    if not users:
        return
    last = users[-1]
    asked = shown[last].turn
    answer = next((n.turn.answer for n in shown[last + 1 :] if n.turn.answer is not None), None)
    provider = answer.provider if answer is not None and answer.provider else choice.provider
    model = answer.model if answer is not None and answer.model else choice.model_id
    turns = [Turn(n.turn.role, n.turn.content, n.turn.attachments) for n in shown[:last]]
    request = make_request(model, choice.task, build_messages(system, turns, asked.content, asked.attachments), params)
    W.code_for(provider, request, title="Code for the last request (curl, Python)")


# The conversation and, beside it, the model and its parameters; where the page is too narrow for both
# (800 px with the sidebar open) the panel moves below the conversation instead of being squeezed.
layout = st.container(horizontal=True, wrap=True, gap="large", key="pg_layout")
chat_col = layout.container(width="stretch", key="pg_chat")
side_col = layout.container(width=340, key="pg_side")
with side_col:
    st.header("Model")
    choice = W.model_picker("pg")
    W.bound(
        st.toggle,
        "Fall back to other providers",
        "pg_fallback",
        False,
        help="On: if this model fails (after its retries), the providers of your fallback order (Settings) answer instead, and the answer says so. Off: you see the error itself.",
    )
    st.header("Parameters")
    params, problems = W.param_panel(
        "pg",
        context_window=choice.entry.context_window if choice.entry else None,
        rules=capabilities.accepts(choice.provider, choice.model_id),
        model=choice.model_id,
        recommended=choice.entry.recommended if choice.entry else None,
        recommended_source=choice.entry.recommended_source if choice.entry else "",
    )

with chat_col:
    recommended_system = _follow_recommended_system(choice)
    with st.expander("System prompt", expanded=bool(st.session_state.get("pg_system"))):
        system = W.bound(
            st.text_area,
            "System prompt (optional)",
            "pg_system",
            "",
            height=80,
            placeholder="e.g. You are a concise assistant. Answer in three sentences at most.",
            help="Instructions the model follows for the whole conversation. For extractive question answering, put the text to search here.",
        )
        if recommended_system and system == recommended_system:
            st.caption(f"Recommended for {choice.model_id}: it answers better with it. Change or clear it as you like.")
    # what this run asks, if anything: a new message (Run), an edited one, or a message asked again
    job = st.session_state.pop("pg_job", None)
    pending = st.session_state.pop("pg_pending", None)
    if pending:
        job = ("new", pending)
    files = W.attached("pg") if job and job[0] == "new" else tree.nodes[job[1]].turn.attachments if job and job[1] in tree.nodes else ()
    blockers = ([choice.problem] if choice.problem else []) + problems + W.attachment_problems(choice, files)
    if job and job[0] == "new" and blockers:  # nothing is sent: give the text back and say what to fix
        W.set_widget("pg_prompt", pending)
    if job and (blockers or (job[0] != "new" and job[1] not in tree.nodes)):
        W.problems_panel(blockers)
        job = None
    asking = None  # the message answered on this run
    if job and job[0] == "new":
        asking = tree.add(tree.last(), ChatTurn("user", pending, attachments=files))
    elif job and job[0] == "edit":
        asking = tree.edit(job[1], job[2])
        _cancel_edit()
    elif job:
        asking = job[1]
    if asking is not None:
        _show(tree)
    busy = asking is not None

    conversation = st.container()
    with conversation:
        shown = tree.path()
        if asking is not None:  # the conversation up to the message being answered; the answer streams below it
            shown = shown[: [n.id for n in shown].index(asking) + 1]
        if not shown:
            st.caption("Type a message below and press Run (or Ctrl+Enter). The conversation appears here.")
        last_assistant = max((n.id for n in shown if n.turn.role == "assistant"), default=None)
        for node in shown:
            _draw_turn(tree, node.id, latest=node.id == last_assistant and not busy, busy=busy)

    if shown and not busy:
        code_for_shown(choice, params, system, shown)
        W.share_box("playground", _payload(choice, params, system, tree), st.session_state.get("pg_run_id"), key="pg")

    W.bound(
        st.text_area,
        "Your message",
        "pg_prompt",
        "",
        height=100,
        placeholder="Ask anything\u2026 (Ctrl+Enter to run)",
    )
    W.attach_box("pg", [choice])
    row = W.run_and_stop(
        "pg",
        on_submit=_submit,
        icon=":material/send:",
        running=busy,
        stop_help="Stop the answer; what has arrived so far is kept.",
    )
    row.button("Clear", key="btn_pg_clear", on_click=_clear, icon=":material/delete:", help="Start a new conversation.")

    if asking is not None:
        asked = tree.nodes[asking].turn
        with conversation, st.chat_message("assistant"):
            st.session_state["pg_partial_parent"] = asking  # where Stop keeps what arrived
            before = tree.before(asking)
            turn = W.run_async(_answer(choice, params, system, before, asked.content, asked.attachments))
        st.session_state.pop("pg_partial", None)
        st.session_state.pop("pg_partial_parent", None)
        tree.add(asking, turn)
        _show(tree)
        if job[0] == "new" and turn.answer is not None and turn.answer.error is None:  # the files went with it (a failure keeps them)
            W.detach("pg")
        _save_conversation(choice, params, system, tree)
        st.rerun()
    if st.session_state.pop("pg_dirty", False) and len(tree):  # a branch switched or a message deleted: History follows
        _save_conversation(choice, params, system, tree)
