"""Rule-based symptom detection over a spaCy doc (the safety layer's logic, free of Rasa).

A message is a symptom report when a symptom phrase from content/symptom_patterns.yml stands in a
clause that reports an experience:
  - not negated ("no pain"), quoted ("'overwork weakness'"), hypothetical ("if I get cramps") or
    preceded by "before", "avoid" and the like;
  - in a statement, with somebody, a body part or a time in the clause ("my calves", "since Monday"),
    or the symptom opening the clause ("toes cramping"), and no word that shows the person is talking
    about symptoms in general ("causes", "means", "signs");
  - in a question, only with a person tied to it ("why do my legs hurt", "is it normal I feel tired").
Emergency phrases ("can't breathe", "turning blue") need no anchor, only not to be negated.

Typos: content/spelling.yml covers the common ones in the spaCy pipeline itself; any other word
that is not common English (common_words.txt, written by scripts/build_spacy.py) and is one edit
away from a symptom or body-part word (two for long words) is read as that word.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set, Tuple

import yaml
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

DEFAULT_PATTERNS = Path(__file__).resolve().parent.parent / "content" / "symptom_patterns.yml"

EMERGENCY = "emergency"
SYMPTOM = "symptom"

_CLAUSE_BREAKS = {",", ";", ":", "—", "–", "(", ")", "but", "?", "!", "."}
_QUOTES = {"'", '"', "“", "”", "‘", "’", "`"}
_FILLERS = {"so", "and", "also", "ok", "okay", "alright", "well", "oh", "hi", "hey", "um", "hmm"}
_POSSESSIVES = {"my", "his", "her", "our", "their", "'s", "’s"}
_SUBJECTS = {"i", "he", "she", "we", "they", "i'm", "im"}
_EXPERIENCE_VERBS = {"feel", "be", "get", "keep", "have", "start", "wake", "go", "'m", "'s", "am"}
_PRECEDING_BLOCKERS = {"before", "until", "avoid", "prevent", "reduce", "of", "against", "about"}
_NEGATION_RELEASES = {"stop", "quit", "go", "ease", "settle", "help"}
_BREATH_OR_CHOKE = {"breathing", "swallowing"}
COMMON_WORDS_FILE = "common_words.txt"
_SUFFIXES = ("", "s", "es", "ed", "d", "ing", "y", "ness")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours counts as one edit), capped."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: List[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


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
    mentions_symptom: bool  # a symptom or emergency phrase occurs, reported or not
    only_negated: bool  # there are such phrases and every one is denied ("no cramps")


class SymptomRules:
    """Matches symptom, emergency, anchor and blocker phrases and decides per clause."""

    def __init__(self, nlp: Language, patterns: Dict[str, Any], common_words: Set[str] | None = None) -> None:
        self._nlp = nlp
        self._common_words = common_words if common_words is not None else _load_common_words(nlp)
        self._typo_targets: Dict[str, str] = {}
        self._labels: Dict[str, str] = {}
        self._matcher = Matcher(nlp.vocab)
        self._phrase_sets: Dict[str, List[Tuple[str, ...]]] = {}
        for category, spec in (patterns.get("symptoms") or {}).items():
            self._labels[category] = spec.get("label", category)
            self._add(f"symptom:{category}", spec.get("phrases") or [])
            self._add_typo_targets(spec.get("phrases") or [])
        emergency = patterns.get("emergency") or {}
        self._add(EMERGENCY, emergency.get("phrases") or [])
        self._add("distress", emergency.get("distress") or [])
        anchors = patterns.get("anchors") or {}
        for kind in ("persons", "body_parts", "times"):
            self._add(f"anchor:{kind}", anchors.get(kind) or [])
        self._add_typo_targets(anchors.get("body_parts") or [])
        blockers = patterns.get("blockers") or {}
        for kind in ("negations", "hypotheticals", "generic"):
            self._add(f"block:{kind}", blockers.get(kind) or [])
        self._question_starts: Set[str] = {w.lower() for w in blockers.get("question_starts") or []}

    @classmethod
    def from_file(cls, nlp: Language, path: Path = DEFAULT_PATTERNS) -> "SymptomRules":
        return cls(nlp, yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {})

    def _add(self, key: str, phrases: Iterable[str]) -> None:
        patterns = []
        for phrase in phrases:
            doc = self._nlp(str(phrase).lower())
            patterns.append([{"LOWER": t.lower_} for t in doc])
            patterns.append([{"LEMMA": t.lemma_.lower()} for t in doc])
        if patterns:
            self._matcher.add(key, patterns)

    def _add_typo_targets(self, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            words = str(phrase).lower().split()
            if len(words) != 1 or len(words[0]) < 4:
                continue
            word = words[0]
            lemma = self._nlp(word)[0].lemma_.lower()
            stem = word[:-1] if word.endswith("e") else word
            for form in {word + s for s in _SUFFIXES} | {stem + s for s in ("ing", "ed")}:
                self._typo_targets.setdefault(form, lemma)

    def _correct_typos(self, doc: Doc) -> None:
        """Gives a misspelled symptom or body-part word the lemma of the word meant."""
        for token in doc:
            word = token.lower_
            if len(word) < 4 or not word.isalpha() or word in self._common_words:
                continue
            if word in self._typo_targets or token.lemma_.lower() in self._typo_targets:
                continue
            limit = 2 if len(word) >= 7 else 1
            best: Tuple[int, str] | None = None
            for form, lemma in self._typo_targets.items():
                distance = edit_distance(word, form, limit)
                if distance <= limit and (best is None or distance < best[0]):
                    best = (distance, lemma)
            if best:
                token.lemma_ = best[1]

    # ----------------------------------------------------------------------------------------
    def detect(self, doc: Doc) -> Finding | None:
        """Returns the most urgent finding in the doc, or None."""
        return self.analyse(doc).finding

    def analyse(self, doc: Doc) -> "Analysis":
        """Reads the doc once: the finding, and whether symptom words occur at all and are all denied."""
        if self._common_words:
            self._correct_typos(doc)
        all_matches = [
            (self._nlp.vocab.strings[match_id], start, end) for match_id, start, end in self._matcher(doc)
        ]
        clauses = self._clauses(doc)
        found: Finding | None = None
        mentions: List[Tuple[Span, Tuple[int, int]]] = []
        for clause in clauses:
            matches: Dict[str, List[Tuple[int, int]]] = {}
            for key, start, end in all_matches:
                if clause.start <= start and end <= clause.end:
                    matches.setdefault(key, []).append((start, end))
                    if key == EMERGENCY or key.startswith("symptom:"):
                        mentions.append((clause, (start, end)))
            if found is None or found.tier != EMERGENCY:
                finding = self._detect_in_clause(doc, clause, matches)
                if finding and (found is None or finding.tier == EMERGENCY):
                    found = finding
        only_negated = bool(mentions) and all(self._negated(doc, clause, span) for clause, span in mentions)
        return Analysis(found, bool(mentions), only_negated)

    def _clauses(self, doc: Doc) -> List[Span]:
        clauses, start = [], 0
        for token in doc:
            if token.lower_ in _CLAUSE_BREAKS or token.is_sent_start and token.i > start:
                if token.i > start:
                    clauses.append(doc[start : token.i])
                start = token.i + (1 if token.lower_ in _CLAUSE_BREAKS else 0)
        if start < len(doc):
            clauses.append(doc[start:])
        return clauses

    def _detect_in_clause(
        self, doc: Doc, clause: Span, matches: Dict[str, List[Tuple[int, int]]]
    ) -> Finding | None:
        def has(key: str) -> bool:
            return bool(matches.get(key))

        emergencies = [m for m in matches.get(EMERGENCY, []) if not self._negated(doc, clause, m)]
        symptoms = [
            (key.split(":", 1)[1], span)
            for key, spans in matches.items()
            if key.startswith("symptom:")
            for span in spans
            if self._reported(doc, clause, span, matches)
        ]
        if emergencies or (has("distress") and any(c in _BREATH_OR_CHOKE for c, _ in symptoms)):
            return Finding(EMERGENCY, EMERGENCY, "an emergency")
        if not symptoms:
            return None
        category = min(symptoms, key=lambda item: item[1][0])[0]
        return Finding(SYMPTOM, category, self._labels[category])

    def _reported(
        self, doc: Doc, clause: Span, span: Tuple[int, int], matches: Dict[str, List[Tuple[int, int]]]
    ) -> bool:
        start, end = span
        if self._negated(doc, clause, span) or self._quoted(doc, clause, span):
            return False
        before = doc[max(clause.start, start - 2) : start]
        if any(t.lower_ in _PRECEDING_BLOCKERS for t in before):
            return False
        if any(s < start for s, _ in matches.get("block:hypotheticals", [])):
            return False
        if self._is_question(clause):
            return self._person_tied(doc, clause, span, matches)
        strong = self._person_tied(doc, clause, span, matches) or self._body_next_to(span, matches)
        if strong or start <= self._content_start(clause) + 1:
            return True
        if matches.get("block:generic"):
            return False
        return any(matches.get(f"anchor:{kind}") for kind in ("persons", "body_parts", "times"))

    def _negated(self, doc: Doc, clause: Span, span: Tuple[int, int]) -> bool:
        start, end = span
        window = doc[max(clause.start, start - 3) : start]
        for token in window:
            if token.lower_ in {"no", "not", "n't", "never", "without", "none", "zero"}:
                released = any(t.lemma_ in _NEGATION_RELEASES for t in doc[token.i + 1 : start])
                if not released:
                    return True
        after = doc[end : min(clause.end, end + 2)]
        return any(t.lower_ == "free" for t in after)

    @staticmethod
    def _quoted(doc: Doc, clause: Span, span: Tuple[int, int]) -> bool:
        opening = sum(1 for t in doc[clause.start : span[0]] if t.text in _QUOTES)
        closing = any(t.text in _QUOTES for t in doc[span[1] : clause.end])
        return opening % 2 == 1 and closing

    def _content_start(self, clause: Span) -> int:
        for token in clause:
            if token.lower_ not in _FILLERS and not token.is_punct:
                return token.i
        return clause.start

    def _is_question(self, clause: Span) -> bool:
        start = self._content_start(clause)
        return clause.doc[start].lower_ in self._question_starts

    @staticmethod
    def _body_next_to(span: Tuple[int, int], matches: Dict[str, List[Tuple[int, int]]]) -> bool:
        start, end = span
        return any(
            abs(b_end - start) <= 1 or abs(end - b_start) <= 1
            for b_start, b_end in matches.get("anchor:body_parts", [])
        )

    def _person_tied(
        self,
        doc: Doc,
        clause: Span,
        span: Tuple[int, int],
        matches: Dict[str, List[Tuple[int, int]]],
    ) -> bool:
        """A possessive before a body part ("my legs"), or a subject and an experience verb just
        before the symptom ("I'm exhausted", "she gets breathless")."""
        for b_start, _ in matches.get("anchor:body_parts", []):
            if any(t.lower_ in _POSSESSIVES for t in doc[max(clause.start, b_start - 3) : b_start]):
                return True
        for token in doc[max(clause.start, span[0] - 5) : span[0]]:
            if token.lower_ in _SUBJECTS:
                following = doc[token.i + 1 : min(span[0], token.i + 4)]
                if any(t.lemma_ in _EXPERIENCE_VERBS or t.lower_ in _EXPERIENCE_VERBS for t in following):
                    return True
        return False


def _load_common_words(nlp: Language) -> Set[str]:
    path = Path(nlp.path) / COMMON_WORDS_FILE if getattr(nlp, "path", None) else None
    if path is None or not path.exists():
        return set()
    return set(path.read_text(encoding="utf-8").split())
