"""`rasa data validate --fail-on-warnings`, strict about every warning but two known false positives.

Rasa 3.6 prints most validation warnings without failing even with --fail-on-warnings, so this
script fails on any warning itself, except:
  1. "The utterance 'utter_x' is not used in any story or rule." for responses that a custom
     action sends (the validator does not read actions/). Only names that appear in actions/ are
     excused, so a really unused response still fails.
  2. "duplicated intents ... across multiple domain files: faq": Rasa adds each retrieval intent
     found in the NLU data to the domain, and rules can only use it when domain.yml lists it too.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARNING = re.compile(r"UserWarning: (.*?)(?:\x1b\[0m|$)")
UNUSED = re.compile(r"The utterance '(utter_[\w/]+)' is not used in any story or rule\.")
RETRIEVAL_DUPLICATE = re.compile(r"duplicated intents have been found across multiple domain files: (.*)")


def responses_sent_by_actions() -> set:
    names = set()
    for source in (ROOT / "actions").glob("*.py"):
        names.update(re.findall(r"\"(utter_[a-z_]+)\"", source.read_text(encoding="utf-8")))
    return names


def retrieval_intents() -> set:
    intents = set()
    for path in (ROOT / "data").rglob("*.yml"):
        intents.update(re.findall(r"intent: (\w+)/", path.read_text(encoding="utf-8")))
    return intents


def main() -> int:
    rasa = ROOT / ".venv" / "bin" / "rasa"
    result = subprocess.run(
        [str(rasa), "data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    excused_utterances = responses_sent_by_actions()
    excused_intents = retrieval_intents()
    lines = output.splitlines()
    problems = []
    for i, line in enumerate(lines):
        match = WARNING.search(line)
        if not match:
            if " ERROR " in line:
                problems.append(line)
            continue
        message = match.group(1).strip() or (lines[i + 1] if i + 1 < len(lines) else "")
        unused = UNUSED.search(message)
        if unused and unused.group(1) in excused_utterances:
            continue
        duplicate = RETRIEVAL_DUPLICATE.search(message)
        if duplicate and {d.strip() for d in duplicate.group(1).split(",")} <= excused_intents:
            continue
        problems.append(message + (" " + lines[i + 1] if not match.group(1).strip() else ""))
    if result.returncode != 0 and not problems:
        problems.append(f"rasa data validate exited with {result.returncode}")
    for problem in problems:
        print(f"validate: {problem}")
    print("validate: ok" if not problems else f"validate: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
