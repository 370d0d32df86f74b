"""Checks the content files in seconds and names the file and line of each problem.

Run it as `make check`. It checks that:
  - every YAML file under data/, domain.yml and content/ parses;
  - every answer names a source document that exists and quotes it word for word;
  - no answer states a number its quote lacks ({placeholders} filled in by Pace are not counted);
  - every topic question (faq/<key>) has an answer and every answer has questions, at least
    MIN_EXAMPLES of them;
  - every topic answer is at most MAX_ANSWER_CHARS long and ends with quick replies;
  - every `next:` points to an existing answer, every button sends words Pace was trained on;
  - content/coverage.yml maps every fact of the documents to answers that exist;
  - the safety layer's files (symptom patterns, context rules, spelling): scripts/check_safety_files.py.
"""

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Set

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
NUMBER_WORDS = {
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twelve",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "hundred",
    "half",
    "double",
    "twice",
}
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


def numbers_in(text: str) -> Set[str]:
    text = _PLACEHOLDER.sub(" ", text)
    found = set(_NUMBER.findall(text))
    words = {w for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}
    return found | words


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return 1


def load_yaml(path: Path, problems: List[Problem]) -> dict | None:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problems.append(Problem(path, line, f"not valid YAML: {getattr(error, 'problem', error)}"))
        return None


def content_files() -> List[Path]:
    return [ROOT / "domain.yml", *sorted((ROOT / "data").rglob("*.yml")), COVERAGE]


def collect(problems: List[Problem]):
    responses: Dict[str, Response] = {}
    examples: Dict[str, List[str]] = {}
    for path in content_files():
        data = load_yaml(path, problems)
        if data is None:
            continue
        for item in data.get("nlu") or []:
            if "intent" in item:
                lines = str(item.get("examples") or "").splitlines()
                texts = [ln.strip()[2:].strip() for ln in lines if ln.strip().startswith("- ")]
                examples.setdefault(item["intent"], []).extend(texts)
        for name, variations in (data.get("responses") or {}).items():
            for variation in variations or []:
                responses.setdefault(
                    name,
                    Response(
                        name,
                        str(variation.get("text") or ""),
                        variation.get("metadata") or {},
                        variation.get("buttons") or [],
                        path,
                        line_of(path, f"{name}:"),
                    ),
                )
    return responses, examples


def check_sources(responses: Iterable[Response], problems: List[Problem]) -> None:
    documents = {p.name: normalise(p.read_text(encoding="utf-8")) for p in SOURCES.glob("*.txt")}
    for response in responses:
        meta = response.metadata
        if "quote" not in meta and "document" not in meta:
            if response.name.startswith("utter_faq/"):
                problems.append(Problem(response.path, response.line, f"{response.name} has no source"))
            continue
        document = documents.get(meta.get("document"))
        if document is None:
            problems.append(
                Problem(
                    response.path,
                    response.line,
                    f"{response.name}: unknown document {meta.get('document')!r}; "
                    f"use one of {sorted(documents)}",
                )
            )
            continue
        # one quote, or a list of quotes from the same document
        raw = meta.get("quote")
        quotes = [normalise(str(q)) for q in (raw if isinstance(raw, list) else [raw or ""])]
        if not all(quotes) or any(q not in document for q in quotes):
            problems.append(
                Problem(
                    response.path,
                    response.line,
                    f"{response.name}: the quote is not word for word in {meta['document']}",
                )
            )
            continue
        extra = numbers_in(response.text) - set().union(*map(numbers_in, quotes))
        if extra:
            problems.append(
                Problem(
                    response.path,
                    response.line,
                    f"{response.name}: states {sorted(extra)}, which its quote " "does not contain",
                )
            )


def check_topics(
    responses: Dict[str, Response], examples: Dict[str, List[str]], problems: List[Problem]
) -> None:
    trained = {text.lower() for texts in examples.values() for text in texts}
    for intent, texts in examples.items():
        if "/" in intent and f"utter_{intent}" not in responses:
            path = ROOT / "data"
            problems.append(Problem(path, 1, f"questions for {intent} have no answer utter_{intent}"))
        if "/" in intent and len(texts) < MIN_EXAMPLES:
            problems.append(
                Problem(
                    ROOT / "data", 1, f"{intent} has {len(texts)} examples, at least {MIN_EXAMPLES} needed"
                )
            )
    for response in responses.values():
        if response.name.startswith("utter_faq/"):
            if len(response.text) > MAX_ANSWER_CHARS:
                problems.append(
                    Problem(
                        response.path,
                        response.line,
                        f"{response.name} is {len(response.text)} characters; "
                        f"keep answers under {MAX_ANSWER_CHARS}",
                    )
                )
            if not response.buttons:
                problems.append(
                    Problem(response.path, response.line, f"{response.name} has no quick replies (buttons)")
                )
        if response.name.startswith("utter_faq/") and response.name[len("utter_") :] not in examples:
            problems.append(
                Problem(response.path, response.line, f"{response.name} has no example questions")
            )
        following = response.metadata.get("next")
        if following and f"utter_{following}" not in responses:
            problems.append(
                Problem(response.path, response.line, f"{response.name}: next {following!r} does not exist")
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


def check_coverage(responses: Dict[str, Response], problems: List[Problem]) -> None:
    data = load_yaml(COVERAGE, problems)
    if data is None:
        return
    documents = {p.name: normalise(p.read_text(encoding="utf-8")) for p in SOURCES.glob("*.txt")}
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
        if not answers:
            problems.append(Problem(COVERAGE, line, f"fact {fact.get('id')} has no response"))
        for name in answers:
            if name not in responses:
                problems.append(
                    Problem(COVERAGE, line, f"fact {fact.get('id')}: response {name} does not exist")
                )


def run() -> List[Problem]:
    problems: List[Problem] = []
    responses, examples = collect(problems)
    check_sources(responses.values(), problems)
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
