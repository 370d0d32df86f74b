"""The content team's files: grounded answers, complete coverage, no evaluation messages copied."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from components.report_model import read_cases
from scripts import check_content, check_safety_files

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def test_all_content_checks_pass():
    assert [str(p) for p in check_content.run()] == []


@pytest.mark.skipif(not (SHARED / "sources").exists(), reason="runs where ../shared is checked out beside")
def test_sources_are_verbatim_copies():
    for original in (SHARED / "sources").glob("*.txt"):
        assert (ROOT / "content" / "sources" / original.name).read_bytes() == original.read_bytes()


def test_numbers_in_answers_must_be_in_their_quote():
    assert check_content.numbers_in("hold for 30 to 60 seconds") == {"30", "60"}
    assert check_content.numbers_in("about {low_grams} to {high_grams} grams") == set()
    assert check_content.numbers_in("three main groups") == {"3"}
    assert check_content.numbers_in("thirty to sixty seconds") == {"30", "60"}
    assert check_content.numbers_in("twenty-five grams or twenty five") == {"25"}
    assert check_content.numbers_in("one reason, no one, one of them") == set()
    assert check_content.numbers_in("rest for one hour") == {"1"}


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A throwaway copy of the content files, to break on purpose."""
    for name in ("domain.yml", "data", "content"):
        source = ROOT / name
        target = tmp_path / name
        shutil.copytree(source, target) if source.is_dir() else shutil.copy(source, target)
    monkeypatch.setattr(check_content, "ROOT", tmp_path)
    monkeypatch.setattr(check_content, "SOURCES", tmp_path / "content" / "sources")
    monkeypatch.setattr(check_content, "COVERAGE", tmp_path / "content" / "coverage.yml")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_invented_number_is_reported_with_file_and_line(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    edit(
        nutrition,
        "Cachexia is severe muscle and fat wasting.",
        "Cachexia is severe muscle and fat wasting in 40% of people.",
    )

    problems = [str(p) for p in check_content.run()]

    line = next(
        i for i, text in enumerate(nutrition.read_text().splitlines(), 1) if "utter_faq/cachexia:" in text
    )
    assert problems == [
        f"data/nlu/nutrition.yml:{line}: utter_faq/cachexia: states ['40'], which its quote does not contain"
    ]


@pytest.mark.parametrize(
    "topic, old, new, problem",
    [
        (
            "nutrition",
            'quote: "Ultimately, the focus of nutritional management',
            'quote: "Ultimately, the main focus of nutritional management',
            "utter_faq/stable_weight: the quote is not word for word in can-you-build-muscle-with-als.txt: "
            "'main' (after 'Ultimately, the')",
        ),
        (  # each quote of a list counts
            "muscle_building",
            '- "any exercise-induced fatigue or soreness should resolve',
            '- "any fatigue or soreness should resolve',
            "utter_faq/intense_exercise: the quote is not word for word in "
            "als-exercise-preserving-function.txt: 'fatigue' (after 'any')",
        ),
    ],
)
def test_a_quote_not_in_the_document_is_reported_at_its_line(project_copy, topic, old, new, problem):
    path = project_copy / "data" / "nlu" / f"{topic}.yml"
    edit(path, old, new)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if new in text)
    assert [(p.line, p.message) for p in check_content.run()] == [(line, problem)]


def test_broken_yaml_names_the_line(project_copy):
    chitchat = project_copy / "data" / "nlu" / "chitchat.yml"
    edit(chitchat, "  - intent: goodbye", "  - intent: goodbye\n  bad: [unclosed")
    problems = check_content.run()
    assert problems and problems[0].path == chitchat and "not valid YAML" in problems[0].message


def test_a_fact_without_an_answer_fails(project_copy):
    coverage = project_copy / "content" / "coverage.yml"
    edit(coverage, "responses: [utter_faq/cachexia]", "responses: []")
    assert [p.message for p in check_content.run()] == [
        "fact cachexia has no response",
        "utter_faq/cachexia is in no fact of content/coverage.yml: add it to the facts it states",
    ]


def test_an_unknown_button_question_is_reported(project_copy):
    edit(
        project_copy / "data" / "nlu" / "nutrition.yml",
        'payload: "what is dysphagia"',
        'payload: "swallow stuff??"',
    )
    messages = [p.message for p in check_content.run()]
    assert len(messages) == 1 and "'swallow stuff??' is not an example of any intent" in messages[0]


