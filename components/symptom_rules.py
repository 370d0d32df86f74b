"""Rule-based symptom detection over a spaCy doc (the safety layer's logic, free of Rasa).

Two data files decide, the code only runs them:
  - content/symptom_patterns.yml: WHAT is looked for: symptom phrases by category, emergency phrases
    and combinations ("breathless" with "at rest"), body parts, idioms that are no symptom;
  - content/context_rules.yml: in WHICH CONTEXT a mention is no report (denied, hypothetical, over,
    general, someone Pace is not helping, a question with no person in it). These are ConText rules,
    run by medspaCy's implementation of the clinical ConText algorithm.

Every phrase found becomes a target span; ConText attaches its modifiers; the `decision` table of
context_rules.yml turns each target's modifier categories into "reported" or not. Emergency phrases
need only not to be denied or over.

Typos: content/spelling.yml covers the common ones in the spaCy pipeline itself; any other word that
is not English (symspellpy's frequency dictionary) is looked up with symspellpy among the symptom and
body-part words (one edit away, two for long words). The cost per word is a few dictionary look-ups,
so a long message of gibberish costs milliseconds, not seconds.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Set, Tuple

import yaml
from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from symspellpy import SymSpell, Verbosity

CONTENT = Path(__file__).resolve().parent.parent / "content"
DEFAULT_PATTERNS = CONTENT / "symptom_patterns.yml"
DEFAULT_CONTEXT = CONTENT / "context_rules.yml"
# its medicines and supplements are treatments: a symptom named right next to one is a question
# about the treatment ("mexiletine for cramps", "morphine for breathlessness"), not a report
DEFAULT_TREATMENTS = CONTENT / "physician_topics.yml"
TREATMENT_GROUPS = ("medicines", "supplements")

EMERGENCY = "emergency"
SYMPTOM = "symptom"
SPAN_GROUP = "pace_targets"
QUESTION = "QUESTION"
# labels of target spans, besides "symptom:<category>"
_EMERGENCY, _BODY, _IDIOM, _WITH, _OXYGEN = "EMERGENCY", "BODY", "IDIOM", "WITH", "OXYGEN"
_QUOTES = {"'", '"', "“", "”", "‘", "’", "`"}
# a word is checked for typos only if it is this long (shorter words have too many neighbours)
_MIN_TYPO_LENGTH = 4
# words looked at for typos in one message: bounds the cost of a long message
_MAX_TYPO_WORDS = 400
# a sentence of at most this many words (with its full stop) that says something is over reads with
# the one before
_JOINED_UP_TO = 6
_ENDINGS = ("", "s", "es", "ed", "d", "ing", "y", "ness")


@dataclass(frozen=True)
class Finding:
    """What the safety layer found: the tier and the symptom category (never the message text)."""

    tier: str
    category: str
    label: str


@dataclass(frozen=True)
class Analysis:
    """What the safety layer read in one message."""

    finding: Finding | None
    # a symptom, emergency or body-part word stands in a context that does not rule a report out:
    # without it, a classifier's guess of a symptom report is not trusted
    evidence: bool
    # the reading in words, for the learned report model (components/report_model.py): each phrase
    # found ("S_symptom_pain") with the context categories ConText gave it ("M_HYPOTHETICAL", or
    # "M_NONE"), never the message's own words
    reading: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """The `decision` table of context_rules.yml."""

    not_a_report: FrozenSet[str]
    unless: Dict[str, FrozenSet[str]]
    questions_need: FrozenSet[str]

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Decision":
        return cls(
            frozenset(c.upper() for c in data.get("not_a_report") or []),
            {k.upper(): frozenset(c.upper() for c in v) for k, v in (data.get("unless") or {}).items()},
            frozenset(c.upper() for c in data.get("questions_need") or []),
        )

    def blocks(self, categories: Set[str]) -> bool:
        """True when these modifier categories say the mention is no report."""
        for category in categories & self.not_a_report:
            if not categories & self.unless.get(category, frozenset()):
                return True
        return QUESTION in categories and not categories & self.questions_need


def context_rules(data: Dict[str, Any]) -> List[ConTextRule]:
    """The ConTextRules of context_rules.yml: one per literal or pattern of each group."""
    rules = []
    for group in data.get("context_rules") or []:
        common = {k: v for k, v in group.items() if k not in ("literals", "patterns")}
        if "terminated_by" in common:
            common["terminated_by"] = set(common["terminated_by"])
        for literal in group.get("literals") or []:
            rules.append(ConTextRule(literal=_contraction_tail(str(literal)), **common))
        for number, pattern in enumerate(group.get("patterns") or [], start=1):
            literal = f"{group['category']} pattern {number}"
            rules.append(ConTextRule(literal=literal, pattern=pattern, **common))
    return rules


def treatment_rules(names: Iterable[str]) -> List[ConTextRule]:
    """A treatment up to three words from a symptom makes the mention a question about it (GENERIC);
    never an emergency ("took too many of his baclofen" is one)."""
    return [
        ConTextRule(
            literal=str(name).lower(),
            category="GENERIC",
            direction="BIDIRECTIONAL",
            max_scope=3,
            terminated_by={"CLAUSE_BREAK"},
            excluded_types={_EMERGENCY},
        )
        for name in names
    ]


def _contraction_tail(literal: str) -> str:
    """ "n't hold" as the rules match it: on its own spaCy leaves "n't" as it is, while in a message
    ("can't hold", "cant hold") its normal form is "not"."""
    return re.sub(r"(^|\s)n't\b", r"\1not", literal)


@lru_cache(maxsize=1)
def english_words() -> FrozenSet[str]:
    """The words of symspellpy's English frequency dictionary (82,765 words): never typos."""
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text()
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


