"""make report: the content team's page from stored conversations, without sender ids or the
words of conversations that reported a symptom."""

import json
import sqlite3
from datetime import datetime, timezone

import pytest

from scripts import report

MONDAY = datetime(2026, 11, 23, 10, tzinfo=timezone.utc).timestamp()  # ISO week 2026-W48
NEXT_MONDAY = MONDAY + 7 * 86400


class Store:
    """A conversation store with Rasa's `events` table, filled event by event."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )

    def add(self, sender, kind, data, when=MONDAY, intent=None, action=None):
        self.db.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sender, kind, when, intent, action, json.dumps({"event": kind, **data})),
        )
        self.db.commit()

    def user(self, sender, text, intent, answer=None, confidence=0.9, symptom=None, when=MONDAY):
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": []}
        if answer:
            parse["response_selector"] = {
                "faq": {"response": {"utter_action": answer, "confidence": confidence}}
            }
        if symptom:
            parse["entities"].append({"entity": "symptom", "value": symptom})
        self.add(sender, "user", {"text": text, "parse_data": parse}, when, intent=intent)

    def bot(self, sender, response, when=MONDAY):
        self.add(sender, "bot", {"text": "...", "metadata": {"utter_action": response}}, when)

    def action(self, sender, name, when=MONDAY):
        self.add(sender, "action", {"name": name}, when, action=name)


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "conversations.db")
    for n in range(3):
        store.user(f"alice-{n}", "what is myostatin", "faq", "utter_faq/myostatin", 0.97)
        store.bot(f"alice-{n}", "utter_faq/myostatin")
    store.user("bob-secret-id", "Can I use a heating pad?", "nlu_fallback")
    store.action("bob-secret-id", "action_suggest_topics")
    store.user("bob-2", "can i use a heating pad", "nlu_fallback")
    store.action("bob-2", "action_suggest_topics")
    store.user("carol", "is swimming good for arms", "faq", "utter_faq/aerobic", 0.31)
    store.bot("carol", "utter_faq/aerobic")
    store.user("dave", "my calves cramp after the bike", "report_symptom", symptom="cramping")
    store.bot("dave", "utter_stop_and_call_physician")
    store.user("dave", "and my private worry about the knee thing", "nlu_fallback", when=NEXT_MONDAY)
    store.action("dave", "action_suggest_topics", when=NEXT_MONDAY)
    store.user("erin", "he can't breathe", "report_emergency", when=NEXT_MONDAY)
    store.bot("erin", "utter_emergency", when=NEXT_MONDAY)
    return tmp_path / "conversations.db"


def page(store, tmp_path, *args):
    out = tmp_path / "reports"
    assert report.main(["--db", str(store), "--out", str(out), *args]) == 0
    return out, (out / "index.html").read_text(encoding="utf-8")


def test_fallbacks_are_grouped_most_frequent_first(store, tmp_path):
    _, html = page(store, tmp_path)
    section = html[html.index("did not understand") : html.index("unsure of")]
    assert "<td>2</td><td>Can I use a heating pad?</td>" in section  # two wordings, one group
    assert section.index("heating pad") < section.index("words not shown")


def test_unsure_answers_name_the_answer_given(store, tmp_path):
    _, html = page(store, tmp_path)
    assert "<td>1</td><td>is swimming good for arms</td><td>faq/aerobic</td>" in html
    assert "what is myostatin</td>" not in html  # sure answers are not listed


def test_escalations_by_week_and_category_with_a_picture(store, tmp_path):
    out, html = page(store, tmp_path)
    assert "<th>symptom</th><th>2026-W48</th><th>2026-W49</th>" in html
    assert "<tr><td>cramping</td><td>1</td><td>0</td></tr>" in html
    assert "<tr><td>emergency</td><td>0</td><td>1</td></tr>" in html
    assert (out / "escalations.png").read_bytes().startswith(b"\x89PNG")


def test_most_asked_answers_with_a_picture(store, tmp_path):
    out, html = page(store, tmp_path)
    assert "<tr><td>myostatin</td><td>3</td></tr>" in html
    assert (out / "answers.png").read_bytes().startswith(b"\x89PNG")


def test_no_sender_id_and_no_words_of_an_escalated_conversation(store, tmp_path):
    _, html = page(store, tmp_path)
    assert "bob-secret-id" not in html and "alice" not in html and "dave" not in html
    assert "private worry" not in html and "calves cramp" not in html and "breathe" not in html
    assert report.HIDDEN.split(":")[0] in html


def test_the_words_of_escalated_conversations_only_when_asked(store, tmp_path):
    _, html = page(store, tmp_path, "--show-escalated")
    assert "and my private worry about the knee thing" in html
    assert "dave" not in html


def test_a_missing_store_is_a_clear_message(tmp_path):
    with pytest.raises(SystemExit, match="no conversations at"):
        report.main(["--db", str(tmp_path / "none.db"), "--out", str(tmp_path)])


def test_a_file_that_is_no_store_is_a_clear_message(tmp_path):
    (tmp_path / "other.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(SystemExit, match="is not a Pace conversation store"):
        report.main(["--db", str(tmp_path / "other.db"), "--out", str(tmp_path)])