def test_coverage_names_every_topic_of_the_issue():
    facts = yaml.safe_load((ROOT / "content" / "coverage.yml").read_text(encoding="utf-8"))["facts"]
    evidence = " ".join(f["evidence"].lower() for f in facts)
    for topic in [
        "hypertrophy",
        "denervation",
        "atrophy",
        "reinnervat",
        "myostatin",
        "ubiquitin-proteasome",
        "functional independence",
        "less-affected",
        "range of motion",
        "contractures",
        "spasticity",
        "circulation",
        "sleep",
        "mood",
        "three main categories",
        "30 to 60 seconds",
        "submaximal",
        "walking",
        "stationary cycling",
        "water-based",
        "assisted transfers",
        "gait training",
        "breathing exercises",
        "inspiratory muscle training",
        "physician",
        "physical therapist",
        "overwork weakness",
        "30 to 60 minutes",
        "hypermetabolic",
        "calories",
        "cachexia",
        "0.8 and 1.5",
        "protein-sparing",
        "dysphagia",
        "aspiration",
        "smaller, more frequent meals",
        "texture",
        "chin-tuck",
        "speech-language pathologist",
        "stable weight",
    ]:
        assert topic in evidence, topic


def _words(text: str) -> list:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not (SHARED / "eval").exists(), reason="runs where ../shared is checked out beside")
def test_no_evaluation_message_is_in_the_training_data():
    """Training examples share no five-word run with the evaluation messages (the issue's own
    example phrases, like "tell me more", excepted)."""
    cases = yaml.safe_load((SHARED / "eval" / "dev_set.yml").read_text())["cases"]
    dialogues = yaml.safe_load((SHARED / "eval" / "dev_dialogues.yml").read_text())["dialogues"]
    texts = [c["text"] for c in cases] + [t["user"] for d in dialogues for t in d["turns"]]
    grams = {tuple(w[i : i + 5]) for w in map(_words, texts) for i in range(len(w) - 4)}
    whole = {" ".join(_words(t)) for t in texts}
    allowed = {"tell me more"}
    examples = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")) + sorted(
        (ROOT / "data" / "rules").rglob("*.yml")
    ):
        for item in yaml.safe_load(path.read_text()).get("nlu") or []:
            examples += [
                (path.name, line.strip()[2:]) for line in str(item.get("examples") or "").splitlines()
            ]
    # (the safety layer's report model learns from the cases of data/safety/ too)
    for path in sorted((ROOT / "data" / "safety").glob("*.yml")):
        examples += [(path.name, text) for text, _ in read_cases([path])]
    copied = []
    for name, example in examples:
        words = _words(example)
        if " ".join(words) in allowed:
            continue
        if " ".join(words) in whole or any(tuple(words[i : i + 5]) in grams for i in range(len(words) - 4)):
            copied.append(f"{name}: {example}")
    assert copied == []


