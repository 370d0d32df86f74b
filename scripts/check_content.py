"""Checks the content files in seconds and names the file and line of each problem.

Run it as `make check`. It checks that:
  - every YAML file under data/, domain.yml and content/ parses;
  - every answer names a source document that exists and quotes it word for word;
  - no answer states a number its quote lacks ({placeholders} filled in by Pace are not counted);
  - every topic question (faq/<key>) has an answer and every answer has questions, at least
    MIN_EXAMPLES of them;
  - every topic answer is at most MAX_ANSWER_CHARS long and ends with quick replies;
  - every `next:` and `why:` points to an existing answer, every button sends words Pace was trained on;
  - content/coverage.yml maps every fact of the documents to answers that exist, and names every
    topic answer;
  - no answer is empty, no question is an example of two intents;
  - the safety layer's files (symptom patterns, context rules, spelling): scripts/check_safety_files.py.
A file that is not valid YAML is the only problem reported until it is fixed: the checks of the
other files would only repeat what is missing from it.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import yaml

if __package__ in (None, ""):  # run as a script: scripts/ is on the path
    import check_safety_files
else:
    from scripts import check_safety_files

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "content" / "sources"
COVERAGE = ROOT / "content" / "coverage.yml"
MIN_EXAMPLES = 6
# answers are read on phones and with assistive devices
MAX_ANSWER_CHARS = 400
# numbers written as words count as the numbers they are ("thirty to sixty" states 30 and 60)
NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen".split()
    )
}
NUMBER_WORDS.update(
    {
        w: str(v)
        for w, v in zip(
            "twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True
        )
    }
)
NUMBER_WORDS.update(
    {"hundred": "100", "thousand": "1000", "half": "half", "double": "double", "twice": "twice"}
)
# what the YAML parser says, in plain words
YAML_PROBLEMS = {
    "found character '\\t' that cannot start any token": "a tab character: indent with spaces only",
    "mapping values are not allowed here": "a colon where none is expected: check the indentation, "
    "or put the text in double quotes",
    "did not find expected key": "the indentation does not line up with the lines above",
    "expected <block end>, but found": "the indentation does not line up with the lines above",
    "did not find expected '-' indicator": "the indentation does not line up with the list above",
    "found unexpected end of stream": "a quote or bracket is opened and never closed",
}
_UNITS = (
    r"percent|per ?cent|grams?|g|kg|kilos?|kilograms?|pounds?|lbs?|stones?|calories|kcal|seconds?|minutes?|"
    r"hours?|days?|weeks?|months?|years?|times|sets?|reps?|repetitions|meals|litres?|liters?|cups?|ml"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: {self.message}"


@dataclass
class Response:
    name: str
    text: str
    metadata: dict
    buttons: list
    path: Path
    line: int


def normalise(text: str) -> str:
    return " ".join(text.translate(_APOSTROPHES).split())


def _compounds_as_digits(text: str) -> str:
    """'twenty-five' and 'twenty five' as '25', so they count once."""

    def digits(match: "re.Match[str]") -> str:
        return str(int(NUMBER_WORDS[match[1]]) + int(NUMBER_WORDS[match[2]]))

    tens = "|".join(w for w, v in NUMBER_WORDS.items() if v.isdigit() and 20 <= int(v) < 100)
    units = "|".join(w for w, v in NUMBER_WORDS.items() if v.isdigit() and 1 <= int(v) < 10)
    return re.sub(rf"\b({tens})[- ]({units})\b", digits, text.lower())


def numbers_in(text: str) -> Set[str]:
    text = _compounds_as_digits(_PLACEHOLDER.sub(" ", text))
    found = set(_NUMBER.findall(text))
    words = {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in NUMBER_WORDS and w != "one"}
    # "one" is mostly no number ("one reason", "no one"): it counts only with a unit ("one hour")
    return found | words | {"1" for _ in re.findall(rf"\bone[- ]+(?:{_UNITS})\b", text)}


def quantities_in(text: str) -> Set[str]:
    """The numbers an answer without a source may not state: digits, and number words with a unit
    ("thirty minutes"); "one of these" and "two articles" are no facts."""
    text = _compounds_as_digits(_PLACEHOLDER.sub(" ", text))
    words = "|".join(NUMBER_WORDS)
    return set(_NUMBER.findall(text)) | {
        NUMBER_WORDS[w] for w in re.findall(rf"\b({words})[- ]+(?:{_UNITS})\b", text)
    }


def first_difference(quote: str, document: str) -> str:
    """Where a quote leaves its document: 'main' (after 'Ultimately, the')."""
    words = quote.split()
    kept = 0
    while kept < len(words) and " ".join(words[: kept + 1]) in document:
        kept += 1
    if kept == len(words):
        return ""
    before = " ".join(words[max(0, kept - 4) : kept])
    return f"{words[kept]!r}" + (f" (after {before!r})" if before else " (its first word)")


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The first line (from 1) after line `after` that contains `needle`; 1 when none does."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number > after and needle in line:
            return number
    return after or 1


def load_yaml(path: Path, problems: List[Problem]) -> dict | None:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        said = str(getattr(error, "problem", None) or error)
        plain = next((words for start, words in YAML_PROBLEMS.items() if said.startswith(start)), said)
        problems.append(Problem(path, line, f"not valid YAML: {plain}"))
        return None


def content_files() -> List[Path]:
    return [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml")), COVERAGE]


@dataclass
class Example:
    intent: str
    text: str
    path: Path
    line: int


def collect(problems: List[Problem]) -> Tuple[Dict[str, List[Response]], Dict[str, List[Example]]]:
    """Every response variation by name, and every example by intent, with file and line."""
    responses: Dict[str, List[Response]] = {}
    examples: Dict[str, List[Example]] = {}
    for path in content_files():
        data = load_yaml(path, problems)
        if data is None:
            continue
        for item in data.get("nlu") or []:
            if "intent" in item:
                start = line_of(path, f"intent: {item['intent']}")
                lines = str(item.get("examples") or "").splitlines()
                texts = [ln.strip()[2:].strip() for ln in lines if ln.strip().startswith("- ")]
                examples.setdefault(item["intent"], []).extend(
                    Example(item["intent"], text, path, start) for text in texts
                )
        for name, variations in (data.get("responses") or {}).items():
            start = line_of(path, f"{name}:")
            for variation in variations or [{}]:
                responses.setdefault(name, []).append(
                    Response(
                        name,
                        str(variation.get("text") or ""),
                        variation.get("metadata") or {},
                        variation.get("buttons") or [],
                        path,
                        start,
                    )
                )
    return responses, examples


def variations(responses: Dict[str, List[Response]]) -> Iterable[Response]:
    return (variation for found in responses.values() for variation in found)


def example_line(example: Example) -> int:
    return line_of(example.path, f"- {example.text}", after=example.line)


def check_sources(responses: Iterable[Response], problems: List[Problem]) -> None:
    documents = {p.name: normalise(p.read_text(encoding="utf-8")) for p in SOURCES.glob("*.txt")}
    for response in responses:
        meta = response.metadata
        if "quote" not in meta and "document" not in meta:
            if response.name.startswith("utter_faq/"):
                problems.append(Problem(response.path, response.line, f"{response.name} has no source"))
            elif stated := quantities_in(response.text):
                problems.append(
                    Problem(
                        response.path,
                        response.line,
                        f"{response.name}: states {sorted(stated)} but has no source; "
                        "add the document and the quote that say it",
                    )
                )
            continue
        document = documents.get(meta.get("document"))
        if document is None:
            problems.append(
                Problem(
                    response.path,
                    line_of(response.path, "document:", after=response.line),
                    f"{response.name}: unknown document {meta.get('document')!r}; "
                    f"use one of {sorted(documents)}",
                )
            )
            continue
        # one quote, or a list of quotes from the same document
        raw = meta.get("quote")
        quotes = [normalise(str(q)) for q in (raw if isinstance(raw, list) else [raw or ""])]
        wrong = next((q for q in quotes if not q or q not in document), None)
        if wrong is not None:
            quote_line = line_of(response.path, "quote:", after=response.line)
            if wrong:
                quote_line = line_of(response.path, wrong.split()[0], after=quote_line - 1)
            where = first_difference(wrong, document) if wrong else "the quote is empty"
            problems.append(
                Problem(
                    response.path,
                    quote_line,
                    f"{response.name}: the quote is not word for word in {meta['document']}: {where}",
                )
            )
            continue
        extra = numbers_in(response.text) - set().union(*map(numbers_in, quotes))
        if extra:
            problems.append(
                Problem(
                    response.path,
                    response.line,
                    f"{response.name}: states {sorted(extra)}, which its quote does not contain",
                )
            )


def check_answers(responses: Dict[str, List[Response]], problems: List[Problem]) -> None:
    for response in variations(responses):
        if not response.text.strip():
            problems.append(Problem(response.path, response.line, f"{response.name} has an empty text"))
        if len(response.text) > MAX_ANSWER_CHARS:
            problems.append(
                Problem(
                    response.path,
                    response.line,
                    f"{response.name} is {len(response.text)} characters; "
                    f"keep answers under {MAX_ANSWER_CHARS}",
                )
            )


def check_examples(examples: Dict[str, List[Example]], problems: List[Problem]) -> None:
    first: Dict[str, Example] = {}
    for example in (e for found in examples.values() for e in found):
        key = normalise(example.text.lower())
        seen = first.setdefault(key, example)
        if seen.intent != example.intent:
            problems.append(
                Problem(
                    example.path,
                    example_line(example),
                    f"{example.text!r} is an example of {example.intent} and of {seen.intent} "
                    f"({seen.path.relative_to(ROOT)}:{example_line(seen)}); keep it under one",
                )
            )


def check_topics(
    responses: Dict[str, List[Response]], examples: Dict[str, List[Example]], problems: List[Problem]
) -> None:
    trained = {e.text.lower() for found in examples.values() for e in found}
    for intent, found in examples.items():
        if "/" in intent and f"utter_{intent}" not in responses:
            problems.append(
                Problem(found[0].path, found[0].line, f"questions for {intent} have no answer utter_{intent}")
            )
        if "/" in intent and len(found) < MIN_EXAMPLES:
            problems.append(
                Problem(
                    found[0].path,
                    found[0].line,
                    f"{intent} has {len(found)} examples, at least {MIN_EXAMPLES} needed",
                )
            )
    for response in variations(responses):
        if response.name.startswith("utter_faq/"):
            if not response.buttons:
                problems.append(
                    Problem(response.path, response.line, f"{response.name} has no quick replies (buttons)")
                )
            if response.name[len("utter_") :] not in examples:
                problems.append(
                    Problem(response.path, response.line, f"{response.name} has no example questions")
                )
        for key in ("next", "why", "examples", "who"):
            following = response.metadata.get(key)
            if following and f"utter_{following}" not in responses:
                problems.append(
                    Problem(
                        response.path, response.line, f"{response.name}: {key} {following!r} does not exist"
                    )
                )
        payloads = [b.get("payload", "") for b in response.buttons]
        if response.metadata.get("question"):
            payloads.append(response.metadata["question"])
        for payload in payloads:
            if "{" not in payload and payload.lower() not in trained:
                problems.append(
                    Problem(
                        response.path,
                        response.line,
                        f"{response.name}: button or question {payload!r} is "
                        "not an example of any intent, so Pace may not understand it",
                    )
                )


def check_coverage(responses: Dict[str, List[Response]], problems: List[Problem]) -> None:
    data = load_yaml(COVERAGE, problems)
    if data is None:
        return
    documents = {p.name: normalise(p.read_text(encoding="utf-8")) for p in SOURCES.glob("*.txt")}
    covered = set()
    for fact in data.get("facts") or []:
        line = line_of(COVERAGE, f"id: {fact.get('id')}")
        evidence = normalise(str(fact.get("evidence") or ""))
        if fact.get("document") not in documents or evidence not in documents[fact["document"]]:
            problems.append(
                Problem(
                    COVERAGE, line, f"fact {fact.get('id')}: evidence not found in {fact.get('document')}"
                )
            )
        answers = fact.get("responses") or []
        covered.update(answers)
        if not answers:
            problems.append(Problem(COVERAGE, line, f"fact {fact.get('id')} has no response"))
        for name in answers:
            if name not in responses:
                problems.append(
                    Problem(COVERAGE, line, f"fact {fact.get('id')}: response {name} does not exist")
                )
    for name, found in responses.items():
        if name.startswith("utter_faq/") and name not in covered:
            problems.append(
                Problem(
                    found[0].path,
                    found[0].line,
                    f"{name} is in no fact of content/coverage.yml: add it to the facts it states",
                )
            )


def run() -> List[Problem]:
    problems: List[Problem] = []
    responses, examples = collect(problems)
    if problems:  # a file that does not read: the other checks would only repeat what it lacks
        return problems
    check_sources(variations(responses), problems)
    check_answers(responses, problems)
    check_examples(examples, problems)
    check_topics(responses, examples, problems)
    check_coverage(responses, problems)
    check_safety_files.check_all(
        lambda path: load_yaml(path, problems),
        lambda path, needle, message: problems.append(Problem(path, line_of(path, needle), message)),
    )
    return problems


def main() -> int:
    problems = run()
    for problem in problems:
        print(problem)
    print("content: ok" if not problems else f"content: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
