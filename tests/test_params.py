"""Parameter validation: every violation is a clear message and no request."""

from __future__ import annotations

import math

import pytest

from adapters import GenerationParams
from council.facts.params import PRESETS, SPECS, ParamError, apply_preset, parse_stop, validate_params


def test_defaults_and_good_values_pass():
    validate_params(GenerationParams())
    validate_params(
        GenerationParams(temperature=0, top_p=1, top_k=1, max_new_tokens=4096, seed=-3, stop=("a", "b", "c", "d")), context_window=4096
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (GenerationParams(temperature=2.5), "Temperature must be between 0 and 2."),
        (GenerationParams(temperature=-0.1), "Temperature must be between 0 and 2."),
        (GenerationParams(temperature=math.nan), "Temperature must be between 0 and 2."),
        (GenerationParams(top_p=0), "Top-p must be more than 0 and at most 1."),
        (GenerationParams(top_p=1.01), "Top-p must be more than 0 and at most 1."),
        (GenerationParams(top_k=0), "Top-k must be a whole number from 1 to 1,000."),
        (GenerationParams(top_k=2.5), "Top-k must be a whole number from 1 to 1,000."),
        (GenerationParams(max_new_tokens=0), "Max new tokens must be a whole number of at least 1."),
        (GenerationParams(seed=1.5), "Seed must be a whole number."),
        (GenerationParams(seed=True), "Seed must be a whole number."),
        (GenerationParams(stop=("a", "b", "c", "d", "e")), "Use at most 4 stop strings."),
        (GenerationParams(stop=("",)), "Stop strings must not be empty."),
    ],
)
def test_each_violation_has_a_clear_message(params, message):
    with pytest.raises(ParamError) as info:
        validate_params(params)
    assert info.value.problems == [message]


def test_max_new_tokens_is_bounded_by_the_context_window():
    with pytest.raises(ParamError, match="at most 512"):
        validate_params(GenerationParams(max_new_tokens=513), context_window=512)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ParamError) as info:
        validate_params(GenerationParams(temperature=3, top_p=0))
    assert len(info.value.problems) == 2


def test_every_parameter_has_help_saying_what_higher_and_lower_do():
    for spec in SPECS.values():
        text = spec.help.lower()
        assert text.endswith(".") and text.count(".") >= 1
        assert ("higher" in text and "lower" in text) or spec.name in ("do_sample", "seed", "stop")


def test_presets_change_sampling():
    assert list(PRESETS) == ["Precise", "Balanced", "Creative"]
    p = apply_preset(GenerationParams(max_new_tokens=10), "Precise")
    assert p.temperature == 0.2 and p.max_new_tokens == 10


def test_parse_stop():
    assert parse_stop("###\n\n  \nEND") == ("###", "END")
    assert parse_stop("") is None


# ---- one table decides every range -------------------------------------------------------------------


def test_the_validator_the_panel_and_the_settings_file_read_one_table():
    """A repetition penalty of 5 used to pass the check (up to 10) and then be reset by the panel (0.5–2)."""
    from council import parameters
    from council.storage import preferences

    with pytest.raises(ParamError) as info:
        validate_params(GenerationParams(repetition_penalty=5.0))
    assert info.value.problems == ["Repetition penalty must be between 0.5 and 2 (1.0 means none)."]
    with pytest.raises(ParamError, match="from 1 to 1,000"):
        validate_params(GenerationParams(top_k=5000))
    good, notes = preferences.check({"pg_repetition_penalty": 5.0, "pg_top_k": 5000, "pg_temperature": 0.3})
    assert good == {"pg_temperature": 0.3}
    assert any("repetition penalty" in n and "between 0.5 and 2" in n for n in notes)
    assert any("top-k" in n and "a whole number from 1 to 1,000" in n for n in notes)
    for name in ("temperature", "top_p", "top_k", "repetition_penalty"):
        row = parameters.SPECS[name]
        assert row.problem(row.default) is None and row.problem(row.high) is None  # the default and the ends are allowed
        assert row.problem(row.high + row.step) and row.problem(row.low - row.step)  # just outside is refused


def test_a_shared_link_with_a_penalty_the_panel_cannot_show_opens_nothing():
    from council.runs import compare

    value = compare.share_value("Hi", "", [compare.SlotSpec("openai", "gpt-4o-mini", "chat", GenerationParams(repetition_penalty=5.0))] * 2)
    with pytest.raises(compare.ShareError, match=r"between 0\.5 and 2"):
        compare.read_share(value)


def test_the_simulators_numbers_have_one_range():
    from adapters.simulator import KNOBS
    from council.storage import preferences

    good, notes = preferences.check({"simulator": {"name": "slow", "tokens_per_s": 1000.0}})
    assert "tokens_per_s" not in good.get("simulator", {}) or not good  # Settings offers at most 500 tokens/s
    assert notes and "500" in notes[0]
    good, _ = preferences.check({"simulator": {"name": "slow", "loading_s": KNOBS["loading_s"].high}})
    assert good["simulator"]["loading_s"] == KNOBS["loading_s"].high
