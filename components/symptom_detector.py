"""Rasa NLU component: the rule-based safety layer on top of the trained classifier.

It runs after DIETClassifier and FallbackClassifier. When the rules (components/symptom_rules.py,
reading content/symptom_patterns.yml and content/context_rules.yml) find a symptom report, the intent
becomes `report_symptom` (or `report_emergency`) whatever the classifier said, and a `symptom` entity
carries the category so Pace can say it back.

The classifier alone cannot raise an alarm: its guess of a symptom report or an emergency stands only
when the rules see evidence of a body or a symptom in a context that does not rule a report out (a
body part, a symptom word not denied, not hypothetical, not over, not general). Without it ("how do I
make a sourdough starter", "he weighs 200 pounds", "not tired, not sore, nothing hurts") the
classifier's next best intent is taken instead. With it, an unsure classifier still errs on the safe
side: a fallback whose best guess was a report escalates as a symptom report.
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import StatelessComponent, set_intent
from components.symptom_rules import (
    CONTENT,
    DEFAULT_CONTEXT,
    DEFAULT_PATTERNS,
    EMERGENCY,
    Finding,
    SymptomRules,
)

REPORT_SYMPTOM = "report_symptom"
REPORT_EMERGENCY = "report_emergency"
ESCALATING_INTENTS = {REPORT_SYMPTOM, REPORT_EMERGENCY}
FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SymptomDetector(StatelessComponent, EntityExtractorMixin):
    """Marks a message as a symptom report when the rule-based layer finds one."""

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
            # below this confidence a classifier guess of a symptom report does not escalate
            "fallback_escalation_threshold": 0.1,
            # a report taken back needs this confidence in the next best intent, else: fallback
            "demoted_intent_threshold": 0.35,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        super().__init__(config)
        self._rules: Optional[SymptomRules] = None

    def _rules_for(self, model: SpacyModel) -> SymptomRules:
        if self._rules is None:
            paths = [Path(self._config[key]) for key in ("patterns", "context_rules")]
            paths = [p if p.is_absolute() else CONTENT.parent / p for p in paths]
            self._rules = SymptomRules.from_files(model.model, *paths)
        return self._rules

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        rules = self._rules_for(model)
        for message in messages:
            if not message.get(TEXT):
                continue
            doc = message.get(SPACY_DOCS[TEXT]) or model.model(message.get(TEXT).lower())
            # (on a copy: the analysis leaves ConText's marks on the doc, which cannot be pickled,
            # and `rasa test nlu` deep-copies every message)
            analysis = rules.analyse(doc.copy())
            intent = (message.get(INTENT) or {}).get("name")
            if analysis.finding:
                self._mark(message, analysis.finding)
            elif intent in ESCALATING_INTENTS and not analysis.evidence:
                self._demote(message)
            elif intent == FALLBACK_INTENT and analysis.evidence:
                self._keep_classifier_escalation(message)
        return messages

    def _mark(self, message: Message, finding: Finding) -> None:
        intent = REPORT_EMERGENCY if finding.tier == EMERGENCY else REPORT_SYMPTOM
        current = (message.get(INTENT) or {}).get("name")
        if current == REPORT_EMERGENCY:
            intent = REPORT_EMERGENCY  # the classifier's more urgent tier wins
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
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r["name"] != FALLBACK_INTENT]
        if not ranking:
            return
        best = ranking[0]
        threshold = self._config["fallback_escalation_threshold"]
        if best["name"] in ESCALATING_INTENTS and best["confidence"] >= threshold:
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
