"""The safety layer's content files, checked without loading spaCy (so `make check` stays fast).

  - content/symptom_patterns.yml: every category has a label and phrases; emergency combinations
    name categories that exist; every phrase is a non-empty string, in one category only (or in
    the emergency phrases only);
  - content/context_rules.yml: every group has a known category and direction (medspaCy's
    ConTextRule keys and directions), literals or token patterns, and the decision table names
    categories that some rule produces; no literal is also a treatment of physician_topics.yml
    (which the safety layer makes a context rule itself);
  - content/spelling.yml: one word mapped to one word, a short contraction to a contraction;
  - content/physician_topics.yml: lists of terms under the groups the physician router reads.
Each problem names the file and the line.
"""

from pathlib import Path
from typing import Any, Callable, Dict, Set

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "content" / "symptom_patterns.yml"
CONTEXT = ROOT / "content" / "context_rules.yml"
SPELLING = ROOT / "content" / "spelling.yml"
PHYSICIAN = ROOT / "content" / "physician_topics.yml"
# as in components/physician_router.py (not imported: that would load Rasa into `make check`)
PHYSICIAN_GROUPS = (
    "medicines",
    "doses",
    "supplements",
    "conditions",
    "treatments",
    "outlook",
    "medicine_endings",
    "not_medicines",
)
# medspaCy's ConTextRule: its directions and the keys a group may have besides literals/patterns
DIRECTIONS = {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"}
RULE_KEYS = {"category", "direction", "max_scope", "max_targets", "terminated_by", "allowed_types",
             "excluded_types", "metadata", "literals", "patterns"}  # fmt: skip
# the groups of content/physician_topics.yml that the safety layer reads as treatments (as
# TREATMENT_GROUPS in components/symptom_rules.py): each is already a context rule of its own
TREATMENT_GROUPS = ("medicines", "supplements")
# categories the safety layer's code gives a meaning to
BUILT_IN = {"TERMINATE", "QUESTION"}

Report = Callable[[Path, str, str], None]  # (file, text to find the line by, message)


# the kinds of measurement the safety layer reads, as components/symptom_rules.py's READING_KINDS
# (not imported: that would load spaCy into `make check`)
READING_KINDS = (
    ("oxygen_readings", False, (50, 100)),
    ("breathing_rate_readings", True, (5, 80)),
    ("temperature_readings", True, (34, 43)),
    ("consciousness_readings", False, (3, 15)),
)


def check_patterns(data: Dict[str, Any], report: Report) -> None:
    symptoms = data.get("symptoms") or {}
    if not symptoms:
        report(PATTERNS, "symptoms:", "no symptom categories")
    for category, spec in symptoms.items():
        if not isinstance(spec, dict) or not spec.get("label"):
            report(PATTERNS, f"{category}:", f"symptom category {category} needs a label")
            continue
        if not spec.get("phrases"):
            report(PATTERNS, f"{category}:", f"symptom category {category} has no phrases")
        for key in ("phrases", "with_body_part"):
            _check_phrases(spec.get(key) or [], f"{category}:", report)
    emergency = data.get("emergency") or {}
    if not emergency.get("phrases"):
        report(PATTERNS, "emergency:", "the emergency tier has no phrases")
    _check_phrases(emergency.get("phrases") or [], "emergency:", report)
    combined: Set[str] = set()  # the categories some combination names
    for combination in emergency.get("combinations") or []:
        named = set(combination.get("symptoms") or [])
        combined |= named
        unknown = (named | set(combination.get("with_symptoms") or [])) - set(symptoms)
        if unknown:
            name = sorted(unknown)[0]
            report(
                PATTERNS, name, f"emergency combination names unknown symptom categories: {sorted(unknown)}"
            )
        if not combination.get("with") and not combination.get("with_symptoms"):
            message = "an emergency combination has neither `with` words nor `with_symptoms`"
            report(PATTERNS, "combinations:", message)
        within = combination.get("within", "sentence")
        if within not in ("sentence", "message"):
            message = f"an emergency combination's `within` is sentence or message, not {within!r}"
            report(PATTERNS, "within:", message)
    for category, spec in symptoms.items():
        if isinstance(spec, dict) and spec.get("only_in_combination") and category not in combined:
            message = f"symptom category {category} counts only in a combination, but no combination names it"
            report(PATTERNS, f"{category}:", message)
    _check_one_place(symptoms, emergency, report)
    for key, high, plausible in READING_KINDS:
        if emergency.get(key) is not None:
            _check_readings(key, emergency[key], high, plausible, symptoms, report)
    weights = data.get("weights_compared")
    if weights is not None:
        _check_weights_compared(weights, report)
    for key in ("body_parts", "idioms"):
        _check_phrases(data.get(key) or [], f"{key}:", report)


def _check_one_place(symptoms: Dict[str, Any], emergency: Dict[str, Any], report: Report) -> None:
    """A phrase is in one place: where two categories (or a category and the emergency phrases)
    have the same words, the matcher keeps one of them, in the order it returns them, so which
    one counted was chance."""
    places: Dict[str, str] = {}
    lists = [(f"{category} {key}", spec.get(key)) for category, spec in symptoms.items()
             if isinstance(spec, dict) for key in ("phrases", "with_body_part")]  # fmt: skip
    for place, phrases in lists + [("emergency", emergency.get("phrases"))]:
        for phrase in phrases or []:
            if not isinstance(phrase, str):
                continue  # (_check_phrases names it)
            first = places.setdefault(phrase.lower(), place)
            if first != place:
                report(PATTERNS, phrase, f"{phrase!r} is listed under {first} and under {place}")


def _check_readings(key: str, readings: Dict, high: bool, plausible: tuple, symptoms: Dict, report) -> None:
    """A kind of measurement (oxygen low, a breathing rate high): its words, its limit, the report
    limit on the near side of it, the category of that report and where a reading ends."""
    low, top = plausible
    limit_key, report_key = (
        ("at_or_above", "report_at_or_above") if high else ("at_or_below", "report_at_or_below")
    )
    _check_phrases(readings.get("words") or [], f"{key}:", report)
    limit = readings.get(limit_key)
    if not isinstance(limit, int) or not low <= limit <= top:
        report(
            PATTERNS, f"{limit_key}:", f"{key} needs {limit_key}: a number ({low} to {top}), not {limit!r}"
        )
    reported = readings.get(report_key)
    if reported is not None and isinstance(limit, int):
        near_side = (low <= reported <= limit) if high else (limit <= reported <= top)
        if not isinstance(reported, int) or not near_side:
            side = f"from {low} to {limit_key}" if high else f"from {limit_key} to {top}"
            report(PATTERNS, f"{report_key}:", f"{key} {report_key} needs a number {side}, not {reported!r}")
    if reported is not None and readings.get("report_as") not in symptoms:
        message = f"{key} report_as needs a symptom category, not {readings.get('report_as')!r}"
        report(PATTERNS, f"{report_key}:", message)
    if not _single_words(readings.get("ends_at") or []):
        report(PATTERNS, "ends_at:", f"{key} ends_at needs a list of single words")


def _check_weights_compared(weights: Any, report: Report) -> None:
    percent = weights.get("loss_at_least_percent")
    if not isinstance(percent, int | float) or not 0 < percent <= 50:
        message = (
            "weights_compared needs loss_at_least_percent: a percentage (above 0, at most 50), "
            f"not {percent!r}"
        )
        report(PATTERNS, "loss_at_least_percent:", message)
    stated = weights.get("stated_loss_at_least_kg", 1)
    if not isinstance(stated, int | float) or stated <= 0:
        message = (
            f"weights_compared stated_loss_at_least_kg needs a number of kilograms above 0, not {stated!r}"
        )
        report(PATTERNS, "stated_loss_at_least_kg:", message)
    units = weights.get("kg_per_unit")
    if (
        not isinstance(units, dict)
        or not units
        or not all(isinstance(v, int | float) and v > 0 for v in units.values())
    ):
        report(
            PATTERNS,
            "kg_per_unit:",
            "weights_compared kg_per_unit needs units, each with its kilograms (a number)",
        )
    for key in ("past", "now"):
        if not _single_words(weights.get(key) or []):
            report(PATTERNS, f"{key}:", f"weights_compared {key} needs a list of single words")


def _single_words(words: Any) -> bool:
    return isinstance(words, list) and all(
        isinstance(w, str) and w.strip() and " " not in w.strip() for w in words
    )


def _check_phrases(phrases: Any, anchor: str, report: Report) -> None:
    if not isinstance(phrases, list):
        report(PATTERNS, anchor, f"expected a list of phrases under {anchor.rstrip(':')}")
        return
    seen = set()
    for phrase in phrases:
        if not isinstance(phrase, str) or not phrase.strip():
            report(
                PATTERNS, anchor, f"not a phrase: {phrase!r} (write words, quoted if they start with ' or -)"
            )
        elif phrase.lower() in seen:
            report(PATTERNS, phrase, f"{phrase!r} is listed twice under {anchor.rstrip(':')}")
        else:
            seen.add(phrase.lower())


def check_context(data: Dict[str, Any], report: Report) -> None:
    groups = data.get("context_rules")
    if not isinstance(groups, list) or not groups:
        report(CONTEXT, "context_rules:", "no context_rules")
        return
    produced: Set[str] = set()
    # (the same words in two groups match the same words twice, and ConText keeps one of the two
    # by the order its matcher returns them: which group decides would be chance)
    listed: Dict[str, str] = {}
    for group in groups:
        if not isinstance(group, dict):
            report(CONTEXT, "context_rules:", f"a rule group must be a mapping, not {group!r}")
            continue
        category = str(group.get("category") or "").upper()
        anchor = f"category: {group.get('category')}"
        unknown = set(group) - RULE_KEYS
        if unknown:
            report(CONTEXT, anchor, f"unknown keys {sorted(unknown)} (allowed: {sorted(RULE_KEYS)})")
        if not category:
            report(CONTEXT, "category:", "a rule group has no category")
        if str(group.get("direction") or "").upper() not in DIRECTIONS:
            report(
                CONTEXT,
                anchor,
                f"direction must be one of {sorted(DIRECTIONS)}, not {group.get('direction')!r}",
            )
        if not group.get("literals") and not group.get("patterns"):
            report(CONTEXT, anchor, f"group {category} has neither literals nor patterns")
        for literal in group.get("literals") or []:
            if not isinstance(literal, str) or not literal.strip():
                report(CONTEXT, anchor, f"not a literal: {literal!r}")
                continue
            words = literal.lower()
            if words in listed:
                report(CONTEXT, literal, f"{literal!r} is listed twice ({listed[words]} and {category})")
            listed[words] = category
        for pattern in group.get("patterns") or []:
            if not isinstance(pattern, list) or not all(isinstance(t, dict) for t in pattern):
                report(CONTEXT, anchor, 'a pattern is a list of token descriptions such as {"LOWER": "no"}')
        scope = group.get("max_scope")
        if scope is not None and (not isinstance(scope, int) or scope < 1):
            report(CONTEXT, anchor, f"max_scope must be a whole number of words, not {scope!r}")
        produced.add(category)
    decision = data.get("decision") or {}
    named = set(decision.get("not_a_report") or []) | set(decision.get("questions_need") or [])
    for key, values in (decision.get("unless") or {}).items():
        named |= {key, *values}
    for category in sorted({c.upper() for c in named} - produced - BUILT_IN):
        report(CONTEXT, category, f"the decision names {category}, which no rule produces")
    if not decision.get("not_a_report"):
        report(CONTEXT, "decision:", "the decision table needs not_a_report")


def check_spelling(data: Dict[str, Any], report: Report) -> None:
    for wrong, right in (data.get("corrections") or {}).items():
        if not isinstance(right, str) or " " in str(wrong) or " " in right.strip():
            report(SPELLING, f"{wrong}:", f"corrections map one word to one word: {wrong!r} -> {right!r}")
    for typed, meant in (data.get("contractions") or {}).items():
        problem = contraction_problem(str(typed), str(meant))
        if problem:
            report(SPELLING, f"{typed}:", problem)


def contraction_problem(typed: str, meant: str) -> str | None:
    """What is wrong with a contraction of content/spelling.yml, if anything (scripts/build_spacy.py
    refuses to build with one): one word ending in "nt" for one ending in "n't" ("cnt: can't")."""
    if " " in typed + meant or not typed.endswith("nt") or not meant.endswith("n't"):
        return f"contractions map one word ending in nt to one ending in n't: {typed!r} -> {meant!r}"
    return None


def check_physician_topics(data: Dict[str, Any], report: Report) -> None:
    for group in data:
        if group not in PHYSICIAN_GROUPS:
            report(
                PHYSICIAN,
                f"{group}:",
                f"unknown group {group!r}: the groups are {', '.join(PHYSICIAN_GROUPS)}",
            )
    for group in PHYSICIAN_GROUPS:
        terms = data.get(group) or []
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            report(PHYSICIAN, f"{group}:", f"{group} must be a list of words or phrases")
        elif group == "medicine_endings" and not all(t.isalpha() and t.islower() for t in terms):
            report(PHYSICIAN, f"{group}:", "medicine_endings are the ends of words, in lower case letters")


CHECKS = {
    PATTERNS: check_patterns,
    CONTEXT: check_context,
    SPELLING: check_spelling,
    PHYSICIAN: check_physician_topics,
}


def check_treatments_once(context: Dict[str, Any], topics: Dict[str, Any], report: Report) -> None:
    """A treatment of physician_topics.yml is a context rule already (a symptom beside it is a
    question about it); a context literal with the same words is a second rule for them, and
    ConText keeps one of the two by the order its matcher returns them."""
    treatments = {str(term).lower(): group for group in TREATMENT_GROUPS for term in topics.get(group) or []}
    for group in context.get("context_rules") or []:
        for literal in (group.get("literals") or []) if isinstance(group, dict) else []:
            group_name = treatments.get(literal.lower()) if isinstance(literal, str) else None
            if group_name:
                where = f"{group_name} in {PHYSICIAN.name}"
                report(CONTEXT, literal, f"{literal!r} is already a treatment ({where}): list it once")


def check_all(load: Callable[[Path], Dict[str, Any] | None], report: Report) -> None:
    """Runs each check on its file, loaded by `load` (which reports YAML errors itself), then the
    check across the context rules and the treatments."""
    loaded = {}
    for path, check in CHECKS.items():
        data = load(path)
        if data is not None:
            check(data, report)
            loaded[path] = data
    if CONTEXT in loaded and PHYSICIAN in loaded:
        check_treatments_once(loaded[CONTEXT], loaded[PHYSICIAN], report)
