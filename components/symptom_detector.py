"""Rasa NLU component: the safety layer on top of the intent classifier.

It runs after the intent classifiers and FallbackClassifier, and reads each message twice:
  - the rules (components/symptom_rules.py, reading content/symptom_patterns.yml and
    content/context_rules.yml): which symptom phrases, and in which context;
  - the report model (components/report_model.py), trained with the rest of the NLU model on the
    NLU examples and the labelled cases of `data/safety/`: how likely the message reports a symptom
    going on now, and how likely that is an emergency. It reads the rules' reading and the words.

The message becomes `report_symptom` (or `report_emergency`) whatever the classifier said when:
  - the rules find an emergency, unless the model is all but sure it is no report at all
    (`emergency_veto_below`: "blood everywhere, the beetroot juice exploded out of the blender");
  - the rules find a symptom, unless the model is nearly sure it is no report (`veto_below`); a
    loss the rules worked out from two weights stands whatever the model says (it reads words, and
    "I was 75 kg at diagnosis and I'm 69 now" is arithmetic);
  - the model finds a report likely (`report_with_evidence`) and the rules saw evidence of a body or
    a symptom in a context that does not rule a report out, or it finds one very likely
    (`report_alone`) without that. The rules' phrase lists cover the words their authors saw; the
    model carries the escalation to new words ("people keep asking me to repeat myself");
  - the model finds an emergency very likely (`emergency_alone`), with some likelihood of a report
    (`emergency_alone_report`): the words of an emergency nobody listed ("he's bleeding from where
    the trach tube goes in, it isn't slowing down"), in a message unlike the reports it learnt.
An escalated report the model finds likely an emergency (`emergency_threshold`) gets the urgent tier
(the intent classifier's own guess of an emergency does not decide the tier when the model is there).
A `symptom` entity carries the category the rules found, so Pace can say it back.

The intent classifier alone never raises an alarm: its guess of a report that neither the rules nor
the model back is replaced by its next best intent ("how do I make a sourdough starter", "he weighs
200 pounds", "not tired, not sore, nothing hurts").

Without a trained model (an NLU model trained without report examples), the rules decide alone, and
the classifier's guess of a report stands only with evidence, as above.
"""

import concurrent.futures
import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.tokens import Doc

from components.base import TrainedComponent, save, set_intent
from components.report_model import EMERGENCY_REPORT, NOT_A_REPORT, REPORT, ReportModel, read_cases
from components.symptom_rules import (
    CONTENT,
    DEFAULT_CONTEXT,
    DEFAULT_PATTERNS,
    EMERGENCY,
    Analysis,
    Finding,
    SymptomRules,
    read_label,
)
from components.weight_change import WEIGHTS_COMPARED

