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
        (GenerationParams(top_k=0), "Top-k must be a whole number of at least 1."),
        (GenerationParams(top_k=2.5), "Top-k must be a whole number of at least 1."),
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
