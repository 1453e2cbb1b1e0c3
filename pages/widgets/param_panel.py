"""The parameter panel: basic parameters in sight, presets, the rest under Advanced; validated before sending."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import streamlit as st

from adapters import GenerationParams
from council.facts import capabilities
from council.facts import params as P
from pages.widgets.session import bound, put, redraw, seed_widget, state, widget_key, widget_value

T = TypeVar("T")


def _apply_preset(prefix: str) -> None:
    name = widget_value(f"{prefix}_preset")
    st.session_state[f"{prefix}_preset"] = name
    if name in P.PRESETS:
        preset = P.apply_preset(GenerationParams(), name)
        for field, value in (("temperature", preset.temperature), ("top_p", preset.top_p)):
            put(f"{prefix}_{field}", value)


RECOMMENDABLE = ("temperature", "top_p")  # what a model's own recommended settings may set in the panel


def follow_recommendation(prefix: str, recommended: Mapping[str, Any] | None) -> bool:
    """Put the chosen model's recommended temperature and top-p in place, unless the person set their own.
    Values a recommendation put there follow the model (another model's recommendation, or the defaults when
    it has none) until the person changes them. Returns whether a recommendation is in use."""
    marker = f"{prefix}_recommended"
    current = {k: st.session_state.get(f"{prefix}_{k}") for k in RECOMMENDABLE}
    applied = st.session_state.get(marker)
    if not (all(v is None for v in current.values()) or (applied is not None and current == applied)):
        return False  # the person's own values
    wanted = {k: float(recommended[k]) for k in RECOMMENDABLE if k in (recommended or {})}
    if not wanted:
        defaults = {k: P.SPECS[k].default for k in RECOMMENDABLE}
        if applied is not None and applied != defaults:  # back to the defaults (the Balanced preset), still the app's
            for k, v in defaults.items():
                put(f"{prefix}_{k}", v)
            st.session_state[f"{prefix}_preset"] = "Balanced"
            redraw(f"{prefix}_preset")
            st.session_state[marker] = defaults
        return False
    target = {k: wanted.get(k, P.SPECS[k].default) for k in RECOMMENDABLE}
    if current != target:
        for k, v in target.items():
            put(f"{prefix}_{k}", v)
        # a preset with exactly these values is lit (the bundled model's are Precise's), else none
        matching = [p.name for p in P.PRESETS.values() if (p.temperature, p.top_p) == (target["temperature"], target["top_p"])]
        st.session_state[f"{prefix}_preset"] = matching[0] if matching else None
        redraw(f"{prefix}_preset")
    st.session_state[marker] = target
    return True


def param_panel(
    prefix: str,
    *,
    context_window: int | None,
    rules: capabilities.Accepts | None = None,
    model: str = "",
    recommended: Mapping[str, Any] | None = None,
    recommended_source: str = "",
) -> tuple[GenerationParams | None, list[str]]:
    """Presets and the basic parameters in sight; the rest under Advanced. Returns (params, problems).

    With ``rules`` (what the chosen model takes) the panel follows the model: a parameter it refuses
    or ignores is disabled with the reason, and a reasoning model gets a Reasoning effort control. With
    ``recommended`` (the model's own settings) those are used until the person changes them, and said."""
    spec = P.SPECS
    rules = rules or capabilities.Accepts()
    in_use = follow_recommendation(prefix, recommended)
    state(f"{prefix}_preset", "Balanced")
    chosen = P.PRESETS.get(st.session_state[f"{prefix}_preset"] or "")
    values = (st.session_state.get(f"{prefix}_temperature"), st.session_state.get(f"{prefix}_top_p"))
    if chosen is not None and values != (None, None) and values != (chosen.temperature, chosen.top_p):
        st.session_state[f"{prefix}_preset"] = None  # a value was changed by hand: no preset is in force any more
        redraw(f"{prefix}_preset")
    seed_widget(f"{prefix}_preset", st.session_state[f"{prefix}_preset"])
    st.segmented_control(
        "Preset",
        options=list(P.PRESETS),
        key=widget_key(f"{prefix}_preset"),
        on_change=_apply_preset,
        args=(prefix,),
        help=" \u00b7 ".join(f"{p.name}: {p.description}" for p in P.PRESETS.values()),
    )
    limit = context_window or 131072
    for key in (f"{prefix}_max_new_tokens", widget_key(f"{prefix}_max_new_tokens")):  # a model with a smaller window was picked
        if isinstance(st.session_state.get(key), int) and st.session_state[key] > limit:
            st.session_state[key] = limit

    def field(
        widget: Callable[..., T], name: str, *, default: Any = None, label: str | None = None, high: float | None = None, **kwargs: Any
    ) -> T:
        """One parameter widget: its label, help, default and range come from the parameter's row in
        ``P.SPECS``; one the model refuses or ignores is shown disabled, with the reason. A value from outside
        the widget (a reopened run, an edited file) that is outside the range is refused and said, and the
        default stands in."""
        row = spec[name]
        default = row.default if default is None else default
        why = capabilities.why_not(name, rules, model or "This model")
        if why:
            kwargs |= {"disabled": True, "help": why}
        if row.low is not None:
            top = row.high if high is None else high
            kwargs |= {"min_value": type(default)(row.widget_low), "max_value": type(default)(top), "step": type(default)(row.step)}
            keys = (f"{prefix}_{name}", widget_key(f"{prefix}_{name}"))
            bad = [k for k in keys if st.session_state.get(k) is not None and row.problem(st.session_state[k], high=top)]
            if bad:
                st.warning(
                    f"{row.label} was {st.session_state[bad[0]]!r}, which is not {row.range_words(top)}; it was not used, "
                    f"and the default ({default}) is in its place."
                )
                for key in bad:
                    st.session_state[key] = default
        kwargs.setdefault("help", row.help)
        return bound(widget, label or row.label, f"{prefix}_{name}", default, **kwargs)

    said = [f"{spec[k].label.lower()} {recommended[k]:g}" for k in RECOMMENDABLE if k in (recommended or {})]
    if said:
        source = f" ({recommended_source})" if recommended_source else ""
        st.caption(
            f"Recommended for {model or 'this model'}: {', '.join(said)}{source}"
            + (" \u2014 in use until you change them." if in_use else ".")
        )
    temperature = field(st.slider, "temperature")
    why_temperature = capabilities.why_not("temperature", rules, model or "This model")
    if why_temperature:
        st.caption(why_temperature)
    effort = None
    if rules.efforts:
        choice = bound(
            st.selectbox,
            spec["reasoning_effort"].label,
            f"{prefix}_reasoning_effort",
            "model's default",
            options=["model's default", *rules.efforts],
            help=spec["reasoning_effort"].help,
        )
        effort = None if choice == "model's default" else choice
    max_new = field(
        st.number_input,
        "max_new_tokens",
        default=min(spec["max_new_tokens"].default, limit),
        label=spec["max_new_tokens"].label + " (tokens)",
        high=limit,
    )
    with st.expander("Advanced"):
        top_p = field(st.slider, "top_p")
        use_top_k = bound(st.checkbox, "Limit to top-k words", f"{prefix}_use_top_k", False, help=spec["top_k"].help)
        top_k = field(st.number_input, "top_k", disabled=not use_top_k)
        rep = field(st.slider, "repetition_penalty")
        do_sample = field(st.toggle, "do_sample")
        seed_text = field(st.text_input, "seed", default="", placeholder="empty = random")
        stop_text = field(st.text_area, "stop", default="", height=80, placeholder="one per line")
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