REPORT_SYMPTOM = "report_symptom"
REPORT_EMERGENCY = "report_emergency"
ESCALATING_INTENTS = {REPORT_SYMPTOM, REPORT_EMERGENCY}
FALLBACK_INTENT = "nlu_fallback"
# (a weight loss worked out from two weights, in the rules' reading)
_WEIGHTS_COMPARED_READ = read_label(WEIGHTS_COMPARED)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=True,
    model_from="SpacyNLP",
)
class SymptomDetector(TrainedComponent, EntityExtractorMixin):
    """Marks a message as a symptom report or an emergency when the rules or the report model
    find one (see the module)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        project = CONTENT.parent
        return {
            # the data files the content team extends; relative paths are relative to the project
            "patterns": str(DEFAULT_PATTERNS.relative_to(project)),
            "context_rules": str(DEFAULT_CONTEXT.relative_to(project)),
            # the report model's labelled cases besides the NLU examples: every .yml file here
            "cases": "data/safety",
            # the report model: how closely it follows its examples, and its seed (60 against 20:
            # 144 false alarms instead of 158 of 1,661 traps, 1,524 reports of 1,635 against 1,526,
            # each helper set of data/safety/ left out of training in turn)
            "C": 60.0,
            "random_seed": 7,
            # a symptom the rules found stands unless the model gives a report less than this
            "veto_below": 0.3,
            # ... and an emergency the rules found unless less than this (helper sets 147 to 221
            # left out five at a time and sets 222 to 234 before they were read: of 1,969 reports
            # the rules took for emergencies, the least likely a report was 0.30, and 24 of the 36
            # traps they took for emergencies were below 0.15, 14 below 0.05: stories, a blender,
            # a collapsed armchair, a concussion at 19. 0.15 against 0.05: false alarms 102 -> 99
            # of 5,067 and 51 -> 44 of 870, no report lost; on sets 240 to 244 before they were
            # read, 16 -> 14 of 360 traps, and the least likely of 114 such reports was 0.86)
            "emergency_veto_below": 0.15,
            # the model escalates on its own from this likelihood of a report, with evidence ...
            "report_with_evidence": 0.5,
            # ... and from this one without (0.55 against 0.6: reports 6,487 -> 6,491 of 6,531 and
            # 1,309 -> 1,311 of 1,340, false alarms the same, helper sets 147 to 221 left out five
            # at a time and sets 222 to 234 unread; on sets 240 to 244 unread, the same figures)
            "report_alone": 0.55,
            # an emergency this likely escalates, with at least this likelihood of a report (0.9
            # and 0.1: one more emergency of 1,389 and one more false alarm of 4,456 traps, helper
            # sets 147 to 206 left out five at a time; on sets 212 to 216, before they were
            # read, two more emergencies of 120 and no false alarm)
            "emergency_alone": 0.9,
            "emergency_alone_report": 0.1,
            # an escalated report this likely an emergency gets the urgent tier (0.3 against 0.4:
            # 611 emergencies of 624 got it instead of 609, and 117 of 2,185 escalated reports
            # instead of 114, each round of helper sets 82 to 111 left out of training in turn)
            "emergency_threshold": 0.3,
            # below this confidence a classifier guess of a symptom report does not escalate
            "fallback_escalation_threshold": 0.1,
            # a report taken back needs this confidence in the next best intent, else: fallback
            "demoted_intent_threshold": 0.35,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        report_model: Optional[Dict[str, Any]] = None,
    ) -> None:
        # (TrainedComponent's create and load build it; `save` below keeps `report_model`)
        super().__init__(config, model_storage, resource)
        self._report = ReportModel(report_model) if report_model else None
        self._rules: Optional[SymptomRules] = None

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The model depends on files outside the NLU data: the cases, the rules' files and code."""
        config = {**cls.get_default_config(), **config}
        digest = hashlib.sha256(str(super().fingerprint_addon(config)).encode())  # (the storage format)
        for path in sorted(_case_files(config)) + _rule_files(config) + _code_files():
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    def _rules_for(self, model: SpacyModel) -> SymptomRules:
        if self._rules is None:
            self._rules = SymptomRules.from_files(model.model, *_rule_files(self._config))
        return self._rules

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """The report model, from the NLU examples (report intents against the rest) and the cases."""
        labels = {REPORT_SYMPTOM: REPORT, REPORT_EMERGENCY: EMERGENCY_REPORT}
        examples = [
            (e.get(TEXT), labels.get(e.get(INTENT), NOT_A_REPORT), True)
            for e in training_data.intent_examples
            if e.get(TEXT) and e.get(INTENT)
        ]
        examples += [(text, label, False) for text, label in read_cases(_case_files(self._config))]
        if not {REPORT, EMERGENCY_REPORT} <= {label for _, label, _ in examples}:
            return self._resource  # nothing to learn from: the rules decide alone
        lemmas, readings, targets = [], [], []
        for (_, label, from_nlu), (words, finding, reading) in zip(
            examples, _read_all(self._rules_for(model), model, [text for text, _, _ in examples]), strict=True
        ):
            if from_nlu and label == NOT_A_REPORT and finding:
                # a topic question that also reports ("he's wiped out for two days after physio,
                # is that too much?") teaches the classifier which answer; it is no example of
                # a message that is no report
                continue
            lemmas.append(words)
            readings.append(reading)
            targets.append(label)
        self._report = ReportModel.train(
            lemmas,
            readings,
            targets,
            C=self._config["C"],
            seed=self._config["random_seed"],
        )
        save(self._storage, self._resource, {"report_model": self._report.parts})
        return self._resource

    def process_training_data(self, training_data: TrainingData, model: SpacyModel) -> TrainingData:
        return training_data

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        rules = self._rules_for(model)
        for message in messages:
            if not message.get(TEXT):
                continue
            doc = message.get(SPACY_DOCS[TEXT]) or _doc(model, message.get(TEXT))
            analysis = _read(rules, doc)
            intent = (message.get(INTENT) or {}).get("name")
            if self._report is None:
                self._decide_by_rules(message, analysis, intent)
            else:
                self._decide(
                    message, analysis, intent, self._report.probabilities(_lemmas(doc), analysis.reading)
                )
        return messages

    def _decide(
        self, message: Message, analysis: Analysis, intent: Optional[str], likelihood: Tuple[float, float]
    ) -> None:
        report, emergency = likelihood
        config = self._config
        finding = analysis.finding
        vetoed = (
            finding and report < config["emergency_veto_below" if finding.tier == EMERGENCY else "veto_below"]
        )
        if vetoed and not (finding.category == "weight_loss" and _WEIGHTS_COMPARED_READ in analysis.reading):
            finding = None
        escalate = finding is not None or report >= config["report_alone"]
        escalate = escalate or (analysis.evidence and report >= config["report_with_evidence"])
        escalate = escalate or (
            emergency >= config["emergency_alone"] and report >= config["emergency_alone_report"]
        )
        if not escalate:
            if intent in ESCALATING_INTENTS or intent == FALLBACK_INTENT and _best_is_report(message):
                self._demote(message)
            return
        if emergency >= config["emergency_threshold"]:
            finding = Finding(EMERGENCY, EMERGENCY, "an emergency")
        # (the tier is the rules' or the model's: the intent classifier's guess of an emergency,
        # from a hundred examples, is not trusted to raise one on its own)
        if finding:
            self._mark(message, finding, classifier_tier=False)
        else:
            set_intent(message, REPORT_SYMPTOM)

    def _decide_by_rules(self, message: Message, analysis: Analysis, intent: Optional[str]) -> None:
        if analysis.finding:
            self._mark(message, analysis.finding)
        elif intent in ESCALATING_INTENTS and not analysis.evidence:
            self._demote(message)
        elif intent == FALLBACK_INTENT and analysis.evidence:
            self._keep_classifier_escalation(message)

    def _mark(self, message: Message, finding: Finding, classifier_tier: bool = True) -> None:
        intent = REPORT_EMERGENCY if finding.tier == EMERGENCY else REPORT_SYMPTOM
        current = (message.get(INTENT) or {}).get("name")
        if classifier_tier and current == REPORT_EMERGENCY:
            intent = REPORT_EMERGENCY  # the classifier's more urgent tier wins (rules alone)
        set_intent(message, intent)
        entity = {
            "entity": "symptom",
            "value": finding.category,
            "start": 0,
            "end": len(message.get(TEXT)),
            "confidence": 1.0,
        }
        message.set(
            ENTITIES,
            message.get(ENTITIES, []) + self.add_extractor_name([entity]),
            add_to_output=True,
        )

    def _keep_classifier_escalation(self, message: Message) -> None:
        """The FallbackClassifier must not swallow a likely symptom report."""
        if (message.get(INTENT) or {}).get("name") != FALLBACK_INTENT:
            return
        best = _best_before_fallback(message)
        threshold = self._config["fallback_escalation_threshold"]
        if best and best["name"] in ESCALATING_INTENTS and best["confidence"] >= threshold:
            set_intent(message, REPORT_SYMPTOM)

    def _demote(self, message: Message) -> None:
        """Takes the classifier's best intent that is neither an escalation nor a fallback, when it
        is likely among those (its confidence given that the message is no report)."""
        threshold = self._config["demoted_intent_threshold"]
        others = [
            c
            for c in message.get(INTENT_RANKING_KEY) or []
            if c["name"] not in ESCALATING_INTENTS | {FALLBACK_INTENT}
        ]
        mass = sum(c["confidence"] for c in others)
        if others and mass > 0 and others[0]["confidence"] / mass >= threshold:
            set_intent(message, others[0]["name"], others[0]["confidence"] / mass)
            return
        set_intent(message, FALLBACK_INTENT, threshold)


