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
body-part words and the words of the longer phrases (one edit away; two for long words, into a
one-word phrase only, and only when no phrase of another list is as near). The cost per word is a
few dictionary look-ups, so a long message of gibberish costs milliseconds, not seconds. A long word
that holds a symptom or body-part word and is no misspelling of one is split by symspellpy's word
segmentation ("chestpainbad", "shouldersore"), at most a few words a message. Two body weights, or a
loss said in numbers, are read by components/weight_change.py.
"""

import math
import re
from dataclasses import dataclass
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Optional, Set, Tuple

from medspacy.context import ConText, ConTextRule
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from symspellpy import SymSpell, Verbosity

from components.weight_change import WEIGHTS_COMPARED, WeightsCompared
from components.yaml_files import read_yaml

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
HISTORICAL, CURRENT, GENERIC = "HISTORICAL", "CURRENT", "GENERIC"
AFFIRMED, NEW = "AFFIRMED", "NEW"
EXPERIENCER = "EXPERIENCER"
# a clitic that a phrase may start with, its person the word before: "he" of "he's choking"
_CLITICS = {"'s", "'re", "'m", "'ve", "'d", "s", "re", "m", "ve"}
# labels of target spans, besides "symptom:<category>"
_EMERGENCY, _BODY, _IDIOM, _WITH = "EMERGENCY", "BODY", "IDIOM", "WITH"
# what counts even inside a quotation, when the quotation is someone's sentence: a plan ("translate
# into French: 'I love you all, don't look for me'. It's for the note I'm leaving tonight.")
_SAID_IN_EARNEST = {"symptom:intent"}
_QUOTES = {"'", '"', "“", "”", "‘", "’", "`"}
# the two words before a quote that make it someone's words: "she told me 'I can't go on'", "he
# says to me 'I'm a weight on you'"
_REPORTED_SPEECH = (
    {(verb, whom) for verb in ("told", "tells") for whom in ("me", "us")}
    | {(who, verb) for who in ("he", "she") for verb in ("said", "says")}
    | {("keeps", "saying"), ("kept", "saying"), ("to", "me"), ("to", "us")}
)
# a word is checked for typos only if it is this long (shorter words have too many neighbours)
_MIN_TYPO_LENGTH = 4
# words looked at for typos in one message: bounds the cost of a long message
_MAX_TYPO_WORDS = 400
# a word this long may be words run together ("shouldersore"); at most this many are tried in a
# message (each costs about a millisecond)
_MIN_RUN_TOGETHER, _MAX_RUN_TOGETHER = 8, 60
_MAX_SPLITS_TRIED = 4
# the most frequent English words, by symspellpy's dictionary, that words run together may be
_SEGMENTATION_WORDS = 30000
# a sentence of at most this many words (with its full stop) that says something is over reads with
# the one before; one that says it is so may be a little longer ("Mine still do, hours later.";
# "Started this morning after the physio came round.")
_JOINED_UP_TO = 6
_AFFIRMED_JOINED_UP_TO = 14
# ... and one that says something is over and opens with "it" or "mine" (the symptom before) or
# with the ending itself ("Went within the hour and it hasn't been back all week.") up to this many
# words
_BACK_REFERENCES = frozenset(
    {"it", "they", "that", "which", "mine", "hers"}
    | {"went", "gone", "stopped", "settled", "eased", "passed", "cleared"}
)
_BACK_REFERENCE_JOINED_UP_TO = 25
_ENDINGS = ("", "s", "es", "ed", "d", "ing", "y", "ness")
# a number a reading may be: whole or with one or two decimals ("38.2", "94")
_READING_NUMBER = re.compile(r"\d{1,3}(?:\.\d{1,2})?")


# the kinds of measurement read: the key under `emergency:`, whether high is bad, the numbers that
# can be one ("sats 97% on 2L" has no reading of 2); the same as make check's (which must not load
# spaCy to import them: a test keeps the two the same)
READING_KINDS = (
    ("oxygen_readings", False, (50, 100)),
    ("breathing_rate_readings", True, (5, 80)),
    ("temperature_readings", True, (34, 43)),
    ("consciousness_readings", False, (3, 15)),
)


@dataclass(frozen=True)
class Readings:
    """A kind of measurement read after its words ("sats 84", "RR 34 at rest"): its number at or
    beyond `limit` (below it for oxygen, above it for a breathing rate) is an emergency; its first
    number at or beyond `report_limit`, a symptom of the category `report_as`. Numbers outside
    `plausible` are something else ("sats 97% on 2L" has no 2% reading)."""

    key: str
    limit: float
    report_limit: float
    report_as: str
    reach: int
    ends: FrozenSet[str]
    high: bool
    plausible: Tuple[int, int]

    @classmethod
    def from_dict(cls, key: str, data: Dict[str, Any], high: bool, plausible: Tuple[int, int]) -> "Readings":
        limit, report = (
            ("at_or_above", "report_at_or_above") if high else ("at_or_below", "report_at_or_below")
        )
        return cls(
            key,
            float(data.get(limit, plausible[1] + 1 if high else 0)),
            float(data.get(report, plausible[1] + 1 if high else 0)),
            str(data.get("report_as", "")),
            int(data.get("within", 4)),
            frozenset(w.lower() for w in data.get("ends_at") or []),
            high,
            plausible,
        )

    def _beyond(self, number: float, limit: float) -> bool:
        return number >= limit if self.high else number <= limit

    def spans(self, doc: Doc, spans: List[Span]) -> List[Span]:
        """An emergency phrase from the measurement's words to a number beyond the limit; a
        symptom from them to the first number, when it is beyond the report limit. The reading
        ends at the next other measurement named ("sats 97% on air, pulse 74" is no low reading)."""
        found = []
        for span in spans:
            if span.label_ != self.key:
                continue
            first = True
            for token in doc[span.end : span.end + self.reach]:
                if token.lower_ in self.ends:
                    break
                number = _number(token.text)
                if number is None or not self.plausible[0] <= number <= self.plausible[1]:
                    continue
                if self._beyond(number, self.limit):
                    found.append(Span(doc, span.start, token.i + 1, label=_EMERGENCY))
                    break
                if first and self._beyond(number, self.report_limit):
                    found.append(Span(doc, span.start, token.i + 1, label=f"symptom:{self.report_as}"))
                first = False
        return found


def _number(text: str) -> float | None:
    """A reading's number: "38", "38.2" (not "2L", "97%" is two tokens)."""
    return float(text) if _READING_NUMBER.fullmatch(text) else None


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


