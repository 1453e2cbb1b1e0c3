"""Share any run: a link to a Playground conversation or a council run — signed and expiring on a team
deployment (it names the stored run), carrying the run otherwise (size-checked) — never a token; a link
that was changed or is too old opens nothing and says why; opened by someone else, read-only, with
"Continue in my …"."""

from __future__ import annotations

import json
import time

import pytest

from council.runs import sharing
from council.storage import history
from tests.helpers import send, shown_text, sign_in, start

SECRET = "s3cret-for-links-0123456789"
TOKEN = "hf_ShareCanary0123456789abcdef"


# ---- the link itself -----------------------------------------------------------------------------------


def test_a_carried_link_holds_the_run_and_a_long_one_is_refused_in_words():
    record = {"turns": [{"role": "user", "content": "Hi"}], "model_id": "sim-echo"}
    opened = sharing.read(sharing.carried("playground", record))
    assert (opened.kind, opened.record, opened.run_id) == ("playground", record, None)
    huge = {"turns": [{"role": "user", "content": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(9000))}]}
    with pytest.raises(sharing.LinkError, match="too long to travel in a link"):
        sharing.carried("playground", huge)


def test_a_signed_link_opens_until_it_expires_and_not_once_changed():
    value = sharing.signed("council", 42, SECRET, days=30)
    assert sharing.read(value, SECRET).run_id == 42 and "42" in value
    kind, run, expires, signature = value.split(".")[1:]
    for changed in (
        f"s1.{kind}.43.{expires}.{signature}",  # another run
        f"s1.playground.{run}.{expires}.{signature}",  # another kind
        f"s1.{kind}.{run}.{int(expires) + 86400 * 365}.{signature}",  # a later expiry
    ):
        with pytest.raises(sharing.LinkError, match="changed after it was made"):
            sharing.read(changed, SECRET)
    with pytest.raises(sharing.LinkError, match="changed after it was made"):
        sharing.read(value, "another-servers-secret")
    old = sharing.signed("council", 42, SECRET, days=30, now=time.time() - 31 * 86400)
    with pytest.raises(sharing.LinkError, match=r"expired on \d{4}-\d\d-\d\d"):
        sharing.read(old, SECRET)
    for junk in ("", "hello", "r1.!!!", "s1.council.42", f"s1.{kind}.{run}.{expires}.\u00e9{signature[1:]}"):
        with pytest.raises(sharing.LinkError):
            sharing.read(junk, SECRET)


# ---- on the pages ---------------------------------------------------------------------------------------


def _simulated():
    at = start()
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    return at


def test_a_playground_conversation_is_shared_opened_read_only_and_continued(monkeypatch):
    monkeypatch.setenv("HUGGINGFACE_TOKEN", TOKEN)
    at = _simulated()
    send(at, "Name a colour.")
    at.button(key="btn_pg_share").click().run()
    made = at.session_state["pg_link"]
    assert made["value"].startswith("r1.") and "never holds a token" in made["said"] and TOKEN not in made["value"]
    assert f"?share={made['value']}" in "\n".join(c.value for c in at.code)
    # the conversation goes on: the old link is put away, and a new one carries what is on screen now
    send(at, "And another one?")
    assert not [c for c in at.code if "?share=" in c.value]
    at.button(key="btn_pg_share").click().run()
    now = sharing.read(at.session_state["pg_link"]["value"]).record
    assert "And another one?" in json.dumps(now) and "And another one?" not in json.dumps(sharing.read(made["value"]).record)
    visitor = start()
    visitor.query_params[sharing.PARAM] = made["value"]
    visitor.run()
    assert not visitor.exception, visitor.exception
    text = shown_text(visitor)
    assert "A shared conversation with sim-echo" in text and "Name a colour." in text and "read-only" in text
    assert not [b for b in visitor.button if b.key == "btn_pg_run"]  # read-only: nothing to send from here
    before = len(history.recent())
    visitor.button(key="btn_pg_continue_shared").click().run()
    assert not visitor.exception, visitor.exception
    assert visitor.session_state["pg_history"][0].content == "Name a colour."
    assert sharing.PARAM not in visitor.query_params and len(history.recent()) == before + 1  # now theirs, in their History


def test_a_council_run_is_shared_and_continued():
    from tests.helpers import simulated_council

    at = simulated_council("Explain tides.", members=2)
    at.button(key="btn_council_share").click().run()
    value = at.session_state["council_link"]["value"]
    visitor = start()
    visitor.switch_page("pages/council.py")
    visitor.query_params[sharing.PARAM] = value
    visitor.run()
    assert not visitor.exception, visitor.exception
    assert "A shared council run, read-only" in shown_text(visitor) and "Explain tides." in shown_text(visitor)
    visitor.button(key="btn_council_continue_shared").click().run()
    assert visitor.session_state["council_transcript"].question == "Explain tides."
    assert "Ask the council a follow-up" in shown_text(visitor)  # theirs now: a follow-up can be asked


def test_on_a_team_deployment_a_link_names_the_stored_run_signed_and_a_changed_one_opens_nothing(monkeypatch):
    import pages.widgets.session as widgets
    from council import library

    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    monkeypatch.setenv("COUNCIL_SECRET", SECRET)
    monkeypatch.setattr(widgets, "visitor_is_local", lambda: False)
    monkeypatch.setattr(library, "store_is_shared", lambda: True)
    ada = sign_in(start(), "Ada")
    ada.selectbox(key="w_pg_provider").set_value("simulator").run()
    send(ada, "Ada's shared question")
    ada.button(key="btn_pg_share").click().run()
    made = ada.session_state["pg_link"]
    run_id = ada.session_state["pg_run_id"]
    assert made["value"].startswith(f"s1.playground.{run_id}.") and "opens for people signed in to this deployment until" in made["said"]
    bo = sign_in(start(), "Bo")
    bo.query_params[sharing.PARAM] = made["value"]
    bo.run()
    assert not bo.exception, bo.exception
    assert "Ada's shared question" in shown_text(bo) and "A shared conversation" in shown_text(bo)
    other = history.save(
        "playground", "Ada's private one", {"turns": [{"role": "user", "content": "Ada's private one"}]}, person="name:ada"
    )
    cy = sign_in(start(), "Cy")
    cy.query_params[sharing.PARAM] = made["value"].replace(f".{run_id}.", f".{other}.")  # another run of hers, by changing the id
    cy.run()
    assert "changed after it was made" in shown_text(cy) and "Ada's private one" not in shown_text(cy)
