"""What Pace should say, read from the content files, so no test pins an answer's wording.

A reworded answer that passes `make check` passes the tests: they compare replies with the texts
below (each variation of a response, filled in as Rasa fills it) rather than with sentences of
their own.
"""

from pathlib import Path
from typing import Dict, List

import yaml
from rasa.core.nlg.interpolator import interpolate_text

from components.content_nlg import content_responses

ROOT = Path(__file__).resolve().parent.parent
RESPONSES = content_responses(ROOT)
SYMPTOMS = yaml.safe_load((ROOT / "content" / "symptom_patterns.yml").read_text(encoding="utf-8"))["symptoms"]


def texts_of(name: str, **values: object) -> List[str]:
    """Every wording Pace may send for response `name`, with its {placeholders} filled in."""
    return [interpolate_text(v["text"], {k: str(x) for k, x in values.items()}) for v in RESPONSES[name]]


def text_of(name: str, **values: object) -> str:
    """The wording of a response with one variation (most of Pace's)."""
    (only,) = texts_of(name, **values)
    return only


def label_of(category: str) -> str:
    """How a symptom category is named back to the person ("You mentioned cramping.")."""
    return SYMPTOMS[category]["label"]


def mentions(reply: str, name: str, **values: object) -> bool:
    """True when `reply` contains one of the wordings of response `name`."""
    return any(text in reply for text in texts_of(name, **values))


def button_titles(name: str) -> Dict[str, str]:
    return {b["title"]: b["payload"] for v in RESPONSES[name] for b in v.get("buttons") or []}


def opening(name: str) -> str:
    """The first sentence of a response's first wording: enough to recognise it on a rendered page."""
    text = RESPONSES[name][0]["text"]
    return text.split(". ")[0]


def next_topic(name: str) -> str:
    """The answer "Tell me more" leads to after response `name` (its `next` metadata)."""
    return f"utter_{RESPONSES[name][0]['metadata']['next']}"