def treatment_rules(names: Iterable[str], also_never: Iterable[str] = ()) -> List[ConTextRule]:
    """A treatment up to three words from a symptom makes the mention a question about it (GENERIC);
    never an emergency ("took too many of his baclofen" is one), nor the `also_never` span labels
    (a plan's words: "made my arrangements, the morphine is ready")."""
    never = {_EMERGENCY, *also_never}
    return [
        ConTextRule(
            literal=str(name).lower(),
            category=GENERIC,
            direction="BIDIRECTIONAL",
            max_scope=3,
            terminated_by={"CLAUSE_BREAK"},
            excluded_types=never,
        )
        for name in names
    ]


def _contraction_tail(literal: str) -> str:
    """ "n't hold" as the rules match it: on its own spaCy leaves "n't" as it is, while in a message
    ("can't hold", "cant hold") its normal form is "not"."""
    return re.sub(r"(^|\s)n't\b", r"\1not", literal)


def _english_frequencies() -> Dict[str, int]:
    """symspellpy's English words (82,765) and their counts, most frequent first: read once while
    the rules are built, not kept."""
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text()
    pairs = (line.split(" ", 1) for line in text.splitlines() if line)
    return {word: int(count) for word, count in pairs}


class RareWordMatcher:
    """spaCy's Matcher, run only with the patterns whose rarest word is in the doc.

    The Matcher starts every pattern at every word of the doc, so with thousands of phrases its
    time is words x patterns, most of the safety layer's time (and of the report model's
    training, which reads every labelled case). Here `build` puts each pattern in a small Matcher
    of the patterns keyed by the same word: the rarest word the pattern cannot match without (a
    LEMMA, NORM or LOWER of one value; "the" as any of the three is one word). A doc runs only the
    Matchers of its own words: "the chest" runs when "chest" is in the doc, not whenever "the"
    is. A Matcher whose patterns begin with its word reads from that word's first place on, the
    others the whole doc; a pattern without such a word runs always. The matches are those of
    one Matcher, in its order (by end, then start, then pattern).
    """

    _ATTRS = {"LEMMA": "lemma_", "NORM": "norm_", "LOWER": "lower_"}

    def __init__(self, vocab: Any) -> None:
        self._vocab = vocab
        self._added: List[Tuple[str, List[Dict[str, Any]]]] = []
        self._beginning: Dict[str, Matcher] = {}  # patterns that begin with their word
        self._within: Dict[str, Matcher] = {}  # the others
        self._always = Matcher(vocab)
        self._order: Dict[int, int] = {}  # match id -> the order its key was first added in

    def add(self, key: str, patterns: List[List[Dict[str, Any]]]) -> None:
        """Keeps the patterns for `build`."""
        match_id = self._vocab.strings.add(key)
        self._order.setdefault(match_id, len(self._order))
        self._added += [(key, pattern) for pattern in patterns]

    def build(self, frequencies: Dict[str, int]) -> None:
        """Puts the patterns added so far in their Matchers. How rare a word is: its count in
        `frequencies` (English words); a word not among them is rare, one without a letter ("'s")
        common."""

        def count(word: str) -> float:
            return frequencies.get(word, 0) if any(c.isalpha() for c in word) else math.inf

        for key, pattern in self._added:
            words = [(count(word), place, word) for place, word in self._words(pattern)]
            matcher = self._always
            if words:
                _, place, word = min(words)  # (the rarest; of equally rare ones, the first)
                by_word = self._beginning if place == 0 else self._within
                matcher = by_word.setdefault(word, Matcher(self._vocab))
            matcher.add(key, [pattern])
        self._added = []

    @classmethod
    def _words(cls, pattern: List[Dict[str, Any]]) -> Iterator[Tuple[int, str]]:
        """(place, word) of each token of the pattern that is one word, neither optional nor one of
        several."""
        for place, token in enumerate(pattern):
            if len(token) == 1:
                ((attr, value),) = token.items()
                if attr in cls._ATTRS and isinstance(value, str):
                    yield place, value

    def __call__(self, doc: Doc) -> List[Tuple[int, int, int]]:
        if self._added:
            raise RuntimeError("RareWordMatcher: patterns added since the last build()")
        first: Dict[str, int] = {}  # each word's first place in the doc, as any of the attributes
        for token in reversed(doc):
            for name in self._ATTRS.values():
                first[getattr(token, name)] = token.i
        found: Set[Tuple[int, int, int]] = set()
        for word, at in first.items():
            # (a Matcher's cost is the length of what it reads)
            if word in self._beginning:
                matches = self._beginning[word](doc[at:])
                found.update((match_id, start + at, end + at) for match_id, start, end in matches)
            if word in self._within:
                found.update(self._within[word](doc))
        if len(self._always):  # (an empty Matcher warns at every call)
            found.update(self._always(doc))
        return sorted(found, key=lambda m: (m[2], m[1], self._order[m[0]]))


