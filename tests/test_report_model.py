"""The safety layer's learned half: the report model's cases, training, and how SymptomDetector
weighs it against the rules."""

from pathlib import Path

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.report_model import EMERGENCY_REPORT, NOT_A_REPORT, REPORT, read_cases
from components.symptom_detector import SymptomDetector
from tests.test_components import intent_of, message, symptom_entities

SAFETY_DATA = Path(__file__).resolve().parent.parent / "data" / "safety"


def test_cases_are_read_in_both_formats(tmp_path):
    (tmp_path / "lists.yml").write_text(
        "reports: [my knee hurts]\nemergencies: [he is not breathing]\nnear_misses: [what if it hurts]\n"
    )
    (tmp_path / "cases.yml").write_text(
        "cases:\n  - {id: a, category: trap, text: no pain at all}\n"
        "  - {id: b, category: symptom_report, text: calves cramping}\n"
    )
    cases = read_cases(sorted(tmp_path.glob("*.yml")))
    assert cases == [
        ("no pain at all", NOT_A_REPORT),
        ("calves cramping", REPORT),
        ("my knee hurts", REPORT),
        ("he is not breathing", EMERGENCY_REPORT),
        ("what if it hurts", NOT_A_REPORT),
    ]


@pytest.mark.parametrize(
    "content, error",
    [
        ("cases:\n  - {id: x1, category: worry, text: hm}\n", "case x1 has no category"),
        ("questions: [what is als]\n", "expected `cases:`"),
    ],
)
def test_a_case_file_in_neither_format_is_an_error(tmp_path, content, error):
    (tmp_path / "bad.yml").write_text(content)
    with pytest.raises(ValueError, match=error):
        read_cases([tmp_path / "bad.yml"])


def test_every_case_file_of_the_project_reads():
    cases = read_cases(sorted(SAFETY_DATA.glob("*.yml")))
    labels = {label for _, label in cases}
    assert labels == {NOT_A_REPORT, REPORT, EMERGENCY_REPORT} and len(cases) > 4000


def test_the_fingerprint_follows_the_case_files(tmp_path):
    (tmp_path / "a.yml").write_text("reports: [my knee hurts]\n")
    config = {"cases": str(tmp_path)}
    before = SymptomDetector.fingerprint_addon(config)
    assert SymptomDetector.fingerprint_addon(config) == before
    (tmp_path / "a.yml").write_text("reports: [my knee hurts, my hip hurts]\n")
    assert SymptomDetector.fingerprint_addon(config) != before


class FixedModel:
    """A report model that always gives the same likelihoods."""

    def __init__(self, report, emergency=0.0):
        self.likelihood = (report, emergency)

    def probabilities(self, lemmas, reading):
        return self.likelihood


def detector_with(report, emergency=0.0):
    detector = SymptomDetector(SymptomDetector.get_default_config())
    detector._report = FixedModel(report, emergency)
    return detector


@pytest.fixture
def spacy_model(nlp):
    return SpacyModel(model=nlp, model_name="pace_en")


def decide(nlp, spacy_model, text, report, emergency=0.0, intent="faq", ranking=None):
    msg = message(nlp, text, intent, ranking=ranking)
    detector_with(report, emergency).process([msg], spacy_model)
    return msg


def test_a_rules_emergency_escalates_unless_the_model_is_all_but_sure_it_is_no_report(nlp, spacy_model):
    # (the rules give the tier, and the model's likelihood of an emergency does not save it)
    text = "he is choking and turning blue"
    assert intent_of(decide(nlp, spacy_model, text, 0.16)) == "report_emergency"
    assert intent_of(decide(nlp, spacy_model, text, 0.14, 0.85)) == "faq"


def test_a_rules_symptom_stands_unless_the_model_is_nearly_sure_it_is_none(nlp, spacy_model):
    kept = decide(nlp, spacy_model, "my calves are cramping after the pool", 0.35)
    assert intent_of(kept) == "report_symptom" and symptom_entities(kept) == ["cramping"]
    vetoed = decide(nlp, spacy_model, "my calves are cramping after the pool", 0.25)
    assert intent_of(vetoed) == "faq"