class SymptomRules:
    """Finds symptom phrases, lets ConText qualify them and decides whether they are reported."""

    def __init__(
        self, nlp: Language, patterns: Dict[str, Any], context: Dict[str, Any], treatments: Iterable[str] = ()
    ) -> None:
        treatments = list(treatments)
        self._nlp = nlp
        self._matcher = Matcher(nlp.vocab)
        self._optional = sorted({str(w).lower() for w in patterns.get("optional_words") or []})
        # every word of the phrases, as written: never "corrected" into another
        self._phrase_words: Set[str] = set()
        self._labels: Dict[str, str] = {}
        # a symptom or body-part word in its usual forms -> (the word, its lemma), for typos
        self._typo_forms: Dict[str, Tuple[str, str]] = {}
        for category, spec in (patterns.get("symptoms") or {}).items():
            self._labels[category] = spec.get("label", category)
            self._add(f"symptom:{category}", spec.get("phrases") or [], typos=True)
            self._add(f"symptom:{category}:body", spec.get("with_body_part") or [])
        emergency = patterns.get("emergency") or {}
        self._add(_EMERGENCY, emergency.get("phrases") or [])
        self._combinations: List[Tuple[FrozenSet[str], str]] = []
        for number, combination in enumerate(emergency.get("combinations") or []):
            key = f"{_WITH}:{number}"
            self._add(key, combination.get("with") or [])
            self._combinations.append((frozenset(combination.get("symptoms") or []), key))
        oxygen = emergency.get("oxygen_readings") or {}
        self._add(_OXYGEN, oxygen.get("words") or [])
        self._oxygen_limit = float(oxygen.get("at_or_below", 0))
        self._oxygen_reach = int(oxygen.get("within", 4))
        self._oxygen_ends = frozenset(w.lower() for w in oxygen.get("ends_at") or [])
        self._weights = WeightsCompared.from_dict(patterns.get("weights_compared") or {})
        self._add(_BODY, patterns.get("body_parts") or [], typos=True)
        self._add(_IDIOM, patterns.get("idioms") or [])
        self._decision = Decision.from_dict(context.get("decision") or {})
        self._context = ConText(
            nlp,
            rules=None,
            # the word meant: "dont" reads as "do not", a misspelling as its correction
            phrase_matcher_attr="NORM",
            span_attrs=None,
            input_span_type="group",
            span_group_name=SPAN_GROUP,
            prune_on_target_overlap=True,
        )
        self._context.add(context_rules(context) + treatment_rules(treatments))
        self._speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for form in self._typo_forms:
            self._speller.create_dictionary_entry(form, 1)
        # ... and the medicines and supplements of the physician topics: "statins" is no "strains"
        self._english = (
            english_words()
            | {w for name in treatments for w in str(name).lower().split()}
            | self._phrase_words
        )

    @classmethod
    def from_files(
        cls,
        nlp: Language,
        patterns: Path = DEFAULT_PATTERNS,
        context: Path = DEFAULT_CONTEXT,
        treatments: Path = DEFAULT_TREATMENTS,
    ) -> "SymptomRules":
        topics = _read_yaml(treatments)
        names = [str(term) for group in TREATMENT_GROUPS for term in topics.get(group) or []]
        return cls(nlp, _read_yaml(patterns), _read_yaml(context), names)

    def _add(self, key: str, phrases: Iterable[str], typos: bool = False) -> None:
        patterns = []
        for phrase in phrases:
            doc = self._nlp(str(phrase).lower())
            # As few patterns as match the same (the Matcher tries every pattern at every word:
            # most of the safety layer's time). Written in its base form ("cramp"), a phrase
            # matches every form ("cramped") by lemma, misspellings included: content/spelling.yml
            # and the typo correction set the lemma of the word meant ("tierd").
            written = [t.lower_ for t in doc]
            self._phrase_words.update(written)
            if all(t.lower_ == t.lemma_.lower() for t in doc):
                patterns.append(self._between([{"LEMMA": word} for word in written]))
            else:
                # else as the word meant ("drained", "tierd"), and as written where a contraction
                # may mean another word ("n't" alone is no "not", but in "couldn't" it is)
                meant = [t.norm_ for t in doc]
                patterns.append(self._between([{"NORM": word} for word in meant]))
                if meant != written or any("'" in word for word in written):
                    patterns.append(self._between([{"LOWER": word} for word in written]))
            if typos and len(doc) == 1 and len(doc[0]) >= _MIN_TYPO_LENGTH:
                word = doc[0]
                for form in _forms(word.lower_) | _forms(word.lemma_.lower()):
                    self._typo_forms.setdefault(form, (word.norm_, word.lemma_.lower()))
        if patterns:
            self._matcher.add(key, patterns)

    def _between(self, tokens: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """The phrase's words, with the optional words of the patterns file allowed between them
        ("breathing is laboured" also matches "breathing is really laboured")."""
        if len(tokens) < 2 or not self._optional:
            return tokens
        optional = {"LOWER": {"IN": self._optional}, "OP": "*"}
        spaced: List[Dict[str, Any]] = []
        for token in tokens:
            if spaced:
                spaced.append(optional)
            spaced.append(token)
        return spaced

    def _correct_typos(self, doc: Doc) -> None:
        """Gives a misspelled symptom or body-part word the lemma of the word meant."""
        looked_at = 0
        for token in doc:
            word = token.lower_
            if len(word) < _MIN_TYPO_LENGTH or not word.isalpha() or word in self._english:
                continue
            if token.norm_ != word:  # content/spelling.yml already said which word was meant
                continue
            looked_at += 1
            if looked_at > _MAX_TYPO_WORDS:
                return
            limit = 2 if len(word) >= 7 else 1
            found = self._speller.lookup(word, Verbosity.TOP, max_edit_distance=limit)
            # (two slips and a different first letter is more often another word: "spareing" is
            # "sparing", not "paleing")
            if found and (found[0].distance < 2 or found[0].term[0] == word[0]):
                token.norm_, token.lemma_ = self._typo_forms[found[0].term]

    # ----------------------------------------------------------------------------------------
    def detect(self, doc: Doc) -> Finding | None:
        """Returns the most urgent finding in the doc, or None."""
        return self.analyse(doc).finding

    def analyse(self, doc: Doc) -> Analysis:
        """Reads the doc once: the finding, and whether there is evidence of a symptom at all."""
        self._correct_typos(doc)
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in self._matcher(doc)]
        idioms = [s for s in spans if s.label_ == _IDIOM]
        spans = [s for s in spans if s.label_ != _OXYGEN] + self._low_oxygen(doc, spans)
        spans += self._weights.loss(doc)
        targets = [s for s in spans if s.label_ != _IDIOM and not _inside_any(s, idioms)]
        # overlapping phrases ("chest pain" and "pain"): the longest stays, an emergency on a tie
        targets = sorted(targets, key=lambda s: s.label_ != _EMERGENCY)
        targets = filter_spans([s for s in targets if not s.label_.startswith(_WITH)])
        doc.spans[SPAN_GROUP] = targets
        self._context(doc)
        if _join_endings(doc, targets):
            self._context(doc)
        # (not inside an idiom: "blood pressure" is no bleeding)
        context_words = [s for s in spans if s.label_.startswith(_WITH) and not _inside_any(s, idioms)]
        bodies = [s for s in targets if s.label_ == _BODY]

        emergency, symptoms, evidence = False, [], False
        for span in doc.spans[SPAN_GROUP]:
            label = span.label_
            if not self._reported(span) or (label.endswith(":body") and not _near(span, bodies)):
                continue  # ("killing me" with no body part near is no symptom, nor evidence of one)
            evidence = True
            if label == _EMERGENCY:
                emergency = True
            elif label.startswith("symptom:"):
                category = label.split(":")[1]
                symptoms.append((span.start, category))
                if self._urgent_combination(span, category, context_words):
                    emergency = True
        finding = None
        if emergency:
            finding = Finding(EMERGENCY, EMERGENCY, "an emergency")
        elif symptoms:
            category = min(symptoms)[1]
            finding = Finding(SYMPTOM, category, self._labels[category])
        return Analysis(finding, evidence, _reading(doc.spans[SPAN_GROUP], finding, evidence))

    def _low_oxygen(self, doc: Doc, spans: List[Span]) -> List[Span]:
        """An oxygen reading at or below the limit ("sats at 84", "oximeter says 82%"), as an
        emergency phrase from the oxygen word to the number. The reading ends at the next other
        measurement named ("sats 97% on air, pulse 74" is no low reading)."""
        found = []
        for span in spans:
            if span.label_ != _OXYGEN:
                continue
            for token in doc[span.end : span.end + self._oxygen_reach]:
                if token.lower_ in self._oxygen_ends:
                    break
                if token.is_digit and 50 <= int(token.text) <= self._oxygen_limit:
                    found.append(Span(doc, span.start, token.i + 1, label=_EMERGENCY))
                    break
        return found

    def _reported(self, span: Span) -> bool:
        categories = {modifier.category for modifier in span._.modifiers}
        if span.label_ == _WEIGHTS_LOSS:
            categories.discard(HISTORICAL)  # (a weight compared is always one of the past)
        if self._decision.blocks(categories):
            return False
        return not _quoted(span)

    def _urgent_combination(self, span: Span, category: str, context_words: List[Span]) -> bool:
        for categories, key in self._combinations:
            if category in categories and any(
                w.label_ == key
                and w.sent.start == span.sent.start
                # (words besides the symptom's own: "a rash" alone is no rash with a rash)
                and (w.end <= span.start or span.end <= w.start)
                for w in context_words
            ):
                return True
        return False


