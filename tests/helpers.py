"""What many tests share to drive the app through AppTest: start it, send a message, paste a token,
pick a model, read what a page shows, open Compare with slots and run it. (Tests import these from
here, never from another test module.)"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from pages.widgets import CUSTOM

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TOKEN = "hf_AppTestToken0123456789abcdef"


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception
    return at


def send(at: AppTest, text: str) -> None:
    at.text_area(key="w_pg_prompt").input(text)
    at.button(key="btn_pg_run").click().run()
    assert not at.exception, at.exception


def paste_token(at: AppTest, token: str) -> None:
    at.switch_page("pages/settings.py").run()
    at.text_input(key="w_token_huggingface").input(token).run()
    at.switch_page("pages/playground.py").run()
    assert not at.exception


def pick(at: AppTest, model_id: str, task: str | None = None) -> None:
    at.selectbox(key="w_pg_provider").set_value("huggingface").run()
    at.selectbox(key="w_pg_model").set_value(CUSTOM).run()
    at.text_input(key="w_pg_custom_model").input(model_id).run()
    if task:
        at.selectbox(key="w_pg_custom_task").set_value(task).run()


def history(at: AppTest) -> list[dict]:
    """The Playground's conversation as History keeps it (each turn's ``to_dict``)."""
    return [turn.to_dict() for turn in at.session_state["pg_history"]]


def shown_text(at: AppTest) -> str:
    parts = [
        e.value for e in (*at.title, *at.header, *at.subheader, *at.markdown, *at.error, *at.warning, *at.info, *at.caption, *at.success)
    ]
    parts += [e.value for e in at.get("text")]
    return "\n".join(str(p) for p in parts)


def sign_in(at: AppTest, name: str) -> AppTest:
    """Sign in as ``name`` with the passcode, as the passcode form does when it is right.

    (AppTest loses a form's submit on an app.py that draws before ``st.navigation``'s pages, beside a
    ``pages/`` folder; the real form is driven in a browser in tests/e2e/test_signin_browser.py.)"""
    from council import access

    at.session_state["person"] = access.person_from_name(name)
    return at.run()


def sidebar_chip(at: AppTest, label: str) -> str:
    """The chip a fresh page load shows for ``label`` with this session's state.

    (AppTest drops the sidebar after ``switch_page``; the browser test checks it there.)
    """
    fresh = AppTest.from_file(APP, default_timeout=90)
    for key in ("tokens", "verified", "base_urls", "person"):
        if key in at.session_state:
            fresh.session_state[key] = at.session_state[key]
    fresh.run()
    for m in fresh.markdown:
        if m.value.startswith(f"**{label}**"):
            return m.value.removeprefix(f"**{label}**").split("\n", 1)[0].strip()
    raise AssertionError(f"no chip for {label}")


# ---- keyed providers in Settings -------------------------------------------------------------

PROVIDER_KEYS = {
    "openai": "sk-appKey0123456789abcdefghijklmn",
    "groq": "gsk_appKey0123456789abcdefghijklmn",
    "gemini": "AIzaAppKey0123456789abcdefghijklmnopq",
}


def settings_token(at, provider: str, token: str):
    at.switch_page("pages/settings.py").run()
    at.text_input(key=f"w_token_{provider}").input(token).run()
    return at


# ---- Compare ---------------------------------------------------------------------------------


def open_compare(slots: list[tuple[str, str]], **state):
    """The Compare page with ``slots`` (provider, custom model id) picked as a user would."""
    at = start()
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page("pages/compare.py").run()
    assert not at.exception, at.exception
    at.number_input(key="w_cmp_count").set_value(len(slots)).run()
    for i, (provider, model) in enumerate(slots):
        at.selectbox(key=f"w_cmp{i}_provider").set_value(provider).run()
        at.selectbox(key=f"w_cmp{i}_model").set_value(CUSTOM).run()
        at.text_input(key=f"w_cmp{i}_custom_model").input(model).run()
    assert not at.exception, at.exception
    return at


def answers_text(at) -> str:
    """Everything the answer columns show (not the slot editors, where the user picked the models)."""
    parts = []
    for i in range(len(at.session_state["cmp_result"].slots)):
        block = at.get_by_key(f"cmp_answer_{i}")
        parts += [e.value for kind in (block.subheader, block.markdown, block.caption, block.info, block.error) for e in kind]
        parts += [e.label for e in block.expander]
    return "\n".join(str(p) for p in parts)


def run_compare(at, prompt: str = "Compare yourselves"):
    at.text_area(key="w_cmp_prompt").input(prompt).run()
    at.button(key="btn_cmp_run").click().run()
    assert not at.exception, at.exception
    return at.session_state["cmp_result"].to_dict()


def simulated_council(question: str, members: int = 3):
    """The Council page with ``members`` QA-simulator seats (and a simulator chairman), after ``question`` ran."""
    from council.runs import routing

    at = start()
    at.switch_page("pages/council.py").run()
    at.session_state["council_members"] = [m.key for m in routing.offline_members(members, routing.SIMULATOR, routing.SIMULATOR_MODEL)]
    at.session_state["council_chair"] = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL).key
    at.session_state["council_members_edited"] = True
    at.text_area(key="w_council_question").input(question).run()
    at.button(key="btn_council_run").click().run()
    assert not at.exception, at.exception
    return at
