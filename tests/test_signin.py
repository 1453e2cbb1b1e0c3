"""Who must sign in, and the passcode's rules: compared in constant time, wrong tries answered late,
a client that keeps guessing locked out for longer and longer; ids are stable and never a token."""

from __future__ import annotations

import pytest

from council import access


@pytest.mark.parametrize(
    ("env", "local", "oidc", "must"),
    [
        ({}, False, False, False),  # nothing shared: a remote visitor uses their own tokens, no sign-in
        ({"COUNCIL_SHARED_KEYS": "1"}, False, False, False),  # shared, but no way to sign in: the keys stay off instead
        ({"COUNCIL_SHARED_KEYS": "1", "COUNCIL_PASSCODE": "p"}, False, False, True),
        ({"COUNCIL_SHARED_KEYS": "1"}, False, True, True),
        ({"COUNCIL_SHARED_KEYS": "1", "COUNCIL_PASSCODE": "p"}, True, False, False),  # the host at the server
        ({"COUNCIL_REQUIRE_SIGNIN": "1"}, True, False, True),  # behind a proxy every visitor looks local
    ],
)
def test_who_must_sign_in(monkeypatch, env, local, oidc, must):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert access.must_sign_in(visitor_is_local=local, oidc_configured=oidc) is must


def test_shared_keys_without_sign_in_say_how_to_turn_them_on(monkeypatch):
    monkeypatch.setenv("COUNCIL_SHARED_KEYS", "1")
    note = access.shared_keys_note(visitor_is_local=False, signed_in=False, oidc_configured=False)
    assert "stay off" in note and "COUNCIL_PASSCODE" in note and "[auth] in .streamlit/secrets.toml" in note
    assert access.shared_keys_note(visitor_is_local=True, signed_in=False, oidc_configured=False) is None
    assert access.shared_keys_note(visitor_is_local=False, signed_in=True, oidc_configured=False) is None


def test_the_passcode_gate(monkeypatch):
    monkeypatch.setenv("COUNCIL_PASSCODE", "team-passcode-2026")
    slept: list[float] = []
    now = [1000.0]
    gate = access.PasscodeGate(sleep=slept.append, clock=lambda: now[0])
    assert gate.check("team-passcode-2026", "10.0.0.7") and slept == []  # the right one: at once
    assert not gate.check("wrong", "10.0.0.7") and slept == [access.WRONG_TRY_DELAY_S]  # a wrong one: answered late
    for _ in range(access.LOCKOUT_AFTER - 1):
        now[0] += 2
        gate.check("wrong", "10.0.0.7")
    assert gate.wait_s("10.0.0.7") > access.LOCKOUT_S  # five wrong tries: this client waits
    assert not gate.check("team-passcode-2026", "10.0.0.7")  # even the right passcode, until the wait is over
    assert gate.check("team-passcode-2026", "10.0.0.8")  # another client is not locked out
    now[0] += access.LOCKOUT_S + 5
    assert gate.check("team-passcode-2026", "10.0.0.7") and gate.wait_s("10.0.0.7") == 0


def test_no_passcode_set_lets_nobody_in():
    assert not access.PasscodeGate(sleep=lambda s: None).check("", "x")


def test_compared_in_constant_time():
    import inspect

    assert "hmac.compare_digest" in inspect.getsource(access.PasscodeGate.check)


def test_person_ids_are_stable_and_admins_are_named(monkeypatch):
    ada = access.person_from_oidc({"sub": "1049", "email": "ada@example.com", "name": "Ada Lovelace"})
    assert (ada.id, ada.label, ada.method) == ("oidc:1049", "Ada Lovelace", "oidc")
    bo = access.person_from_name("  Bo   Diddley ")
    assert (bo.id, bo.label) == ("name:bo diddley", "Bo Diddley")
    assert access.is_admin(access.YOU, visitor_is_local=True) and not access.is_admin(access.YOU, visitor_is_local=False)
    assert not access.is_admin(ada, visitor_is_local=True)
    monkeypatch.setenv("COUNCIL_ADMINS", "ada lovelace, someone@else")
    assert access.is_admin(ada, visitor_is_local=False) and not access.is_admin(bo, visitor_is_local=False)