def test_a_long_answer_without_quick_replies_is_reported(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    edit(
        nutrition,
        "Cachexia is severe muscle and fat wasting.",
        "Cachexia is severe muscle and fat wasting. " + "More words. " * 40,
    )
    text = nutrition.read_text()
    start = text.index("  utter_faq/cachexia:")
    buttons = text.index("      buttons:", start)
    end = text.index("  utter_faq/", buttons)
    nutrition.write_text(text[:buttons] + "\n" + text[end:])
    messages = [p.message for p in check_content.run()]
    assert any("utter_faq/cachexia is" in m and "keep answers under 400" in m for m in messages)
    assert "utter_faq/cachexia has no quick replies (buttons)" in messages


def _reports(check, data):
    found = []
    check(data, lambda path, needle, message: found.append((path.name, message)))
    return found


def _group(**extra):
    return {"context_rules": [{"category": "GENERIC", "direction": "FORWARD", "literals": ["x"], **extra}]}


@pytest.mark.parametrize(
    "data, expected",
    [
        (_group(direction="BACKWARDS"), "direction must be one of"),
        (_group(literals=[]), "neither literals nor patterns"),
        (_group(scope=3), "unknown keys ['scope']"),
        (_group(max_scope=0), "max_scope must be a whole number"),
        ({**_group(), "decision": {"not_a_report": ["NEGATED"]}}, "names NEGATED, which no rule produces"),
        (
            {
                "context_rules": _group()["context_rules"]
                + _group(category="HISTORICAL", literals=["X"])["context_rules"]
            },
            "'X' is listed twice (GENERIC and HISTORICAL)",
        ),
    ],
)
def test_a_broken_context_rule_is_named(data, expected):
    messages = [m for _, m in _reports(check_safety_files.check_context, data)]
    assert any(expected in m for m in messages), messages


def test_a_report_limit_below_the_emergency_limit_is_named():
    readings = {"words": ["sats"], "at_or_below": 91, "report_at_or_below": 88, "report_as": "low"}
    data = {
        "symptoms": {"low": {"label": "low", "phrases": ["low sats"]}},
        "emergency": {"oxygen_readings": readings},
    }

    def messages():
        return [m for _, m in _reports(check_safety_files.check_patterns, data) if "oxygen" in m]

    assert messages() == ["oxygen_readings report_at_or_below needs a number from at_or_below to 100, not 88"]
    readings.update(report_at_or_below=93, report_as="lowish")
    assert messages() == ["oxygen_readings report_as needs a symptom category, not 'lowish'"]
    readings["report_as"] = "low"
    assert messages() == []


def test_a_breathing_rate_report_limit_above_the_emergency_limit_is_named():
    readings = {"words": ["rr"], "at_or_above": 25, "report_at_or_above": 30, "report_as": "fast"}
    data = {
        "symptoms": {"fast": {"label": "fast", "phrases": ["fast breathing"]}},
        "emergency": {"breathing_rate_readings": readings},
    }

    def messages():
        return [m for _, m in _reports(check_safety_files.check_patterns, data) if "breathing_rate" in m]

    assert messages() == [
        "breathing_rate_readings report_at_or_above needs a number from 5 to at_or_above, not 30"
    ]
    readings.update(report_at_or_above=21, at_or_above="lots")
    assert messages() == ["breathing_rate_readings needs at_or_above: a number (5 to 80), not 'lots'"]
    readings["at_or_above"] = 25
    assert messages() == []


def test_broken_symptom_patterns_are_named():
    data = {
        "symptoms": {
            "pain": {"phrases": ["pain"], "with_body_part": ["cramp"]},
            "cramping": {"label": "cramping", "phrases": ["cramp", None, "Cramp"]},
            "intent": {
                "label": "a plan",
                "only_in_combination": True,
                "phrases": ["made my peace", "Can't Breathe"],
            },
        },
        "emergency": {
            "phrases": ["can't breathe"],
            "combinations": [
                {"symptoms": ["breath"], "with": ["at rest"], "within": "paragraph"},
                {"symptoms": ["pain"], "with_symptoms": ["sorrow"]},
                {"symptoms": ["cramping"]},
            ],
            "oxygen_readings": {"words": ["sats"], "at_or_below": "ninety"},
        },
        "weights_compared": {
            "loss_at_least_percent": 0,
            "stated_loss_at_least_kg": "two",
            "kg_per_unit": {"kg": "one"},
            "past": ["a week ago"],
        },
    }
    messages = [m for _, m in _reports(check_safety_files.check_patterns, data)]
    assert "symptom category pain needs a label" in messages
    assert "oxygen_readings needs at_or_below: a number (50 to 100), not 'ninety'" in messages
    assert any(m.startswith("not a phrase: None") for m in messages)
    assert "'Cramp' is listed twice under cramping" in messages
    assert "'cramp' is listed under pain with_body_part and under cramping phrases" in messages
    assert repr("can't breathe") + " is listed under intent phrases and under emergency" in messages
    assert any("unknown symptom categories: ['breath']" in m for m in messages)
    assert "an emergency combination's `within` is sentence or message, not 'paragraph'" in messages
    assert any("unknown symptom categories: ['sorrow']" in m for m in messages)
    assert messages.count("an emergency combination has neither `with` words nor `with_symptoms`") == 1
    assert "symptom category intent counts only in a combination, but no combination names it" in messages
    assert any(m.startswith("weights_compared needs loss_at_least_percent") for m in messages)
    assert any(m.startswith("weights_compared kg_per_unit needs units") for m in messages)
    assert "weights_compared past needs a list of single words" in messages
    assert (
        "weights_compared stated_loss_at_least_kg needs a number of kilograms above 0, not 'two'" in messages
    )


def test_a_context_literal_that_is_a_treatment_is_named():
    context = {"context_rules": _group(literals=["x", "Baclofen"])["context_rules"]}
    topics = {"medicines": ["baclofen"], "supplements": ["creatine"], "conditions": ["x"]}

    def check(data, report):
        check_safety_files.check_treatments_once(data, topics, report)

    messages = [m for _, m in _reports(check, context)]
    assert messages == ["'Baclofen' is already a treatment (medicines in physician_topics.yml): list it once"]


def test_a_broken_physician_topics_file_is_named():
    data = {"medicine": ["baclofen"], "supplements": ["cbd", 3]}
    messages = [m for _, m in _reports(check_safety_files.check_physician_topics, data)]
    assert messages == [
        "unknown group 'medicine': the groups are "
        "medicines, doses, supplements, conditions, treatments, outlook, medicine_endings, not_medicines",
        "supplements must be a list of words or phrases",
    ]


def test_medicine_endings_are_word_endings():
    data = {"medicine_endings": ["statin", "-pril"]}
    messages = [m for _, m in _reports(check_safety_files.check_physician_topics, data)]
    assert messages == ["medicine_endings are the ends of words, in lower case letters"]


def test_a_spelling_correction_of_two_words_is_named():
    messages = [
        m for _, m in _reports(check_safety_files.check_spelling, {"corrections": {"tierd": "very tired"}})
    ]
    assert messages == ["corrections map one word to one word: 'tierd' -> 'very tired'"]


def test_a_contraction_that_is_none_is_named():
    data = {"contractions": {"cnt": "can't", "cant": "cannot"}}
    messages = [m for _, m in _reports(check_safety_files.check_spelling, data)]
    assert messages == ["contractions map one word ending in nt to one ending in n't: 'cant' -> 'cannot'"]


def line_with(path: Path, needle: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_a_tab_is_one_plain_message_at_its_line(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    edit(nutrition, "      - what is cachexia\n", "\t- what is cachexia\n")
    problems = check_content.run()
    assert [(p.path, p.line) for p in problems] == [(nutrition, line_with(nutrition, "\t- what is cachexia"))]
    assert problems[0].message == "not valid YAML: a tab character: indent with spaces only"


def test_broken_indentation_is_one_message(project_copy):
    chitchat = project_copy / "data" / "nlu" / "chitchat.yml"
    edit(chitchat, "  - intent: goodbye", "    - intent: goodbye")
    problems = check_content.run()
    assert len(problems) == 1 and problems[0].path == chitchat
    assert "indentation" in problems[0].message or "colon" in problems[0].message


def test_the_same_example_under_two_answers_is_reported(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    physiology = project_copy / "data" / "nlu" / "physiology.yml"
    edit(
        nutrition,
        "      - term for extreme muscle and fat loss\n",
        "      - term for extreme muscle and fat loss\n      - What is  myostatin\n",
    )
    problems = check_content.run()
    assert [(p.path, p.line) for p in problems] == [
        (physiology, line_with(physiology, "- what is myostatin"))
    ]
    assert problems[0].message == (
        "'what is myostatin' is an example of faq/myostatin and of faq/cachexia "
        f"(data/nlu/nutrition.yml:{line_with(nutrition, '- What is  myostatin')}); keep it under one"
    )


def test_an_empty_answer_is_reported(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    text = nutrition.read_text()
    start = text.index("  utter_faq/cachexia:")
    line = text.index("    - text:", start)
    end = text.index("\n", line)
    nutrition.write_text(text[:line] + '    - text: ""' + text[end:])
    messages = [p.message for p in check_content.run()]
    assert "utter_faq/cachexia has an empty text" in messages


def test_numbers_and_length_are_checked_in_domain_answers_too(project_copy):
    domain = project_copy / "domain.yml"
    edit(
        domain,
        "please speak with your physician before you exercise again.",
        "rest for 48 hours first." + " Then rest." * 40,
    )
    messages = [p.message for p in check_content.run()]
    assert any(m.startswith("utter_safety_reminder: states ['48'] but has no source") for m in messages)
    assert any(m.startswith("utter_safety_reminder is") and "keep answers under 400" in m for m in messages)


def test_numbers_written_as_words_match_the_quote(project_copy):
    activities = project_copy / "data" / "nlu" / "safe_activities.yml"
    edit(
        activities, "hold each stretch for 30 to 60 seconds", "hold each stretch for thirty to sixty seconds"
    )
    assert check_content.run() == []
    edit(
        activities,
        "hold each stretch for thirty to sixty seconds",
        "hold each stretch for thirty to ninety seconds",
    )
    assert [p.message for p in check_content.run()] == [
        "utter_faq/stretching: states ['90'], which its quote does not contain"
    ]


def test_questions_without_an_answer_name_their_file_and_line(project_copy):
    nutrition = project_copy / "data" / "nlu" / "nutrition.yml"
    edit(nutrition, "  - intent: faq/cachexia", "  - intent: faq/cachexia_again")
    problems = [p for p in check_content.run() if "no answer" in p.message]
    assert [(p.path, p.line, p.message) for p in problems] == [
        (
            nutrition,
            line_with(nutrition, "intent: faq/cachexia_again"),
            "questions for faq/cachexia_again have no answer utter_faq/cachexia_again",
        )
    ]


def test_an_answer_missing_from_coverage_is_reported(project_copy):
    coverage = project_copy / "content" / "coverage.yml"
    text = coverage.read_text()
    assert text.count("utter_faq/cachexia") == 1
    coverage.write_text(
        text.replace("responses: [utter_faq/cachexia]", "responses: [utter_faq/hypermetabolism]")
    )
    assert [p.message for p in check_content.run()] == [
        "utter_faq/cachexia is in no fact of content/coverage.yml: add it to the facts it states"
    ]


def test_make_check_knows_the_kinds_of_reading_the_safety_layer_reads():
    from components.symptom_rules import READING_KINDS

    assert check_safety_files.READING_KINDS == READING_KINDS