class SymptomRules:
    """Finds symptom phrases, lets ConText qualify them and decides whether they are reported."""

    def __init__(
        self, nlp: Language, patterns: Dict[str, Any], context: Dict[str, Any], treatments: Iterable[str] = ()
    ) -> None:
        treatments = list(treatments)
        self._nlp = nlp
        self._matcher = RareWordMatcher(nlp.vocab)
        self._optional = sorted({str(w).lower() for w in patterns.get("optional_words") or []})
        # every word of the phrases, as written: never "corrected" into another
        self._phrase_words: Set[str] = set()
        self._labels: Dict[str, str] = {}
        # a symptom or body-part word in its usual forms -> (the word, its lemma), for typos
        self._typo_forms: Dict[str, Tuple[str, str]] = {}
        # the words of the longer phrases as written: typos of them are corrected too, but a form
        # of a one-word phrase as near wins ("droppd" is "dropd", a phrase, more than "dropped")
        self._word_forms: Dict[str, Tuple[str, str]] = {}
        # which lists (symptom categories, emergency, body parts) a one-word phrase's form is in
        self._typo_lists: Dict[str, Set[str]] = {}
        # categories that say nothing on their own ("ready for tonight"), only in an emergency's combination
        self._only_combined: Set[str] = set()
        # categories named back only when nothing else was found ("c/o": "c/o pain R knee" is pain)
        self._named_last: Set[str] = set()
        for category, spec in (patterns.get("symptoms") or {}).items():
            self._labels[category] = spec.get("label", category)
            if spec.get("only_in_combination"):
                self._only_combined.add(category)
            if spec.get("named_last"):
                self._named_last.add(category)
            self._add(f"symptom:{category}", spec.get("phrases") or [], typos=True)
            self._add(f"symptom:{category}:body", spec.get("with_body_part") or [])
        emergency = patterns.get("emergency") or {}
        self._add(_EMERGENCY, emergency.get("phrases") or [], typos=True)
        # (categories, key of the `with` words, the categories whose mentions count as such words,
        # whether they count anywhere in the message)
        self._combinations: List[Tuple[FrozenSet[str], str, FrozenSet[str], bool]] = []
        for number, combination in enumerate(emergency.get("combinations") or []):
            key = f"{_WITH}:{number}"
            self._add(key, combination.get("with") or [])
            anywhere = combination.get("within") == "message"
            self._combinations.append(
                (
                    frozenset(combination.get("symptoms") or []),
                    key,
                    frozenset(combination.get("with_symptoms") or []),
                    anywhere,
                )
            )
        self._readings = [
            Readings.from_dict(key, emergency.get(key) or {}, high, plausible)
            for key, high, plausible in READING_KINDS
        ]
        for readings in self._readings:
            self._add(readings.key, (emergency.get(readings.key) or {}).get("words") or [])
        self._reading_keys = frozenset(readings.key for readings in self._readings)
        self._weights = WeightsCompared.from_dict(patterns.get("weights_compared") or {})
        self._add(_BODY, patterns.get("body_parts") or [], typos=True)
        self._add(_IDIOM, patterns.get("idioms") or [])
        self._decision = Decision.from_dict(context.get("decision") or {})
        # the one-word persons of the EXPERIENCER rules: a phrase with one in it names its person,
        # which ConText cannot attach to it ("'s choking" of "he's choking" hides "he's")
        self._persons = {
            str(literal).lower()
            for group in context.get("context_rules") or []
            if group.get("category") == EXPERIENCER
            for literal in group.get("literals") or []
            if " " not in str(literal) and "'" not in str(literal)
        }
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
        combined_only = [f"symptom:{category}" for category in self._only_combined]
        self._context.add(context_rules(context) + treatment_rules(treatments, combined_only))
        self._speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for form in self._word_forms:
            self._speller.create_dictionary_entry(form, 1)
        for form in self._typo_forms:
            self._speller.create_dictionary_entry(form, 2)
        # words never taken for typos: English ones (symspellpy's dictionary), the phrases' own, and
        # the medicines and supplements of the physician topics ("statins" is no "strains")
        frequencies = _english_frequencies()
        self._matcher.build(frequencies)
        self._english = (
            frozenset(frequencies)
            | {w for name in treatments for w in str(name).lower().split()}
            | self._phrase_words
        )
        # words run together ("chestpainbad", "handsweaker"): symspellpy's word segmentation over its
        # English dictionary, where the symptom and body-part words count as the most frequent.
        # It looks words up exactly (edit distance 0), which reads only the words, never the
        # prefixes' deletes: a prefix of one letter keeps those to a few dozen (23 MB less than 7)
        self._segmenter = SymSpell(max_dictionary_edit_distance=0, prefix_length=1)
        for word, count in islice(frequencies.items(), _SEGMENTATION_WORDS):
            self._segmenter.create_dictionary_entry(word, count)
        self._ours = {w for w in self._phrase_words | set(self._typo_forms) if w.isalpha() and len(w) >= 4}
        most = max(frequencies.values())
        for word in self._ours:
            self._segmenter.create_dictionary_entry(word, most)

    @classmethod
    def from_files(
        cls,
        nlp: Language,
        patterns: Path = DEFAULT_PATTERNS,
        context: Path = DEFAULT_CONTEXT,
        treatments: Path = DEFAULT_TREATMENTS,
    ) -> "SymptomRules":
        topics = read_yaml(treatments)
        names = [str(term) for group in TREATMENT_GROUPS for term in topics.get(group) or []]
        return cls(nlp, read_yaml(patterns), read_yaml(context), names)

    def _add(self, key: str, phrases: Iterable[str], typos: bool = False) -> None:
        patterns = []
        for phrase in phrases:
            # ("n't squeeze" is "not squeeze", so that it also matches "cant squeeze")
            doc = self._nlp(_contraction_tail(str(phrase).lower()))
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
                    self._typo_lists.setdefault(form, set()).add(key)
            elif typos:
                # the words of a longer phrase as written ("cryin alot" is "crying a lot")
                for word in doc:
                    if len(word) >= _MIN_TYPO_LENGTH and word.is_alpha:
                        self._word_forms.setdefault(word.lower_, (word.norm_, word.lemma_.lower()))
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

    def _split_run_together(self, doc: Doc) -> None:
        """Splits a word that is no English word but symptom or body-part words run together
        ("mylegsareachingsincephysio", "chestpainbad"), as people who type with difficulty write;
        then the pipeline reads the new words again (sentences, lemmas, spelling)."""
        splits, tried = [], 0
        for token in doc:
            word = token.lower_
            if not _MIN_RUN_TOGETHER <= len(word) <= _MAX_RUN_TOGETHER or not word.isalpha():
                continue
            if word in self._english or not self._has_our_word(word) or self._typo_of(word):
                continue  # ("twiching" is a misspelt "twitching", not "twi ching")
            parts = self._segmenter.word_segmentation(word, max_edit_distance=0).corrected_string.split()
            if len(parts) > 1 and "".join(parts) == word:
                splits.append((token, parts))
            tried += 1
            if tried == _MAX_SPLITS_TRIED:
                break
        if not splits:
            return
        with doc.retokenize() as retokenizer:
            for token, parts in splits:
                # (no lemma yet: the first part would keep the whole word's, "twitchingallnight")
                retokenizer.split(
                    token,
                    parts,
                    heads=[(token, i) for i in range(len(parts))],
                    attrs={"LEMMA": [""] * len(parts)},
                )
        for name in ("sentencizer", "lemmatizer", "attribute_ruler"):
            if name in self._nlp.pipe_names:
                self._nlp.get_pipe(name)(doc)

    def _has_our_word(self, word: str) -> bool:
        """A symptom or body-part word of four letters or more is inside `word`."""
        return any(
            word[start:end] in self._ours
            for start in range(len(word) - 3)
            for end in range(start + 4, len(word) + 1)
        )

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
            meant = self._typo_of(word)
            if meant is not None:
                token.norm_, token.lemma_ = self._typo_forms.get(meant) or self._word_forms[meant]

    def _typo_of(self, word: str) -> str | None:
        """The symptom or body-part word (a form of it) that `word` misspells, if any."""
        limit = 2 if len(word) >= 7 else 1
        found = self._speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=limit)
        if not found or found[0].distance < 2:
            return found[0].term if found else None
        # Two slips: only into a one-word phrase with the same first letter (more often another
        # word: "spareing" is "sparing", not "paleing"), and only when its near phrases are all of
        # one list ("slurrier": "slurred" or "slurry", speech both; "spareing": "spurting" or
        # "spasming", an emergency or a cramp, so neither)
        meant = [f.term for f in found if f.term[0] == word[0] and f.term in self._typo_forms]
        if not meant or len({key for term in meant for key in self._typo_lists[term]}) > 1:
            return None
        return meant[0]

    # ----------------------------------------------------------------------------------------
    def detect(self, doc: Doc) -> Finding | None:
        """Returns the most urgent finding in the doc, or None."""
        return self.analyse(doc).finding

    def analyse(self, doc: Doc) -> Analysis:
        """Reads the doc once: the finding, and whether there is evidence of a symptom at all."""
        self._split_run_together(doc)
        self._correct_typos(doc)
        spans = [Span(doc, start, end, label=match_id) for match_id, start, end in self._matcher(doc)]
        idioms = [s for s in spans if s.label_ == _IDIOM]
        spans = [s for s in spans if s.label_ not in self._reading_keys] + [
            found for readings in self._readings for found in readings.spans(doc, spans)
        ]
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

        # ("killing me" with no body part near is no symptom, nor evidence of one)
        mentions = [
            (span, span.label_.split(":")[1] if span.label_.startswith("symptom:") else None)
            for span in doc.spans[SPAN_GROUP]
            if self._reported(span) and not (span.label_.endswith(":body") and not _near(span, bodies))
        ]
        emergency, symptoms, evidence = False, [], False
        for span, category in mentions:
            label = span.label_
            urgent = category is not None and self._urgent(span, category, context_words, mentions)
            if category in self._only_combined and not urgent:
                continue  # ("ready for tonight" alone says nothing)
            evidence = True
            emergency = emergency or urgent or label == _EMERGENCY
            if category:
                symptoms.append((span.start, category))
        finding = None
        if emergency:
            finding = Finding(EMERGENCY, EMERGENCY, "an emergency")
        elif symptoms:
            category = min(symptoms, key=lambda found: (found[1] in self._named_last, found[0]))[1]
            finding = Finding(SYMPTOM, category, self._labels[category])
        return Analysis(finding, evidence, _reading(doc.spans[SPAN_GROUP], finding, evidence))

    def _reported(self, span: Span) -> bool:
        categories = {modifier.category for modifier in span._.modifiers}
        if self._names_person(span):
            categories.add(EXPERIENCER)
        if span.label_ == WEIGHTS_COMPARED:
            # (a weight compared is always one of the past, and two weights are someone's, even in
            # a question: "she was 61 kg at christmas and 56 now - how much protein?")
            categories -= {HISTORICAL, GENERIC}
        if self._decision.blocks(categories):
            return False
        opening = _named_quotation(span)
        if opening is None:
            return True
        # a quotation that names a person is someone's sentence ("'I am sorry, don't look for
        # me'", not "what does 'end it' mean")
        return span.label_ in _SAID_IN_EARNEST and any(
            t.lower_ in self._persons for t in span.doc[opening : span.start]
        )

    def _names_person(self, span: Span) -> bool:
        """The phrase's own words name its person: "he's choking" ("'s choking" after "he")."""
        if any(token.lower_ in self._persons for token in span):
            return True
        before = span.doc[span.start - 1] if span.start > 0 else None
        return before is not None and span[0].lower_ in _CLITICS and before.lower_ in self._persons

    def _urgent(
        self,
        span: Span,
        category: str,
        context_words: List[Span],
        mentions: List[Tuple[Span, Optional[str]]],
    ) -> bool:
        for categories, key, with_categories, anywhere in self._combinations:
            if category not in categories:
                continue
            others = [w for w in context_words if w.label_ == key]
            others += [other for other, other_category in mentions if other_category in with_categories]
            if any(
                (anywhere or w.sent.start == span.sent.start)
                # (words besides the symptom's own: "a rash" alone is no rash with a rash)
                and (w.end <= span.start or span.end <= w.start)
                for w in others
            ):
                return True
        return False


