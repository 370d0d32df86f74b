"""Shared fixtures: a fresh tracker, dispatcher and domain for every test."""

import copy
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import spacy
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
SPACY_MODEL = ROOT / "build" / "spacy" / "pace_en"


@pytest.fixture(scope="session")
def _domain_dict() -> Dict[str, Any]:
    """The domain as Rasa sends it to the action server (retrieval answers merged in)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    return importer.get_domain().as_dict()


@pytest.fixture
def domain(_domain_dict: Dict[str, Any]) -> Dict[str, Any]:
    return copy.deepcopy(_domain_dict)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    """Builds a fresh tracker whose latest user message is `text`."""

    def build(
        text: str,
        intent: str = "faq",
        entities: List[Dict[str, Any]] | None = None,
        slots: Dict[str, Any] | None = None,
        events: List[Dict[str, Any]] | None = None,
        parse_extra: Dict[str, Any] | None = None,
        sender_id: str = "test-user",
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
            **(parse_extra or {}),
        }
        return Tracker(
            sender_id=sender_id,
            slots={"safety_flag": False, "symptom": None, "body_weight_kg": None, **(slots or {})},
            latest_message=latest,
            events=list(events or []) + [{"event": "user", "text": text, "parse_data": latest}],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build


@pytest.fixture(scope="session")
def nlp() -> spacy.language.Language:
    """Pace's own spaCy pipeline, built by `make spacy`."""
    if not (SPACY_MODEL / "meta.json").exists():
        from scripts.build_spacy import build

        build(SPACY_MODEL)
    return spacy.load(SPACY_MODEL)


# Test secrets for the messaging apps; the platforms' APIs are a loopback stand-in.
CHANNEL_SECRETS = {
    "TELEGRAM_ACCESS_TOKEN": "123456:test-token",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret",
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "slack-signing-secret",
    "TWILIO_ACCOUNT_SID": "ACtest",
    "TWILIO_AUTH_TOKEN": "twilio-auth-token",
    "TWILIO_NUMBER": "+15550000000",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token",
    "FACEBOOK_APP_SECRET": "fb-app-secret",
    "FACEBOOK_VERIFY_TOKEN": "fb-verify",
}


@pytest.fixture(scope="session")
def standin():
    from tests.standin import Standin

    running = Standin()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory, standin):
    """One running Pace (Rasa, action server, demo page, all messaging apps) for `stack` tests."""
    from scripts.stack import MODEL, Stack, free_port

    if not MODEL.exists():
        pytest.fail("models/pace.tar.gz is missing: run `make train` (make test does)")
    rasa_port = free_port()
    env = {
        **CHANNEL_SECRETS,
        # the exact URL Twilio signs
        "TWILIO_WEBHOOK_URL": f"http://127.0.0.1:{rasa_port}/webhooks/twilio/webhook",
        "TELEGRAM_API_URL": standin.url,
        "SLACK_API_URL": standin.url,
        "TWILIO_API_URL": standin.url,
        "FACEBOOK_API_URL": standin.url,
        # the widget's alerts and its retry control (tests/test_web.py)
        "PACE_CLINIC_CONTACT": "the ALS clinic nurse line",
        "PACE_CLINIC_PHONE": "+44 20 7946 0000",
        "PACE_EMERGENCY_NUMBER": "999",
        "PACE_ANSWER_TIMEOUT_SECONDS": "4",
    }
    running = Stack(tmp_path_factory.mktemp("stack"), env, rasa_port)
    try:
        running.start_actions()
        running.start_rasa()
        running.start_web()
        yield running
    finally:
        running.stop()


def responses_of(dispatcher: CollectingDispatcher) -> List[str | None]:
    return [message.get("response") for message in dispatcher.messages]
