"""The whole assistant as people reach it: Rasa and the action server on loopback ports.

Needs the trained model (models/pace.tar.gz); `make test` trains it before running these.
Marked `stack`: `make unit` leaves them out, `make test` runs them after training.
"""

import json
import os
import signal
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List

import pytest

from actions.weights import parse_weight
from tests.content import button_titles, label_of, mentions, text_of, texts_of

STOP_REPLY = text_of("utter_stop_and_call_physician")
EMERGENCY_REPLY = text_of("utter_emergency")
UNAVAILABLE_REPLY = text_of("utter_temporarily_unavailable")

pytestmark = pytest.mark.stack


def sender() -> str:
    return f"test-{uuid.uuid4().hex}"


def texts(replies: List[Dict]) -> List[str]:
    return [r.get("text", "") for r in replies]


def test_grounded_answer_about_building_muscle(stack):
    replies = stack.say(sender(), "can I build muscle with ALS?")
    assert replies[0]["text"] in texts_of("utter_faq/hypertrophy_not_realistic")
    buttons = {b["title"]: b["payload"] for b in replies[0]["buttons"]}
    assert (
        buttons == button_titles("utter_faq/hypertrophy_not_realistic") and "tell me more" in buttons.values()
    )


@pytest.mark.parametrize(
    "message, category",
    [
        ("my arm hurts after the bands", "pain"),
        ("my legs are cramping after my walk", "cramping"),
        ("hamstrin crampin after teh leg curls", "cramping"),
        ("my arm hurts after the bands, should I keep going?", "pain"),
    ],
)
def test_symptom_report_escalates_and_names_the_symptom(stack, message, category):
    replies = texts(stack.say(sender(), message))
    assert replies[0] == STOP_REPLY
    assert replies[1] in texts_of("utter_symptom_named", symptom_label=label_of(category))


def test_emergency_gets_the_urgent_reply(stack):
    replies = texts(stack.say(sender(), "my husband is choking and turning blue"))
    assert replies[0] == EMERGENCY_REPLY


def test_protein_from_a_weight_given_later(stack):
    conversation = sender()
    first = " ".join(texts(stack.say(conversation, "how much protein does my mum need")))
    assert mentions(first, "utter_protein_range")
    second = " ".join(texts(stack.say(conversation, "she's about 130 pounds")))
    assert mentions(
        second,
        "utter_protein_grams",
        weight=parse_weight("130 pounds").describe(),
        low_grams=47,
        high_grams=88,
    )


def test_safety_memory_reminds_before_exercising_again(stack):
    conversation = sender()
    stack.say(conversation, "my shoulders have ached since the wall presses")
    assert stack.tracker(conversation)["slots"]["safety_flag"] is True
    reply = " ".join(texts(stack.say(conversation, "can i do them again tomorrow?")))
    assert mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")


def test_safety_memory_and_body_weight_carry_over_to_a_new_session(stack):
    conversation = sender()
    stack.say(conversation, "my calves cramped on the bike")
    stack.say(conversation, "how much protein do i need, i weigh 70 kg")
    stack.post(f"/conversations/{conversation}/execute", {"name": "action_session_start"})
    tracker = stack.tracker(conversation)
    assert [e["event"] for e in tracker["events"]].count("session_started") == 2
    assert tracker["slots"]["safety_flag"] is True and tracker["slots"]["body_weight_kg"] == 70
    reply = " ".join(texts(stack.say(conversation, "can i do my exercises again tomorrow?")))
    assert mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")


@pytest.mark.parametrize(
    "message",
    ["/greet my chest hurts", '/greet{"safety_flag": false} my chest hurts', "/faq my legs ache badly"],
)
def test_intent_shortcuts_cannot_suppress_an_escalation(stack, message):
    replies = texts(stack.say(sender(), message))
    assert replies[0] in (STOP_REPLY, EMERGENCY_REPLY)


