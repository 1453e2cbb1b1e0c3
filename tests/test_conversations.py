"""Conversations, not one-shots: the Playground's messages as a tree — edit, regenerate and delete keep
every path as a branch, the "← 2 / 3 →" switch picks the one shown, History keeps the whole tree and
reopens on the branch last shown, the code snippet follows the branch shown."""

from __future__ import annotations

import json

from adapters.simulator import Scenario
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


# ---- the council: follow-up questions ------------------------------------------------------------------


async def test_a_follow_up_continues_the_council_each_member_seeing_its_own_answer_and_the_final(monkeypatch):
    from council.runs import deliberation, exports, routing
    from council.runs.council_estimate import Budget
    from council.runs.providers import Connection
    from council.runs.records import Transcript

    sent: list = []
    targets = deliberation._targets

    def spy(job, ctx):
        sent.append((job.label, job.messages))
        return targets(job, ctx)

    monkeypatch.setattr(deliberation, "_targets", spy)
    conn = Connection(tokens={}, base_urls={}, visitor_is_local=True, simulator=Scenario("ok", tokens_per_s=2000.0))
    members = routing.offline_members(3, routing.SIMULATOR, routing.SIMULATOR_MODEL)
    chair = routing.offline_chair(routing.SIMULATOR, routing.SIMULATOR_MODEL)
    first = await deliberation.deliberate(
        "Explain tides.", "general", "balanced", members, chair, deliberation.Context(conn), budget=Budget()
    )
    sent.clear()
    second = await deliberation.deliberate(
        "Now in one sentence.", "general", "balanced", members, chair, deliberation.Context(conn), budget=Budget(), earlier=first.rounds
    )
    a_asked = next(m for label, m in sent if label == "A")  # stage 1 comes first (the reviews reuse the labels)
    said = [(m.role, m.content) for m in a_asked if m.role != "system"]
    assert said[0] == ("user", "Explain tides.") and said[1] == ("assistant", first.seat("A").answer.text)  # its own answer
    assert said[2][0] == "user" and first.final.answer.text[:40] in said[2][1] and said[2][1].endswith("Now in one sentence.")
    reviews = [m for label, m in sent[3:] if label != deliberation.CHAIR]
    assert reviews and all("Explain tides." in m[-1].content for m in reviews)  # reviewers see what it follows
    # the transcript: rounds, the latest at the top level, requests and cost as totals, schema 1
    data = second.to_dict()
    assert data["schema_version"] == 1 and data["question"] == "Now in one sentence." and len(data["rounds"]) == 2
    assert [r["question"] for r in data["rounds"]] == ["Explain tides.", "Now in one sentence."]
    assert first.requests == 3 + 2 * 3 + first.final.tries  # answers, reviews in both orders, the chairman
    assert data["requests"] == first.requests + second.requests and data["rounds"][0]["requests"] == first.requests
    assert {"question", "stage1", "stage2", "aggregate", "consensus", "final"} <= set(data["rounds"][0])
    assert "rounds" not in first.to_dict()  # one question: the transcript as before
    again = Transcript.from_dict(json.loads(exports.transcript_json(second)))
    assert again.to_dict() == data and len(again.earlier) == 1 and again.earlier[0].final.answer.text == first.final.answer.text
    markdown = exports.transcript_markdown(second)
    assert "# Follow-up question 2" in markdown and f"Requests sent over 2 questions: {data['requests']}" in markdown


def test_the_council_page_asks_a_follow_up_and_history_keeps_both_rounds():
    from tests.helpers import simulated_council

    at = simulated_council("Explain tides.")
    at.text_area(key="w_council_follow").input("Now in one sentence.").run()
    at.button(key="btn_council_follow").click().run()
    assert not at.exception, at.exception
    t = at.session_state["council_transcript"]
    assert [r.question for r in t.rounds] == ["Explain tides.", "Now in one sentence."] and t.final.ok
    text = shown_text(at)
    assert "Question 1: Explain tides." in [e.label for e in at.expander] and "Question 2: Now in one sentence." in text
    assert f"Requests sent over 2 questions: {t.total_requests}" in text
    run = saved.recent()[0]
    assert run.kind == "council" and len(run.payload["rounds"]) == 2 and run.payload["question"] == "Now in one sentence."


def test_ask_the_council_about_a_playground_answer():
    at = _simulated()
    send(at, "Name a colour.")
    answer = at.session_state["pg_tree"].path()[1]
    at.button(key=f"btn_pg_council_{answer.id}").click().run()
    assert not at.exception, at.exception
    question = at.session_state["council_question"]
    assert question.startswith("About this answer from sim-echo:") and answer.turn.content in question
    assert at.text_area(key="w_council_question").value == question  # the Council page is open, the answer in its box


# ---- Compare: follow-ups ---------------------------------------------------------------------------------