def test_a_weight_loss_worked_out_from_two_weights_is_never_vetoed(nlp, spacy_model):
    # (the model reads words; "75 kg at diagnosis and 69 now" is arithmetic)
    compared = decide(nlp, spacy_model, "i was 75 kg at diagnosis and i'm 69 now, how much protein", 0.05)
    assert intent_of(compared) == "report_symptom" and symptom_entities(compared) == ["weight_loss"]
    # (a loss said in words is read by the model as any other phrase)
    said = decide(nlp, spacy_model, "she has lost weight without trying", 0.05)
    assert intent_of(said) == "faq"


def test_the_model_escalates_new_words_alone_only_when_very_sure(nlp, spacy_model):
    text = "my signature looks like a spider walked across the page this week"  # no phrase of the rules
    assert intent_of(decide(nlp, spacy_model, text, 0.56)) == "report_symptom"
    assert intent_of(decide(nlp, spacy_model, text, 0.54)) == "faq"


def test_with_evidence_the_model_escalates_when_a_report_is_likely(nlp, spacy_model):
    text = "my arm has gone all odd since physio"  # a body part, no symptom phrase
    assert intent_of(decide(nlp, spacy_model, text, 0.55)) == "report_symptom"
    assert intent_of(decide(nlp, spacy_model, text, 0.45)) == "faq"


def test_an_emergency_the_model_finds_very_likely_escalates_urgently_unless_no_report_is_likely(
    nlp, spacy_model
):
    text = "the tube in his neck has gone bright red round the edges and it keeps coming"  # no phrase
    assert intent_of(decide(nlp, spacy_model, text, 0.15, 0.95)) == "report_emergency"
    assert intent_of(decide(nlp, spacy_model, text, 0.15, 0.85)) == "faq"
    assert intent_of(decide(nlp, spacy_model, text, 0.05, 0.99)) == "faq"


def test_a_report_the_model_finds_urgent_gets_the_urgent_tier(nlp, spacy_model):
    msg = decide(nlp, spacy_model, "wife cant hold anything in her right hand since 5 minutes ago", 0.9, 0.8)
    assert intent_of(msg) == "report_emergency"
    calm = decide(nlp, spacy_model, "my calves are cramping after the pool", 0.9, 0.25)
    assert intent_of(calm) == "report_symptom"


@pytest.mark.parametrize("intent", ["report_symptom", "report_emergency"])
def test_the_classifier_alone_raises_no_alarm(nlp, spacy_model, intent):
    ranking = [{"name": intent, "confidence": 0.8}, {"name": "out_of_scope", "confidence": 0.2}]
    msg = decide(nlp, spacy_model, "how do i make a sourdough starter", 0.3, intent=intent, ranking=ranking)
    assert intent_of(msg) == "out_of_scope"


def test_an_unsure_classifier_guessing_a_report_falls_back_when_the_model_says_no(nlp, spacy_model):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.35},
        {"name": "report_symptom", "confidence": 0.3},
        {"name": "faq", "confidence": 0.25},
    ]
    msg = decide(nlp, spacy_model, "what is the weather like", 0.1, intent="nlu_fallback", ranking=ranking)
    assert intent_of(msg) != "report_symptom"


@pytest.fixture(scope="module")
def trained(nlp, tmp_path_factory):
    """A detector trained on a few NLU examples and the project's case files."""
    folder = tmp_path_factory.mktemp("storage")
    storage = LocalModelStorage(folder)
    detector = SymptomDetector(SymptomDetector.get_default_config(), storage, Resource("detector"))
    examples = [
        Message(data={"text": "my knee hurts after the walk", "intent": "report_symptom"}),
        Message(data={"text": "what should i eat for protein", "intent": "faq"}),
    ]
    detector.train(TrainingData(examples), SpacyModel(model=nlp, model_name="pace_en"))
    return storage


