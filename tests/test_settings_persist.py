"""Settings that survive a reload: every non-secret setting is saved as it changes (a readable TOML
file in the data folder, written whole then renamed) and comes back in a new browser session; a bad
entry is named and the rest still loads; Reset, Export and Import; never a token."""

from __future__ import annotations

import tomllib

from council.storage import preferences
from tests.helpers import PROVIDER_KEYS, settings_token, shown_text, start


def saved() -> dict:
    return tomllib.loads(preferences.path().read_text(encoding="utf-8"))


def test_settings_come_back_in_a_new_session():
    at = start()
    at.switch_page("pages/settings.py").run()
    at.number_input(key="w_retry_max_attempts").set_value(6).run()
    at.toggle(key="w_cache_enabled").set_value(False).run()
    at.number_input(key="w_read_timeout_s").set_value(300.0).run()
    document = saved()
    assert document["retry_max_attempts"] == 6 and document["cache_enabled"] is False and document["read_timeout_s"] == 300.0
    assert not list(preferences.path().parent.glob("*.tmp"))  # written whole, then renamed
    fresh = start()  # a reload: a new session
    assert fresh.session_state["retry_max_attempts"] == 6 and fresh.session_state["read_timeout_s"] == 300.0
    fresh.switch_page("pages/settings.py").run()
    assert fresh.number_input(key="w_retry_max_attempts").value == 6 and fresh.toggle(key="w_cache_enabled").value is False


def test_playground_parameters_and_blind_mode_come_back():
    at = start()
    at.slider(key="w_pg_temperature").set_value(1.25).run()
    at.switch_page("pages/compare.py").run()
    at.toggle(key="w_cmp_blind").set_value(True).run()
    fresh = start()
    assert fresh.slider(key="w_pg_temperature").value == 1.25
    fresh.switch_page("pages/compare.py").run()
    assert fresh.toggle(key="w_cmp_blind").value is True


def test_a_hand_edited_file_names_the_bad_entry_and_loads_the_rest():
    preferences.path().parent.mkdir(parents=True, exist_ok=True)
    preferences.path().write_text(
        'schema_version = 1\nretry_max_attempts = "many"\nread_timeout_s = 240.0\nfallback_order = ["groq", "nosuch"]\ncolour = "blue"\n',
        encoding="utf-8",
    )
    at = start()
    assert at.session_state["read_timeout_s"] == 240.0 and "retry_max_attempts" not in at.session_state
    at.switch_page("pages/settings.py").run()
    text = shown_text(at)
    assert "\u201cretry_max_attempts\u201d (attempts per request) is not a number; the default is used instead." in text
    assert "\u201cfallback_order\u201d (the fallback order) names providers the app does not know (nosuch)" in text
    assert "\u201ccolour\u201d is not a setting the app knows" in text
    preferences.path().write_text("this is [not toml", encoding="utf-8")
    assert preferences.load()[1][0].startswith("The settings file could not be read")


def test_reset_export_and_import():
    at = start()
    at.switch_page("pages/settings.py").run()
    at.number_input(key="w_retry_max_attempts").set_value(7).run()
    exported = preferences.dumps({k: at.session_state[k] for k in preferences.KEYS if k in at.session_state})
    assert "retry_max_attempts = 7" in exported and exported.startswith("# AI Council Playground settings")
    at.button(key="btn_settings_reset").click().run()
    assert at.number_input(key="w_retry_max_attempts").value == 4 and saved()["retry_max_attempts"] == 4  # the defaults, saved
    values, problems = preferences.parse(exported.replace("connect_timeout_s = 10.0", "connect_timeout_s = 9999.0"))
    assert values["retry_max_attempts"] == 7 and problems == [
        "\u201cconnect_timeout_s\u201d (the connect timeout) is outside 1\u2013120; the default is used instead."
    ]


def test_a_token_is_never_in_the_settings_file(monkeypatch, fake_openai):
    at = settings_token(start(), "openai", PROVIDER_KEYS["openai"])
    at.number_input(key="w_retry_max_attempts").set_value(5).run()
    text = preferences.path().read_text(encoding="utf-8")
    assert PROVIDER_KEYS["openai"] not in text and not [k for k in tomllib.loads(text) if "token" in k and k != "pg_max_new_tokens"]
    assert preferences.check({"base_urls": {"openai": f"https://x.example/{PROVIDER_KEYS['openai']}"}})[0] == {}


def test_a_read_only_data_folder_keeps_the_settings_for_the_session(monkeypatch):
    import pathlib

    def refuse(self, *args, **kwargs):
        raise PermissionError("read-only")

    at = start()
    at.switch_page("pages/settings.py").run()
    monkeypatch.setattr(pathlib.Path, "write_text", refuse)
    at.number_input(key="w_retry_max_attempts").set_value(3).run()
    assert not at.exception and at.session_state["retry_max_attempts"] == 3
    assert any("could not be saved for next time" in t.value for t in at.toast)
