"""The parameter panel: basic parameters in sight, presets, the rest under Advanced; validated before sending."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from adapters import GenerationParams
from council.facts import capabilities
from council.facts import params as P
from pages.widgets.session import bound, state

T = TypeVar("T")


def _apply_preset(prefix: str) -> None:
    name = st.session_state.get(f"w_{prefix}_preset")
    st.session_state[f"{prefix}_preset"] = name
    if name in P.PRESETS:
        preset = P.apply_preset(GenerationParams(), name)
        for field, value in (("temperature", preset.temperature), ("top_p", preset.top_p)):
            st.session_state[f"{prefix}_{field}"] = value
            st.session_state[f"w_{prefix}_{field}"] = value


def param_panel(
    prefix: str, *, context_window: int | None, rules: capabilities.Accepts | None = None, model: str = ""
) -> tuple[GenerationParams | None, list[str]]:
    """Presets and the basic parameters in sight; the rest under Advanced. Returns (params, problems).

    With ``rules`` (what the chosen model takes) the panel follows the model: a parameter it refuses
    or ignores is disabled with the reason, and a reasoning model gets a Reasoning effort control."""
    spec = P.SPECS
    rules = rules or capabilities.Accepts()
    state(f"{prefix}_preset", "Balanced")
    chosen = P.PRESETS.get(st.session_state[f"{prefix}_preset"] or "")
    values = (st.session_state.get(f"{prefix}_temperature"), st.session_state.get(f"{prefix}_top_p"))
    if chosen is not None and values != (None, None) and values != (chosen.temperature, chosen.top_p):
        st.session_state[f"{prefix}_preset"] = None  # a value was changed by hand: no preset is in force any more
        st.session_state.pop(f"w_{prefix}_preset", None)
    if f"w_{prefix}_preset" not in st.session_state:
        st.session_state[f"w_{prefix}_preset"] = st.session_state[f"{prefix}_preset"]
    st.segmented_control(
        "Preset",
        options=list(P.PRESETS),
        key=f"w_{prefix}_preset",
        on_change=_apply_preset,
        args=(prefix,),
        help=" \u00b7 ".join(f"{p.name}: {p.description}" for p in P.PRESETS.values()),
    )
    limit = context_window or 131072
    for key in (f"{prefix}_max_new_tokens", f"w_{prefix}_max_new_tokens"):  # a model with a smaller window was picked
        if isinstance(st.session_state.get(key), int) and st.session_state[key] > limit:
            st.session_state[key] = limit

    def field(widget: Callable[..., T], name: str, default: Any, *, label: str | None = None, **kwargs: Any) -> T:
        """One parameter widget: its label and help come from the parameter's spec; one the model refuses or
        ignores is shown disabled, with the reason. A value from outside the widget (a reopened run, an
        edited file) that it cannot show is reset, and said."""
        why = capabilities.why_not(name, rules, model or "This model")
        if why:
            kwargs |= {"disabled": True, "help": why}
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        keys = (f"{prefix}_{name}", f"w_{prefix}_{name}")
        bad = [k for k in keys if low is not None and st.session_state.get(k) is not None]
        bad = [k for k in bad if not P.number_between(st.session_state[k], low, high)]
        if bad:
            st.warning(f"{spec[name].label} was {st.session_state[bad[0]]!r}, outside {low}\u2013{high}; it is back to {default}.")
            for key in bad:
                st.session_state[key] = default
        kwargs.setdefault("help", spec[name].help)
        return bound(widget, label or spec[name].label, f"{prefix}_{name}", default, **kwargs)

    temperature = field(st.slider, "temperature", 0.7, min_value=0.0, max_value=2.0, step=0.05)
    why_temperature = capabilities.why_not("temperature", rules, model or "This model")
    if why_temperature:
        st.caption(why_temperature)
    effort = None
    if rules.efforts:
        choice = bound(
            st.selectbox,
            "Reasoning effort",
            f"{prefix}_reasoning_effort",
            "model's default",
            options=["model's default", *rules.efforts],
            help="How long the model thinks before answering: higher effort answers harder questions but takes longer and "
            "spends more tokens (thinking counts in max new tokens); lower is quicker and cheaper.",
        )
        effort = None if choice == "model's default" else choice
    max_new = field(
        st.number_input,
        "max_new_tokens",
        min(256, limit),
        label=spec["max_new_tokens"].label + " (tokens)",
        min_value=1,
        max_value=limit,
        step=32,
    )
    with st.expander("Advanced"):
        top_p = field(st.slider, "top_p", 0.95, min_value=0.01, max_value=1.0, step=0.01)
        use_top_k = bound(st.checkbox, "Limit to top-k words", f"{prefix}_use_top_k", False, help=spec["top_k"].help)
        top_k = field(st.number_input, "top_k", 50, min_value=1, max_value=1000, step=1, disabled=not use_top_k)
        rep = field(st.slider, "repetition_penalty", 1.0, min_value=0.5, max_value=2.0, step=0.05)
        do_sample = field(st.toggle, "do_sample", True)
        seed_text = field(st.text_input, "seed", "", placeholder="empty = random")
        stop_text = field(st.text_area, "stop", "", height=80, placeholder="one per line")
        if rules.sources:
            st.caption(f"What {model or 'this model'} takes comes from: " + " \u00b7 ".join(rules.sources) + ".")
    problems: list[str] = []
    seed: int | None = None
    if seed_text.strip():
        try:
            seed = int(seed_text.strip())
        except ValueError:
            problems.append("Seed must be a whole number (or empty).")
    params = GenerationParams(
        temperature=float(temperature),
        max_new_tokens=int(max_new),
        top_p=float(top_p) if top_p < 1.0 else None,
        top_k=int(top_k) if use_top_k else None,
        do_sample=None if do_sample else False,
        repetition_penalty=float(rep) if rep != 1.0 else None,
        stop=P.parse_stop(stop_text),
        seed=seed,
        reasoning_effort=effort,
    )
    try:
        P.validate_params(params, context_window=context_window)
    except P.ParamError as exc:
        problems.extend(exc.problems)
    return (None if problems else params), problems