def test_a_compare_follow_up_sends_each_slot_its_own_conversation(monkeypatch, fake_openai, fake_groq):
    from council.runs import exports
    from council.runs.records import Comparison
    from tests.helpers import open_compare

    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("GROQ_BASE_URL", fake_groq.url + "/openai/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-FollowUpCanary0123456789abcdef")
    monkeypatch.setenv("GROQ_API_KEY", "gsk_FollowUpCanary0123456789abcdef")
    at = open_compare([("openai", "gpt-4o-mini"), ("groq", "openai/gpt-oss-20b")])
    at.text_area(key="w_cmp_prompt").input("Name a colour.").run()
    at.button(key="btn_cmp_run").click().run()
    first = at.session_state["cmp_result"]
    answers = {s.provider: s.answer.text for s in first.slots}
    assert all(answers.values())
    at.text_area(key="w_cmp_follow").input("Now a shorter one.").run()
    at.button(key="btn_cmp_follow").click().run()
    assert not at.exception, at.exception
    for fake, provider in ((fake_openai, "openai"), (fake_groq, "groq")):
        sent = fake.requests_to("chat")[-1].body["messages"]
        said = [(m["role"], m["content"]) for m in sent if m["role"] != "system"]
        assert said == [("user", "Name a colour."), ("assistant", answers[provider]), ("user", "Now a shorter one.")]  # its own, only
    rec = at.session_state["cmp_result"]
    assert [t.prompt for t in rec.turns] == ["Name a colour.", "Now a shorter one."]
    data = rec.to_dict()
    assert data["prompt"] == "Now a shorter one." and len(data["turns"]) == 2  # History's record: every prompt
    assert Comparison.from_dict(data).to_dict() == data
    rows = list(__import__("csv").DictReader(__import__("io").StringIO(exports.comparison_csv(data))))
    assert [r["turn"] for r in rows] == ["1", "1", "2", "2"] and rows[2]["prompt"] == "Now a shorter one."
    assert "## Prompt 2" in exports.comparison_markdown(rec)
    assert (
        "Prompt 1: Name a colour." in [e.label for e in at.expander] and saved.recent()[0].payload["turns"][0]["prompt"] == "Name a colour."
    )
    # a slot added between prompts starts where it joined, and says so
    at.number_input(key="w_cmp_count").set_value(3).run()
    at.selectbox(key="w_cmp2_provider").set_value("simulator").run()
    at.text_area(key="w_cmp_follow").input("And a third?").run()
    at.button(key="btn_cmp_follow").click().run()
    assert not at.exception, at.exception
    rec = at.session_state["cmp_result"]
    assert len(rec.turns) == 3 and "Added at prompt 3" in shown_text(at)
    assert "You asked: \u201cAnd a third?\u201d" in rec.slots[2].answer.text


def test_blind_mode_shuffles_and_asks_for_a_vote_on_every_prompt(monkeypatch):
    from tests.helpers import open_compare

    at = open_compare([("simulator", "sim-echo"), ("simulator", "sim-echo-2")])
    at.toggle(key="w_cmp_blind").set_value(True).run()
    at.text_area(key="w_cmp_prompt").input("First?").run()
    at.button(key="btn_cmp_run").click().run()
    at.button(key="btn_cmp_vote_a").click().run()
    first_vote = at.session_state["cmp_result"].vote
    assert first_vote is not None
    at.text_area(key="w_cmp_follow").input("Second?").run()
    at.button(key="btn_cmp_follow").click().run()
    assert not at.exception, at.exception
    rec = at.session_state["cmp_result"]
    assert rec.blind and rec.vote is None and rec.earlier[0].vote == first_vote  # the vote belongs to its prompt
    assert "Model hidden until you vote" in shown_text(at)
    at.button(key="btn_cmp_vote_b").click().run()
    from council import library

    assert len(library.all_votes()) == 2  # the leaderboard counts each prompt's vote


# ---- six columns at a glance -------------------------------------------------------------------------


def _glance_comparison():
    from council.runs.records import Comparison, SlotRecord
    from council.runs.turns import TurnMetrics

    def slot(n, text, ttft, latency, tokens, cost, error=None):
        metrics = TurnMetrics(latency_s=latency, ttft_s=ttft, prompt_tokens=10, completion_tokens=tokens)
        return SlotRecord(
            n, "openai", f"model-{n}", "chat", {}, Answer("openai", f"model-{n}", text=text, metrics=metrics, cost_usd=cost, error=error)
        )

    return Comparison(
        "Q",
        "",
        [
            slot(1, " ".join(["word"] * 10), 0.5, 2.5, 61, 0.002),  # 30 tokens/s
            slot(2, " ".join(["word"] * 25), 0.3, 3.3, 151, 0.001),  # 50 tokens/s
            slot(3, "", 0.1, 0.2, 1, 0.0, error={"kind": "server", "message": "boom"}),  # failed: never best
        ],
        order=[0, 1, 2],
    )