def _join_endings(doc: Doc, targets: List[Span]) -> bool:
    """A short sentence that says something is over, or that it is so, and names no symptom of its
    own, reads with the one before ("Had a cramp in the pool. Gone in a minute."; "Can I do
    anything about being puffed out? It's new."): ConText reads one sentence at a time. Only such
    an ending: "Still achy. Is that ok?" stays two sentences, and so does anything after an
    emergency. A longer ending joins when it opens with "it", the symptom before ("Had a cramp on
    the bike. It went after a couple of minutes and I've had no trouble since."), and so does one
    that says it is back ("Back spasms years ago. They've come back since Monday."). True when a
    sentence was joined (ConText then reads the doc again)."""
    endings = {
        m.modifier_span[0]: _AFFIRMED_JOINED_UP_TO if m.category in (AFFIRMED, NEW) else _JOINED_UP_TO
        for m in doc._.context_graph.modifiers
        if (m.category == HISTORICAL and m.direction == "BACKWARD") or m.category in (AFFIRMED, NEW)
    }
    # (a symptom back or worse, in words that reach a few words: not "since", which would reach
    # all the sentence before)
    returns = [
        m.modifier_span[0]
        for m in doc._.context_graph.modifiers
        if m.category == CURRENT and m.max_scope is not None
    ]
    sentences = list(doc.sents)
    joined = False
    for before, sentence in zip(sentences, sentences[1:], strict=False):
        limits = [up_to for i, up_to in endings.items() if sentence.start <= i < sentence.end]
        # ("Got a cramp on the bike. It went after a couple of minutes and I've had no trouble
        # since.": the "it" is the cramp; "Back spasms years ago. They've come back since
        # Monday.": a symptom of the past before, not a question, which the sentence may answer)
        if sentence[0].lower_ in _BACK_REFERENCES and (
            limits
            or before[-1].text != "?"
            and any(sentence.start <= i < sentence.end for i in returns)
            and any(_of_the_past(t) for t in targets if before.start <= t.start < before.end)
        ):
            limits = [_BACK_REFERENCE_JOINED_UP_TO]
        if not limits or len(sentence) > min(limits):
            continue
        if any(sentence.start <= t.start < sentence.end and t.label_ != _BODY for t in targets):
            continue
        if any(before.start <= t.start < before.end and t.label_ == _EMERGENCY for t in targets):
            continue
        doc[sentence.start].is_sent_start = False
        joined = True
    return joined