def _doc(model: SpacyModel, text: str) -> Doc:
    return model.model(text.lower())  # (SpacyNLP's case_sensitive: false)


def _read(rules: SymptomRules, doc: Doc) -> Analysis:
    # (on a copy: the analysis leaves ConText's marks on the doc, which cannot be pickled, and
    # `rasa test nlu` deep-copies every message)
    return rules.analyse(doc.copy())


# what the worker processes of `_read_all` read with (set before they start, shared by fork)
_WORKER: Dict[str, Any] = {}


def _read_all(
    rules: SymptomRules, model: SpacyModel, texts: List[str]
) -> List[Tuple[str, bool, Tuple[str, ...]]]:
    """(lemmas, whether the rules found something, reading) of each text. Reading thousands of
    examples is most of the safety layer's training time, so each text is read once (the rules
    read it in lower case: an NLU example and a case are often the same words) and the reading
    is spread over the machine's cores."""
    unique = list(dict.fromkeys(text.lower() for text in texts))
    workers = min(len(os.sched_getaffinity(0)), 4)
    if workers < 2 or len(unique) < 1000:
        read = [_read_text(rules, model, text) for text in unique]
    else:
        _WORKER.update(rules=rules, model=model)
        chunks = [unique[i::workers] for i in range(workers)]
        with concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            parts = list(pool.map(_read_chunk, chunks))
        read = [None] * len(unique)
        for i, part in enumerate(parts):
            read[i::workers] = part
    readings = dict(zip(unique, read, strict=True))
    return [readings[text.lower()] for text in texts]