def test_the_summary_row_marks_the_best_of_each_measure_against_hand_computed_values():
    from council.runs import glance

    rows = {r["label"]: r for r in glance.compare_rows(_glance_comparison())}
    assert rows["1"]["best"] == ["fastest total", "shortest"]
    assert rows["2"]["best"] == ["fastest first token", "cheapest", "longest", "most tokens/s"]
    assert rows["3"]["best"] == [] and rows["3"]["latency_s"] is None
    assert (rows["1"]["tokens_per_s"], rows["2"]["tokens_per_s"], rows["1"]["words"], rows["2"]["words"]) == (30.0, 50.0, 10, 25)


def test_the_diff_of_two_known_answers():
    from council.runs import diff

    pieces = diff.word_diff("The sky is blue today.", "The sky was blue yesterday.")
    assert [(p.op, p.text) for p in pieces] == [
        ("same", "The sky "),
        ("removed", "is"),
        ("added", "was"),
        ("same", " blue "),
        ("removed", "today."),
        ("added", "yesterday."),
    ]
    assert (
        diff.diff_markdown("The sky is blue today.", "The sky was blue yesterday.")
        == "The sky ~~is~~ **was** blue ~~today.~~ **yesterday.**"
    )
    assert diff.similarity("The sky is blue today.", "The sky was blue yesterday.") == 0.6
    shown = diff.diff_markdown("a <script>x</script>", "b <script>y</script>")
    assert "\\<script>" in shown and "<script>" not in shown.replace("\\<", "")  # the model's text stays text (escaped)


def test_compare_shows_the_glance_row_the_differences_and_keeps_a_note(monkeypatch):
    from council.runs import exports
    from tests.helpers import open_compare

    at = open_compare([("simulator", "sim-echo"), ("simulator", "sim-other")])
    at.text_area(key="w_cmp_prompt").input("Name a colour.").run()
    at.button(key="btn_cmp_run").click().run()
    glance = next(d.value for d in at.dataframe if "Best at" in d.value.columns)
    assert list(glance["Answer"]) == ["1", "2"] and {"First token", "Total", "Tokens/s", "Words", "Cost (est.)"} <= set(glance.columns)
    assert "Struck through" in shown_text(at)  # the differences, for the two answers
    at.text_input(key="cmp_note_0_1").input("Too long.").run()
    rec = at.session_state["cmp_result"]
    assert rec.slots[0].note == "Too long." and saved.recent()[0].payload["slots"][0]["note"] == "Too long."
    assert "Your note: Too long." in exports.comparison_markdown(rec)


def test_a_compare_link_carries_every_prompt_and_offers_the_next_in_turn():
    from adapters import GenerationParams
    from council.runs import compare
    from council.runs.compare import SlotSpec

    slots = [SlotSpec("simulator", "sim-echo", "chat", GenerationParams()), SlotSpec("simulator", "sim-two", "chat", GenerationParams())]
    at = start()
    at.switch_page("pages/compare.py")
    at.query_params[compare.SHARE_PARAM] = compare.share_value("First?", "", slots, follow_ups=["Second?"])
    at.run()
    assert "It had 1 follow-up prompt(s)" in shown_text(at)
    at.button(key="btn_cmp_run").click().run()
    assert at.text_area(key="w_cmp_follow").value == "Second?"  # the next prompt, offered in turn
    at.button(key="btn_cmp_follow").click().run()
    assert not at.exception, at.exception
    rec = at.session_state["cmp_result"]
    assert [t.prompt for t in rec.turns] == ["First?", "Second?"] and not at.session_state["cmp_follow_queue"]
    shared = compare.read_share(at.session_state["cmp_shared"])  # this comparison's own link: every prompt
    assert (shared.prompt, shared.follow_ups) == ("First?", ("Second?",))


def test_a_follow_up_too_long_for_one_slots_window_says_which_and_by_how_much_and_the_others_answer(monkeypatch, hf_env):
    from tests.helpers import open_compare

    monkeypatch.setenv("HUGGINGFACE_TOKEN", "hf_FollowUpWindow0123456789abcd")
    at = open_compare([("huggingface", "mistralai/Mistral-7B-Instruct-v0.2"), ("huggingface", "openai/gpt-oss-120b")])  # 32,768 / 131,072
    long = "word " * 15_000  # about 18,750 tokens (est.): once fits both, twice does not fit the first
    at.text_area(key="w_cmp_prompt").input(long).run()
    at.button(key="btn_cmp_run").click().run()
    assert all(s.answer.error is None for s in at.session_state["cmp_result"].slots)
    at.text_area(key="w_cmp_follow").input(long).run()
    at.button(key="btn_cmp_follow").click().run()
    assert not at.exception, at.exception
    small, large = at.session_state["cmp_result"].slots
    said = small.answer.error["message"]
    assert small.answer.error["kind"] == "context" and "32,768 tokens" in said and "tokens over" in said and "Nothing was sent" in said
    assert large.answer.error is None and large.answer.text  # the other slot answered
    asked = [r.body["model"] for r in hf_env.requests_to("chat")]
    assert asked.count("mistralai/Mistral-7B-Instruct-v0.2") == 1 and asked.count("openai/gpt-oss-120b") == 2