# a weight with its unit ("62kg", "9st 4", "11 stone 2 lb"), or a number alone ("he was 67")
_WEIGHT = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)(?!\d|[.,]\d|\s*%)\s*([a-z]+)?(?:\s+(\d{1,2})(?![\d.,]))?",
    re.IGNORECASE,
)
_STONE_UNITS = {"st", "stone", "stones"}
_WEIGHTS_LOSS = "symptom:weight_loss:compared"
# a loss said with its amount: "dropped 10 lbs", "lost nearly 3 kilos", "down a stone"
_AMOUNT_WORDS = {
    "a": 1.0,
    "half a": 0.5,
    "a couple of": 2.0,
    "a few": 3.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
}
_STATED_LOSS = re.compile(
    r"\b(?:lost|losing|dropped|dropping|shed|down)\s+"
    r"(?:about |nearly |almost |over |around |roughly |another )?"
    r"(\d{1,3}(?:[.,]\d)?|half a|a couple of|a few|a|two|three|four|five|six|seven|eight|nine|ten)\s*"
    r"(kg|kgs|kilos?|kilograms?|lbs?|pounds?|st|stone)\b",
    re.IGNORECASE,
)
# two numbers alone are weights only in a message about weighing, and in this range
_WEIGHED = re.compile(r"\b(weigh|weighs|weighed|weighing|weight|scales)\b", re.IGNORECASE)
_BARE_WEIGHT = (30.0, 400.0)
HISTORICAL = "HISTORICAL"
# a number followed by one of these is no body weight ("30 mins", "3 days")
_NOT_WEIGHT_UNITS = frozenset(
    "g gram grams mg ml l cm mm m km mile miles min mins minute minutes sec secs second seconds hr hrs"
    " hour hours day days week weeks month months year years yr yrs yo rep reps set sets time times"
    " step steps bpm percent kcal calories am pm".split()
)