def _read_chunk(texts: List[str]) -> List[Tuple[str, bool, Tuple[str, ...]]]:
    return [_read_text(_WORKER["rules"], _WORKER["model"], text) for text in texts]


def _read_text(rules: SymptomRules, model: SpacyModel, text: str) -> Tuple[str, bool, Tuple[str, ...]]:
    doc = _doc(model, text)
    lemmas = _lemmas(doc)  # (as `process` reads them: before the rules split or correct words)
    analysis = rules.analyse(doc)  # (a doc of its own: no copy needed)
    return lemmas, analysis.finding is not None, analysis.reading


def _lemmas(doc: Doc) -> str:
    return " ".join(token.lemma_ or token.lower_ for token in doc)


def _best_is_report(message: Message) -> bool:
    best = _best_before_fallback(message)
    return bool(best) and best["name"] in ESCALATING_INTENTS


def _best_before_fallback(message: Message) -> Optional[Dict[str, Any]]:
    """The classifier's best intent other than the fallback it was turned into, if any."""
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != FALLBACK_INTENT]
    return ranking[0] if ranking else None


def _project_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else CONTENT.parent / path


def _rule_files(config: Dict[str, Any]) -> List[Path]:
    return [_project_path(config[key]) for key in ("patterns", "context_rules")]


def _case_files(config: Dict[str, Any]) -> List[Path]:
    folder = _project_path(config["cases"])
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def _code_files() -> List[Path]:
    here = Path(__file__).resolve().parent
    modules = ("report_model.py", "symptom_rules.py", "weight_change.py", "yaml_files.py")
    return [here / name for name in modules]
