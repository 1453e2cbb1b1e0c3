"""Playground: a multi-turn chat with one model, streaming, with metrics and Stop."""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, replace

import streamlit as st

from council.facts import capabilities
from council.runs import providers, service, setup, snippets
from council.runs.records import Answer, ChatTurn
from council.runs.turns import Turn, TurnMetrics, build_messages, make_request
from pages import widgets as W


def _submit() -> None:
    """Run / Ctrl+Enter: take the prompt (fresh from the text area) and clear the box."""
    text = (W.widget_value("pg_prompt") or "").strip()
    W.put("pg_prompt", "")
    if text:
        st.session_state["pg_pending"] = text


def _clear() -> None:
    st.session_state["pg_history"] = []
    for key in W.PLAYGROUND_CONVERSATION:  # the next message starts a new saved conversation
        st.session_state.pop(key, None)


def _save_conversation(choice: W.Choice, params, system: str, turns: list[ChatTurn]) -> None:
    """Keep the conversation in History (no tokens: only what reopening it needs)."""
    payload = {
        "provider": choice.provider,
        "model_id": choice.model_id,
        "task": choice.task,
        "custom": choice.entry is None,
        "system": system,
        "params": asdict(params),
        "turns": [t.to_dict() for t in turns],
    }
    first = next((t.content for t in turns if t.role == "user"), "Conversation")
    W.keep_files([a for t in turns for a in t.attachments])
    W.save_to_history("playground", first, payload, "pg_run_id")


def _dismiss_hint() -> None:
    st.session_state["pg_hint_dismissed"] = True
    with contextlib.suppress(OSError):  # a read-only data folder: hidden for this session only
        setup.dismiss_hint()


def _draw_turn(turn: ChatTurn, *, latest: bool, index: int) -> None:
    with st.chat_message(turn.role):
        if turn.answer is None:
            st.text(turn.content)  # the user's own words, shown verbatim
            W.attachments_row(turn.attachments, key=f"pg_files_{index}")
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


def _retry_with_more_tokens(budget: int) -> None:
    """The model thought through its whole budget: ask the last message again with twice the room."""
    history: list[ChatTurn] = st.session_state.get("pg_history") or []
    if len(history) >= 2 and history[-1].role == "assistant" and history[-2].role == "user":
        asked, attached = history[-2].content, history[-2].attachments
        del history[-2:]
        st.session_state["pg_pending"] = asked
        st.session_state["pg_attached"] = list(attached)  # asked again with what it was asked with
        larger = min(capabilities.MAX_BUDGET, budget * 2)
        W.put("pg_max_new_tokens", larger)


def _finish_stopped_partial(history: list[ChatTurn]) -> None:
    """A run interrupted by Stop left its partial answer here: keep it in the conversation."""
    partial: Answer | None = st.session_state.pop("pg_partial", None)
    if partial is not None:
        partial.stopped = True
        history.append(ChatTurn("assistant", partial.text, partial))


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
    st.session_state["pg_last_request"] = {
        "provider": choice.provider,
        "request": make_request(choice.model_id, choice.task, messages, params),
    }
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


W.require_app_navigation()
st.title("Playground")
W.quota_warnings()
history: list[ChatTurn] = W.state("pg_history", [])
_finish_stopped_partial(history)
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
    conversation = st.container()
    with conversation:
        if not history and "pg_pending" not in st.session_state:
            st.caption("Type a message below and press Run (or Ctrl+Enter). The conversation appears here.")
        last_assistant = max((i for i, t in enumerate(history) if t.role == "assistant"), default=-1)
        for i, turn in enumerate(history):
            _draw_turn(turn, latest=i == last_assistant, index=i)

    last = st.session_state.get("pg_last_request")
    if last and history:
        with st.expander("Code for the last request (curl, Python)"):
            try:
                code = snippets.for_request(last["provider"], last["request"], W.connection())
            except Exception as exc:
                st.caption(providers.as_provider_error(exc).user_message)
            else:
                if code.token_env:
                    st.caption(f"Set {code.token_env} in your shell first; the code never holds your token.")
                if code.curl:
                    curl_tab, python_tab = st.tabs(["curl", "Python (httpx)"])
                    curl_tab.code(code.curl, language="bash")
                    python_tab.code(code.python, language="python")
                else:
                    st.caption("The bundled model runs inside the app, so there is no web request: this Python code runs it directly.")
                    st.code(code.python, language="python")

    pending = st.session_state.pop("pg_pending", None)
    attached = W.attached("pg")
    blockers = ([choice.problem] if choice.problem else []) + problems + W.attachment_problems(choice, attached)
    if pending and blockers:  # nothing is sent: give the text back and say what to fix
        W.set_widget("pg_prompt", pending)
        W.problems_panel(blockers)
        pending = None
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
        running=bool(pending),
        stop_help="Stop the answer; what has arrived so far is kept.",
    )
    row.button("Clear", key="btn_pg_clear", on_click=_clear, icon=":material/delete:", help="Start a new conversation.")

    if pending:
        history.append(ChatTurn("user", pending, attachments=attached))
        with conversation:
            with st.chat_message("user"):
                st.text(pending)
                W.attachments_row(attached, key="pg_files_sending")
            with st.chat_message("assistant"):
                turn = W.run_async(_answer(choice, params, system, history[:-1], pending, attached))
        st.session_state.pop("pg_partial", None)
        history.append(turn)
        if turn.answer is not None and turn.answer.error is None:  # answered: the files went with it (a failure keeps them)
            W.detach("pg")
        _save_conversation(choice, params, system, history)
        st.rerun()