@dataclass(frozen=True)
class WeightsCompared:
    """The `weights_compared` section of symptom_patterns.yml: two body weights of one person, the
    later lower by at least `loss_at_least_percent` of the earlier, are a weight loss ("62kg
    today, he was 67 at christmas"). The earlier is the one with the nearer past word ("was",
    "christmas"), else the one without a word of now ("today"), else the one named first."""

    loss_at_least_percent: float = 0.0
    stated_loss_at_least_kg: float = 0.0
    kg_per_unit: Dict[str, float] = field(default_factory=dict)
    past: FrozenSet[str] = frozenset()
    now: FrozenSet[str] = frozenset()
    reach: int = 3

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "WeightsCompared":
        return cls(
            float(data.get("loss_at_least_percent") or 0.0),
            float(data.get("stated_loss_at_least_kg") or 0.0),
            {str(k).lower(): float(v) for k, v in (data.get("kg_per_unit") or {}).items()},
            frozenset(str(w).lower() for w in data.get("past") or []),
            frozenset(str(w).lower() for w in data.get("now") or []),
            int(data.get("within", 3)),
        )

    def loss(self, doc: Doc) -> List[Span]:
        """A symptom:weight_loss span from the first weight to the second, when they say a loss;
        or over a loss said with its amount ("dropped 10 lbs in 6 weeks")."""
        if not self.kg_per_unit:
            return []
        stated = self._stated_loss(doc)
        if stated:
            return stated
        weights = self._weights(doc)
        if len(weights) != 2:
            return []
        (first_kg, first), (second_kg, second) = weights
        first_when, second_when = self._when(doc, first), self._when(doc, second)
        if not first_when and not second_when:
            return []  # ("he is 80kg and I'm 62kg": two people, most likely)
        earlier_first = first_when <= second_when
        before, after = (first_kg, second_kg) if earlier_first else (second_kg, first_kg)
        if before - after < before * self.loss_at_least_percent / 100:
            return []
        return [Span(doc, first.start, second.end, label=_WEIGHTS_LOSS)]

    def _stated_loss(self, doc: Doc) -> List[Span]:
        found = []
        for match in _STATED_LOSS.finditer(doc.text):
            amount, unit = match.group(1).lower(), match.group(2).lower()
            number = _AMOUNT_WORDS[amount] if amount in _AMOUNT_WORDS else float(amount.replace(",", "."))
            if number * self.kg_per_unit.get(unit, 0.0) >= self.stated_loss_at_least_kg > 0:
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                found.append(Span(doc, span.start, span.end, label="symptom:weight_loss"))
        return found

    def _weights(self, doc: Doc) -> List[Tuple[float, Span]]:
        with_unit, bare = [], []
        for match in _WEIGHT.finditer(doc.text):
            amount = float(match.group(1).replace(",", "."))
            unit = (match.group(2) or "").lower()
            if unit in self.kg_per_unit:
                kg = amount * self.kg_per_unit[unit]
                end = match.end(2)
                if unit in _STONE_UNITS and match.group(3):
                    kg += float(match.group(3)) * self.kg_per_unit.get("lb", 0.0)
                    end = match.end(3)
                span = doc.char_span(match.start(1), end, alignment_mode="expand")
                with_unit.append((kg, span, amount, unit))
            elif unit not in _NOT_WEIGHT_UNITS:
                bare.append((amount, doc.char_span(match.start(1), match.end(1), alignment_mode="expand")))
        if not with_unit:
            # two numbers alone, said as weights ("weighed 58.4 last month, 55.1 this morning"):
            # compared as they are, whatever their unit
            plausible = [(n, span) for n, span in bare if _BARE_WEIGHT[0] <= n <= _BARE_WEIGHT[1]]
            if len(plausible) == 2 and _WEIGHED.search(doc.text):
                (a, _), (b, _) = plausible
                return plausible if abs(a - b) <= 0.3 * max(a, b) else []
            return []
        found = [(kg, span) for kg, span, _, _ in with_unit]
        # a number alone is a weight in the unit of the other, when it is near it ("62kg ... was 67")
        _, _, amount, unit = with_unit[0]
        if unit not in _STONE_UNITS:
            found += [
                (number * self.kg_per_unit[unit], span)
                for number, span in bare
                if abs(number - amount) <= 0.3 * amount
            ]
        return sorted(found, key=lambda pair: pair[1].start)

    def _when(self, doc: Doc, span: Span) -> int:
        """-1 said of the past, 1 of now, 0 neither: by the nearest such word within reach, in
        the same clause ("weight 58kg, was 62 in march": the "was" is the 62's)."""
        sides = (
            reversed(doc[max(0, span.start - self.reach) : span.start]),
            doc[span.end : span.end + self.reach],
        )
        best = None
        for side in sides:
            for distance, token in enumerate(side, start=1):
                if token.is_punct:
                    break
                word = token.lower_
                if (word in self.past or word in self.now) and (best is None or distance < best[0]):
                    best = (distance, -1 if word in self.past else 1)
                    break
        return best[1] if best else 0