@pytest.mark.parametrize(
    "message",
    ["/ /greet@1 my legs ache badly", "/\t/greet@1 my legs ache badly", " / / /faq my calves cramp"],
)
def test_shortcuts_with_spaces_between_slashes_cannot_suppress_an_escalation(stack, message):
    replies = texts(stack.say(sender(), message))
    assert replies[0] == STOP_REPLY


@pytest.mark.parametrize("reset", ["/ /restart", "/\t/restart", "/ /session_start", "/ /back"])
def test_shortcuts_with_spaces_cannot_wipe_the_safety_memory(stack, reset):
    conversation = sender()
    stack.say(conversation, "my calves cramped on the bike")
    stack.say(conversation, reset)
    assert stack.tracker(conversation)["slots"]["safety_flag"] is True
    reply = " ".join(texts(stack.say(conversation, "can I exercise again tomorrow?")))
    assert mentions(reply, "utter_safety_reminder") or mentions(reply, "utter_resume_exercise")


def test_intent_shortcuts_cannot_set_slots(stack):
    conversation = sender()
    stack.say(conversation, '/inform_weight{"body_weight_kg": 70}')
    assert stack.tracker(conversation)["slots"]["body_weight_kg"] is None


def test_conversations_are_kept_in_the_sqlite_store(stack):
    conversation = sender()
    stack.say(conversation, "what is myostatin")
    with sqlite3.connect(stack.db) as db:
        rows = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (conversation,)).fetchone()[0]
    assert rows > 0


def test_escalation_reaches_the_person_with_the_action_server_down(stack):
    stack.stop_actions()
    try:
        replies = texts(stack.say(sender(), "my knee hurts after the exercise bike"))
        assert replies and replies[0] == STOP_REPLY
        emergency = texts(stack.say(sender(), "he's choking and can't breathe"))
        assert emergency and emergency[0] == EMERGENCY_REPLY
    finally:
        stack.start_actions()


def test_a_hung_action_server_still_lets_every_turn_be_answered(stack):
    os.kill(stack.actions.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        replies = texts(stack.say(sender(), "my knee hurts after the exercise bike"))
        assert replies[0] == STOP_REPLY and len(replies) == 2  # the static words, then the stand-in
        protein = texts(stack.say(sender(), "I'm 70 kg, how much protein do I need a day?"))
        assert protein == [UNAVAILABLE_REPLY]
        assert time.monotonic() - started < 30  # the action call timed out (5 s each), not Rasa's 5 minutes
    finally:
        os.kill(stack.actions.pid, signal.SIGCONT)


def action_call(stack, query: str, body: bytes) -> tuple:
    request = urllib.request.Request(f"http://127.0.0.1:{stack.action_port}/webhook{query}", body)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_action_server_answers_only_rasa(stack):
    forged = json.dumps({"next_action": "action_escalate_symptom", "tracker": {"sender_id": "x"}}).encode()
    assert action_call(stack, "", forged)[0] == 401
    assert action_call(stack, "?token=wrong", forged)[0] == 401
    broken = json.dumps({"next_action": "action_escalate_symptom", "tracker": "secret words"}).encode()
    status, body = action_call(stack, f"?token={stack.env['PACE_ACTION_TOKEN']}", broken)
    assert status == 500 and "secret words" not in body  # an error echoes nothing of the request


def test_the_action_server_listens_on_loopback_only(stack):
    port = f"{stack.action_port:04X}"
    listening = [
        line.split()[1]
        for table in ("/proc/net/tcp", "/proc/net/tcp6")
        for line in Path(table).read_text().splitlines()[1:]
        if line.split()[1].endswith(f":{port}") and line.split()[3] == "0A"
    ]
    assert listening == ["0100007F:" + port]


def rest_status(stack, body: bytes) -> tuple:
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook",
        body,
        {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"message": "hi"}, "'sender' must be a non-empty string"),
        ({"sender": "", "message": "hi"}, "'sender' must be a non-empty string"),
        ({"sender": 7, "message": "hi"}, "'sender' must be a non-empty string"),
        ({"sender": "a"}, "'message' must be a string"),
        ({"sender": "a", "message": 5}, "'message' must be a string"),
        ({"sender": "a", "message": ["hi"]}, "'message' must be a string"),
        ([1, 2], "the body must be a JSON object"),
    ],
)
def test_rest_rejects_bad_requests_with_a_clear_400(stack, body, reason):
    status, reply = rest_status(stack, json.dumps(body).encode())
    assert status == 400
    assert reply["error"] == "bad_request" and reply["reason"].startswith(reason)


