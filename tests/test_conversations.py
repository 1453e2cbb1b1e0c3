"""Conversations, not one-shots: the Playground's messages as a tree — edit, regenerate and delete keep
every path as a branch, the "← 2 / 3 →" switch picks the one shown, History keeps the whole tree and
reopens on the branch last shown, the code snippet follows the branch shown."""

from __future__ import annotations

from council.runs.conversation import ROOT, Conversation
from council.runs.records import Answer, ChatTurn
from council.runs.turns import Turn, build_messages
from council.storage import history as saved
from tests.helpers import send, shown_text, start


def _user(text: str) -> ChatTurn:
    return ChatTurn("user", text)


def _answer(text: str) -> ChatTurn:
    return ChatTurn("assistant", text, Answer("simulator", "sim-echo", text=text))


# ---- the tree ------------------------------------------------------------------------------------------


def test_edit_and_regenerate_keep_every_path_and_the_switch_follows_the_branch_shown():
    tree = Conversation()
    q = tree.add(ROOT, _user("Name a colour."))
    a1 = tree.add(q, _answer("Red."))
    follow = tree.add(a1, _user("Another?"))
    tree.add(follow, _answer("Blue."))
    a2 = tree.add(q, _answer("Green."))  # regenerated: a sibling of the first answer, shown
    assert [t.content for t in tree.turns()] == ["Name a colour.", "Green."] and tree.branch(a2) == (2, 2)
    tree.switch(a2, -1)  # back to the first answer: its own follow-up comes with it
    assert [t.content for t in tree.turns()] == ["Name a colour.", "Red.", "Another?", "Blue."]
    edited = tree.edit(q, "Name a fruit.")  # a new first message beside the old one, nothing below it yet
    assert tree.branch(edited) == (2, 2) and [t.content for t in tree.turns()] == ["Name a fruit."]
    tree.switch(edited, -1)
    assert [t.content for t in tree.turns()] == ["Name a colour.", "Red.", "Another?", "Blue."]  # the fork remembers its pick
    assert [t.content for t in tree.before(follow)] == ["Name a colour.", "Red."]
    # saved and read back: every branch, the same one shown
    again = Conversation.from_dict(tree.to_dict())
    assert len(again) == len(tree) == 6 and again.turns() == tree.turns() and again.chosen == tree.chosen


def test_delete_takes_what_followed_and_shows_a_neighbouring_branch():
    tree = Conversation()
    q = tree.add(ROOT, _user("Q"))
    a1 = tree.add(q, _answer("one"))
    tree.add(a1, _user("more"))
    two = tree.add(q, _answer("two"))
    tree.switch(two, -1)  # show "one" and its follow-up
    tree.delete(a1)
    assert [t.content for t in tree.turns()] == ["Q", "two"] and len(tree) == 2  # "more" went with it
    tree.delete(q)
    assert tree.turns() == [] and len(tree) == 0 and tree.last() == ROOT


def test_a_saved_tree_with_a_missing_parent_drops_that_branch_and_a_big_tree_keeps_working():
    data = {"nodes": [{"id": 0, "parent": -1, "role": "user", "content": "Q"}, {"id": 5, "parent": 4, "role": "assistant", "content": "x"}]}
    assert [t.content for t in Conversation.from_dict(data).turns()] == ["Q"]
    tree = Conversation()
    parent = ROOT
    for i in range(120):  # 240 messages on one path, with a regenerated answer at every step
        q = tree.add(parent, _user(f"Q{i}"))
        tree.add(q, _answer(f"first {i}"))
        parent = tree.add(q, _answer(f"second {i}"))
    assert len(tree) == 360 and len(tree.turns()) == 240 and Conversation.from_dict(tree.to_dict()).turns() == tree.turns()


def test_a_failed_exchange_is_left_out_so_its_words_and_files_go_once():
    from council.runs import attachments
    from tests.test_attachments import photo

    image = attachments.prepare(photo(64, 64), "p.jpg")
    failed = ChatTurn("assistant", "", Answer("openai", "gpt-4o-mini", error={"kind": "server", "message": "boom"}))
    history = [Turn("user", "Hi"), Turn("assistant", "Hello!"), Turn("user", "What is this?", (image,)), Turn(failed.role, failed.content)]
    messages = build_messages("", history, "What is this?", (image,))
    assert [(m.role, m.content) for m in messages] == [("user", "Hi"), ("assistant", "Hello!"), ("user", "What is this?")]
    assert sum(len(m.attachments) for m in messages) == 1


