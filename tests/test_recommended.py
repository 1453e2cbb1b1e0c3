"""A model may bring its own recommended settings (a registry row's): the bundled model's card recommends
temperature 0.2 and top-p 0.9, and it answers plain questions better with a one-line system prompt. They
are used — and said — until the person changes them, and they follow the model while untouched."""

from __future__ import annotations

from tests.helpers import shown_text, start

BUNDLED = "SmolLM2-135M-Instruct"


def values(at) -> tuple[float, float]:
    return at.slider(key="w_pg_temperature").value, at.slider(key="w_pg_top_p").value


def test_a_newcomer_gets_the_bundled_models_recommended_settings():
    at = start()
    assert at.selectbox(key="w_pg_model").value == BUNDLED
    assert values(at) == (0.2, 0.9) and at.segmented_control(key="w_pg_preset").value == "Precise"  # the same values
    assert at.text_area(key="w_pg_system").value == "Answer directly and briefly."
    text = shown_text(at)
    assert f"Recommended for {BUNDLED}: temperature 0.2, top-p 0.9 (its model card" in text
    assert "in use until you change them" in text and f"Recommended for {BUNDLED}: it answers better with it" in text


def test_untouched_recommendations_follow_the_model_and_the_persons_own_values_stay():
    at = start()
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    assert values(at) == (0.7, 0.95) and at.text_area(key="w_pg_system").value == ""  # the defaults again
    assert at.segmented_control(key="w_pg_preset").value == "Balanced"
    at.selectbox(key="w_pg_provider").set_value("local").run()
    assert values(at) == (0.2, 0.9)
    at.slider(key="w_pg_temperature").set_value(0.5).run()  # the person's own value
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    at.selectbox(key="w_pg_provider").set_value("local").run()
    assert at.slider(key="w_pg_temperature").value == 0.5
    text = shown_text(at)
    assert f"Recommended for {BUNDLED}: temperature 0.2, top-p 0.9" in text and "in use until you change them" not in text


def test_a_system_prompt_the_person_cleared_stays_cleared():
    at = start()
    at.text_area(key="w_pg_system").input("").run()
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    at.selectbox(key="w_pg_provider").set_value("local").run()
    assert at.text_area(key="w_pg_system").value == ""