def test_a_trained_detector_is_saved_and_loaded_with_its_model(trained, nlp, spacy_model):
    loaded = SymptomDetector.load(SymptomDetector.get_default_config(), trained, Resource("detector"), None)
    assert loaded._report is not None
    report, _ = loaded._report.probabilities(
        "my knee hurt after the walk", ("F_symptom", "EV_True", "S_BODY")
    )
    quiet, _ = loaded._report.probabilities("how do i make a sourdough starter", ("F_none", "EV_False"))
    assert report > 0.5 > quiet


def test_without_report_examples_the_rules_decide_alone(nlp, spacy_model, tmp_path):
    storage = LocalModelStorage(tmp_path / "storage")
    config = {**SymptomDetector.get_default_config(), "cases": str(tmp_path / "none")}
    detector = SymptomDetector(config, storage, Resource("detector"))
    detector.train(TrainingData([Message(data={"text": "hello", "intent": "greet"})]), spacy_model)
    assert detector._report is None
    msg = message(nlp, "my calves are cramping after the pool", "faq")
    detector.process([msg], spacy_model)
    assert intent_of(msg) == "report_symptom"


def test_with_the_model_the_classifiers_guess_of_an_emergency_raises_no_urgent_tier(nlp, spacy_model):
    ranking = [{"name": "report_emergency", "confidence": 0.9}]
    text = "eating takes forever and she gets so tired she stops"
    msg = decide(nlp, spacy_model, text, 0.95, 0.05, intent="report_emergency", ranking=ranking)
    assert intent_of(msg) == "report_symptom"
    urgent = decide(nlp, spacy_model, text, 0.95, 0.7, intent="report_emergency", ranking=ranking)
    assert intent_of(urgent) == "report_emergency"


def test_a_topic_question_that_also_reports_is_no_negative_example(nlp, spacy_model, tmp_path, monkeypatch):
    """NLU examples outside the report intents are the model's negatives, except those the rules
    read as a report: they are questions, but also reports."""
    seen = {}

    def remember(lemmas, readings, targets, C, seed):
        seen.update(zip(lemmas, targets, strict=False))
        raise StopIteration

    monkeypatch.setattr("components.symptom_detector.ReportModel.train", remember)
    config = {**SymptomDetector.get_default_config(), "cases": str(tmp_path)}
    (tmp_path / "cases.yml").write_text("reports: [my knee hurts]\nemergencies: [he is not breathing]\n")
    detector = SymptomDetector(config, LocalModelStorage(tmp_path / "storage"), Resource("detector"))
    examples = [
        Message(
            data={"text": "he is wiped out for two days after physio, is that too much", "intent": "faq"}
        ),
        Message(data={"text": "what should i eat for protein", "intent": "faq"}),
    ]
    with pytest.raises(StopIteration):
        detector.train(TrainingData(examples), spacy_model)
    assert "what should i eat for protein" in seen and seen["what should i eat for protein"] == NOT_A_REPORT
    assert not any("wipe" in lemmas for lemmas in seen)


def test_reading_many_examples_on_several_cores_gives_the_same_readings(nlp, spacy_model):
    from components.symptom_detector import _read_all, _read_text

    detector = SymptomDetector(SymptomDetector.get_default_config())
    rules = detector._rules_for(spacy_model)
    texts = [text for text, _ in read_cases([SAFETY_DATA / "cases.yml"])][:1200]
    together = _read_all(rules, spacy_model, texts)
    assert together == [_read_text(rules, spacy_model, text) for text in texts]


def test_the_quick_likelihoods_are_the_fitted_models_own(trained):
    """probabilities() computes TF-IDF and the logistic functions itself; they agree with
    scikit-learn's transform and predict_proba."""
    import numpy as np

    from components.report_model import counts

    loaded = SymptomDetector.load(SymptomDetector.get_default_config(), trained, Resource("detector"), None)
    parts = loaded._report.parts
    lemmas, reading = "my knee hurt after the walk", ("F_symptom", "EV_True", "S_BODY")
    features = parts["tfidf"].transform(counts(parts, [lemmas], [reading]))
    expected = (
        parts["report"].predict_proba(features)[0][1],
        parts["emergency"].predict_proba(features)[0][1],
    )
    assert np.allclose(loaded._report.probabilities(lemmas, reading), expected)
