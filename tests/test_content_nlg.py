"""ContentNLG: answer wording read from the content files while Pace runs, without training."""

import asyncio
import os
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from components.content_nlg import ContentNLG, content_responses

DOMAIN = """\
version: "3.1"
responses:
  utter_hello:
    - text: Hello from the files.
  utter_grams:
    - text: about {low_grams} grams
"""
TOPIC = """\
version: "3.1"
responses:
  utter_faq/warmup:
    - text: Warm up first.
      buttons:
        - title: Tell me more
          payload: tell me more
"""


def write(path: Path, text: str) -> None:
    """Writes and moves the modification time on, as a save a second later would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = path.stat().st_mtime + 1 if path.exists() else None
    path.write_text(text, encoding="utf-8")
    if stamp:
        os.utime(path, (stamp, stamp))


@pytest.fixture
def root(tmp_path):
    write(tmp_path / "domain.yml", DOMAIN)
    write(tmp_path / "data" / "nlu" / "topic.yml", TOPIC)
    return tmp_path


def say(nlg, name, **kwargs):
    tracker = DialogueStateTracker("someone", [])
    return asyncio.run(nlg.generate(name, tracker, "rest", **kwargs))


def model_domain(**responses):
    return Domain.from_dict({"responses": responses})


def test_files_override_the_model_and_the_model_fills_in(root):
    model = model_domain(utter_hello=[{"text": "Hello from the model."}], utter_only_model=[{"text": "Old."}])
    nlg = ContentNLG(domain=model, root=root, check_seconds=0)
    assert say(nlg, "utter_hello")["text"] == "Hello from the files."
    assert say(nlg, "utter_only_model")["text"] == "Old."
    answer = say(nlg, "utter_faq/warmup")
    assert answer["text"] == "Warm up first."
    assert answer["buttons"] == [{"title": "Tell me more", "payload": "tell me more"}]
    assert say(nlg, "utter_grams", low_grams=47)["text"] == "about 47 grams"


def test_a_reworded_answer_is_served_after_the_next_check(root):
    nlg = ContentNLG(domain=None, root=root, check_seconds=0)
    write(root / "data" / "nlu" / "topic.yml", TOPIC.replace("Warm up first.", "Always warm up first."))
    assert say(nlg, "utter_faq/warmup")["text"] == "Always warm up first."


def test_files_are_not_read_again_before_the_check_interval(root):
    nlg = ContentNLG(domain=None, root=root, check_seconds=3600)
    write(root / "domain.yml", DOMAIN.replace("Hello from the files.", "Changed."))
    assert say(nlg, "utter_hello")["text"] == "Hello from the files."
    assert nlg.refresh(force=True)
    assert say(nlg, "utter_hello")["text"] == "Changed."


def test_a_file_that_no_longer_reads_keeps_the_last_good_wording(root, caplog):
    nlg = ContentNLG(domain=None, root=root, check_seconds=0)
    write(root / "data" / "nlu" / "topic.yml", TOPIC + "  utter_faq/broken:\n\t- text: tab\n")
    assert say(nlg, "utter_faq/warmup")["text"] == "Warm up first."
    assert "does not read" in caplog.text


def test_an_emptied_answer_keeps_its_last_wording(root, caplog):
    nlg = ContentNLG(domain=None, root=root, check_seconds=0)
    write(root / "domain.yml", DOMAIN.replace("Hello from the files.", '""'))
    assert say(nlg, "utter_hello")["text"] == "Hello from the files."
    assert "utter_hello has a variation without text" in caplog.text


def test_a_new_model_keeps_the_files_on_top(root):
    nlg = ContentNLG(domain=None, root=root, check_seconds=0)
    nlg.responses = model_domain(utter_hello=[{"text": "Model."}], utter_new=[{"text": "New."}]).responses
    assert say(nlg, "utter_hello")["text"] == "Hello from the files."
    assert say(nlg, "utter_new")["text"] == "New."


def test_pace_content_files_give_every_response_of_the_domain():
    responses = content_responses()
    assert "utter_emergency" in responses and "utter_stop_and_call_physician" in responses
    assert any(name.startswith("utter_faq/") for name in responses)