def _of_the_past(span: Span) -> bool:
    return any(m.category == HISTORICAL for m in span._.modifiers)


def read_label(label: str) -> str:
    """A phrase's label as the reading names it ("symptom:weight_loss:compared" is
    "S_symptom_weight_loss_compared")."""
    return "S_" + label.replace(":", "_")


def _reading(targets: Iterable[Span], finding: "Finding | None", evidence: bool) -> Tuple[str, ...]:
    words = [f"F_{finding.tier if finding else 'none'}", f"EV_{evidence}"]
    for span in targets:
        label = read_label(span.label_)
        categories = sorted({m.category for m in span._.modifiers})
        words += [label] + [f"M_{c}" for c in categories or ["NONE"]]
        words += [f"{label}_{c}" for c in categories]
    return tuple(words)


def _forms(word: str) -> Set[str]:
    """The word and its usual endings, so a misspelled "crampnig" is near "cramping"."""
    stem = word[:-1] if word.endswith("e") else word
    return {word + ending for ending in _ENDINGS} | {stem + "ing", stem + "ed"}


def _inside_any(span: Span, others: List[Span]) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _near(span: Span, bodies: List[Span], distance: int = 6) -> bool:
    """A body part within a few words, in the same sentence ("my back is killing me")."""
    return any(
        b.sent.start == span.sent.start
        and (abs(b.end - span.start) <= distance or abs(span.end - b.start) <= distance)
        for b in bodies
    )


def _named_quotation(span: Span) -> Optional[int]:
    """Where the quotation opens, when the words stand between quotes as words named ("what does
    'overwork weakness' mean"), not as someone's words reported ("she told me 'I'd rather not wake
    up'"); None when they are not quoted so."""
    sentence = span.sent
    quotes = [t for t in span.doc[sentence.start : span.start] if t.text in _QUOTES]
    closing = any(t.text in _QUOTES for t in span.doc[span.end : sentence.end])
    if len(quotes) % 2 == 0 or not closing:
        return None
    opening = quotes[-1].i
    if tuple(t.lower_ for t in span.doc[max(opening - 2, 0) : opening]) in _REPORTED_SPEECH:
        return None
    return opening