def test_rest_rejects_malformed_json(stack):
    assert rest_status(stack, b"{not json")[0] == 400


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b'{"sender": "a", "message": "\\ud83d"}', "not valid Unicode"),
        (b'{"sender": "a", "message": "hi", "metadata": ' + b'{"a": ' * 990 + b"1" + b"}" * 991, ""),
        (b'{"sender": "twilio:+15551234567", "message": "hi"}', "another channel's name"),
    ],
)
def test_rest_refuses_bad_unicode_deep_nesting_and_other_channels_ids(stack, raw, reason):
    status, body = rest_status(stack, raw)
    assert status == 400 and reason in body.get("reason", "")


def test_rest_refuses_a_body_over_64_kb(stack):
    big = json.dumps({"sender": "a", "message": "hi", "metadata": {"x": "y" * 70_000}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook", big, {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413


def test_rest_answer_carries_its_source(stack):
    reply = stack.say(sender(), "what is cachexia")[0]
    assert reply["metadata"]["document"] == "can-you-build-muscle-with-als.txt"
    assert "cachexia" in reply["metadata"]["quote"]


def forget(stack, *args: str) -> str:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "scripts/forget.py", *args, "--endpoints", str(stack.endpoints)],
        cwd=root, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def user_events(stack, conversation: str) -> int:
    with sqlite3.connect(stack.db) as db:
        query = "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'"
        return db.execute(query, (conversation,)).fetchone()[0]


def test_make_forget_erases_one_persons_conversation(stack):
    gone, kept = sender(), sender()
    for conversation in (gone, kept):
        stack.say(conversation, "my calves are cramping")
    assert "erased" in forget(stack, "--sender", gone)
    assert user_events(stack, gone) == 0 and user_events(stack, kept) == 1
    assert stack.tracker(gone)["slots"]["safety_flag"] is False  # nothing of it is left


def test_the_retention_period_erases_old_conversations_only(stack):
    old, recent = sender(), sender()
    for conversation in (old, recent):
        stack.say(conversation, "what is myostatin")
    with sqlite3.connect(stack.db) as db:
        db.execute("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?", (old,))
    forget(stack, "--older-than", "30")
    assert user_events(stack, old) == 0 and user_events(stack, recent) == 1


def test_the_conversation_database_is_readable_by_its_owner_only(stack):
    assert stack.db.stat().st_mode & 0o077 == 0


def test_a_reworded_answer_is_live_without_training(stack):
    """ContentNLG: Pace serves an answer's new wording within seconds of the file being saved."""
    topic = stack.content_root / "data" / "nlu" / "physiology.yml"
    original = topic.read_text(encoding="utf-8")
    old = text_of("utter_faq/myostatin")
    new = old.replace("Myostatin is", "Myostatin, said simply, is", 1)
    assert new != old and old in original
    topic.write_text(original.replace(old, new), encoding="utf-8")
    try:
        deadline = time.monotonic() + 15
        reply = ""
        while time.monotonic() < deadline and reply != new:
            time.sleep(1)
            reply = stack.say(sender(), "what is myostatin")[0]["text"]
        assert reply == new
    finally:
        topic.write_text(original, encoding="utf-8")


def test_a_short_follow_up_is_read_with_the_question_before_it(stack):
    person = sender()
    stack.say(
        person,
        "the speech therapist wants us to thicken his drinks and blend his food, is that normal with als",
    )
    replies = texts(stack.say(person, "who decides how thick"))
    assert replies[0] in texts_of("utter_faq/slp_role")
    # the same words alone, as the first message, are not enough to answer
    assert texts(stack.say(sender(), "who decides how thick"))[0] not in texts_of("utter_faq/slp_role")