# ---- the Playground ------------------------------------------------------------------------------------


def _simulated():
    at = start()
    at.selectbox(key="w_pg_provider").set_value("simulator").run()
    return at


def _shown(at) -> list[str]:
    return [t.content for t in at.session_state["pg_history"]]


def test_the_playground_edits_regenerates_branches_and_reopens_on_the_branch_shown():
    at = _simulated()
    send(at, "Name a colour.")
    tree = at.session_state["pg_tree"]
    (question,) = tree.children(ROOT)
    (first,) = tree.children(question)
    at.button(key=f"btn_pg_again_{first}").click().run()  # Regenerate
    assert not at.exception, at.exception
    tree = at.session_state["pg_tree"]
    second = tree.children(question)[-1]
    assert tree.children(question) == [first, second] and "2 / 2" in shown_text(at)
    at.button(key=f"btn_pg_prev_{second}").click().run()  # ← back to the first answer
    assert at.session_state["pg_tree"].chosen[question] == first and "1 / 2" in shown_text(at)
    # edit the question: refused when empty, a new branch when not
    at.button(key=f"btn_pg_edit_{question}").click().run()
    at.text_area(key="pg_edit_box").input("   ").run()
    at.button(key="btn_pg_edit_save").click().run()
    assert "An empty message cannot be sent" in shown_text(at) and len(at.session_state["pg_tree"]) == 3
    at.text_area(key="pg_edit_box").input("Name a fruit.").run()
    at.button(key="btn_pg_edit_save").click().run()
    assert not at.exception, at.exception
    tree = at.session_state["pg_tree"]
    assert len(tree) == 5 and _shown(at)[0] == "Name a fruit." and "\u201cName a fruit.\u201d" in _shown(at)[1]
    assert "pg_editing" not in at.session_state
    # History has every branch, and the branch shown
    run = saved.recent()[0]
    assert [t["content"] for t in run.payload["turns"]] == _shown(at) and len(run.payload["tree"]["nodes"]) == 5
    edited = tree.children(ROOT)[-1]
    at.button(key=f"btn_pg_prev_{edited}").click().run()  # back to the first wording: saved as the branch last shown
    assert _shown(at)[0] == "Name a colour." and saved.recent()[0].payload["turns"][0]["content"] == "Name a colour."
    fresh = start()
    fresh.switch_page("pages/history.py").run()
    fresh.button(key=f"btn_history_open_{run.id}").click().run()
    fresh.switch_page("pages/playground.py").run()
    assert not fresh.exception, fresh.exception
    assert len(fresh.session_state["pg_tree"]) == 5 and _shown(fresh) == _shown(at)
    # a follow-up continues the branch shown; Delete takes an answer and what followed it
    send(fresh, "And another?")
    assert _shown(fresh)[:2] == _shown(at) and _shown(fresh)[2] == "And another?"
    tree = fresh.session_state["pg_tree"]
    shown_answer = tree.path()[1].id
    fresh.button(key=f"btn_pg_delete_{shown_answer}").click().run()
    assert len(fresh.session_state["pg_tree"]) == 4 and _shown(fresh)[0] == "Name a colour." and len(_shown(fresh)) == 2


def test_the_code_snippet_follows_the_branch_shown():
    at = _simulated()
    send(at, "First wording")
    tree = at.session_state["pg_tree"]
    (question,) = tree.children(ROOT)
    at.button(key=f"btn_pg_edit_{question}").click().run()
    at.text_area(key="pg_edit_box").input("Second wording").run()
    at.button(key="btn_pg_edit_save").click().run()
    code = "\n".join(c.value for c in at.code)
    assert "Second wording" in code and "First wording" not in code
    edited = at.session_state["pg_tree"].children(ROOT)[-1]
    at.button(key=f"btn_pg_prev_{edited}").click().run()
    code = "\n".join(c.value for c in at.code)
    assert "First wording" in code and "Second wording" not in code