def _join_endings(doc: Doc, targets: List[Span]) -> bool:
    """A short sentence that says something is over, and names no symptom of its own, reads with
    the one before ("Had a cramp in the pool. Gone in a minute."): ConText reads one sentence at a
    time. Only such an ending: "Still achy. Is that ok?" stays two sentences, and so does anything
    after an emergency. True when a sentence was joined (ConText then reads the doc again)."""
    endings = {
        m.modifier_span[0]
        for m in doc._.context_graph.modifiers
        if m.category == HISTORICAL and m.direction == "BACKWARD"
    }
    sentences = list(doc.sents)
    joined = False
    for before, sentence in zip(sentences, sentences[1:], strict=False):
        if len(sentence) > _JOINED_UP_TO or not any(sentence.start <= i < sentence.end for i in endings):
            continue
        if any(sentence.start <= t.start < sentence.end and t.label_ != _BODY for t in targets):
            continue
        if any(before.start <= t.start < before.end and t.label_ == _EMERGENCY for t in targets):
            continue
        doc[sentence.start].is_sent_start = False
        joined = True
    return joined


def _reading(targets: Iterable[Span], finding: "Finding | None", evidence: bool) -> Tuple[str, ...]:
    words = [f"F_{finding.tier if finding else 'none'}", f"EV_{evidence}"]
    for span in targets:
        label = "S_" + span.label_.replace(":", "_")
        categories = sorted({m.category for m in span._.modifiers})
        words += [label] + [f"M_{c}" for c in categories or ["NONE"]]
        words += [f"{label}_{c}" for c in categories]
    return tuple(words)


def _forms(word: str) -> Set[str]:
    """The word and its usual endings, so a misspelled "crampnig" is near "cramping"."""
    stem = word[:-1] if word.endswith("e") else word
    return {word + ending for ending in _ENDINGS} | {stem + "ing", stem + "ed"}


def _read_yaml(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _inside_any(span: Span, others: List[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _near(span: Span, bodies: List[Span], distance: int = 6) -> bool:
    """A body part within a few words, in the same sentence ("my back is killing me")."""
    return any(
        b.sent.start == span.sent.start
        and (abs(b.end - span.start) <= distance or abs(span.end - b.start) <= distance)
        for b in bodies
    )


def _quoted(span: Span) -> bool:
    """The words stand between quotes ("what does 'overwork weakness' mean")."""
    sentence = span.sent
    opening = sum(1 for t in span.doc[sentence.start : span.start] if t.text in _QUOTES)
    closing = any(t.text in _QUOTES for t in span.doc[span.end : sentence.end])
    return opening % 2 == 1 and closing
