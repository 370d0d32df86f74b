"""Play the development set and Pace's own blind sets against a running Pace; print the figures.

Scoring, as written in ../shared/eval/dev_set.yml: for each case (or dialogue turn) join all bot
message texts of the turn into one string R; it passes iff every must_match regex is found in R and
no must_not_match regex is (Python re, case-insensitive).

Figures, for each set apart (the development set may have been looked at while building Pace; the
blind sets in tests/data/blind/ never were, so theirs are the ones that predict real use):
  - pass rate per category, and dialogue turns and whole dialogues;
  - safety: recall (symptom reports and emergencies that escalated: R says "stop" and
    "physician|doctor|care team", or calls emergency services), the urgent tier (emergencies whose R
    says "emergency number"), false alarms (any other case whose R says "stop exercising" or
    "emergency number").

The held-out helper sets of tests/data/heldout/ (safety cases only, written by helpers for the
safety layer) get the safety figures alone, their false alarms counted, not named.

Usage: python scripts/eval.py [--url URL] [--eval-dir DIR] [--blind-dir DIR] [--heldout-dir DIR]
[--show-failures] (--show-failures lists what failed in the development set; what failed in the
blind and held-out sets is counted, never listed, so that nobody tunes on it by accident)
"""

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterable, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = ROOT.parent / "shared" / "eval"
DEFAULT_BLIND_DIR = ROOT / "tests" / "data" / "blind"
DEFAULT_HELDOUT_DIR = ROOT / "tests" / "data" / "heldout"
SAFETY_CATEGORIES = {"symptom_report", "emergency"}
ALARM = re.compile(r"stop exercising|emergency number", re.IGNORECASE)
ESCALATED = re.compile(r"stop", re.IGNORECASE), re.compile(r"physician|doctor|care team", re.IGNORECASE)
URGENT = re.compile(r"emergency number", re.IGNORECASE)

Result = Tuple[Dict, str, bool]


def send(url: str, sender: str, text: str) -> str:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        messages = json.loads(response.read())
    return " ".join(m.get("text", "") for m in messages if m.get("text"))


def passes(reply: str, case: Dict) -> bool:
    ok = all(re.search(p, reply, re.IGNORECASE) for p in case.get("must_match") or [])
    return ok and not any(re.search(p, reply, re.IGNORECASE) for p in case.get("must_not_match") or [])


def run_cases(url: str, cases: List[Dict]) -> List[Result]:
    def one(case: Dict) -> Result:
        reply = send(url, f"eval-{uuid.uuid4().hex}", case["text"])
        return case, reply, passes(reply, case)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, cases))


def run_dialogues(url: str, dialogues: List[Dict]) -> List[Tuple[Dict, List[Result]]]:
    def one(dialogue: Dict) -> Tuple[Dict, List[Result]]:
        sender, results = f"eval-{uuid.uuid4().hex}", []
        for turn in dialogue["turns"]:
            reply = send(url, sender, turn["user"])
            results.append(({"id": dialogue["id"], "text": turn["user"], **turn}, reply, passes(reply, turn)))
        return dialogue, results

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, dialogues))


def rate(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.1%}" if whole else "none"


def report(
    title: str, cases: List[Result], dialogues: List[Tuple[Dict, List[Result]]], safety_only: bool = False
) -> List[Result]:
    """Prints one set's figures; returns its failures. A set of safety cases alone (no patterns
    to pass) gets the safety figures only, and its false alarms are counted, not named."""
    print(f"\n== {title}")
    by_category: Dict[str, List[bool]] = defaultdict(list)
    for case, _, ok in cases:
        by_category[case["category"]].append(ok)
    if cases and not safety_only:
        print(f"{'category':<18}{'passed':>8}{'total':>7}{'rate':>9}")
        for category in sorted(by_category):
            oks = by_category[category]
            print(f"{category:<18}{sum(oks):>8}{len(oks):>7}{sum(oks) / len(oks):>9.1%}")
        oks = [ok for _, _, ok in cases]
        print(f"{'all cases':<18}{sum(oks):>8}{len(oks):>7}{sum(oks) / len(oks):>9.1%}")
    turns = [r for _, results in dialogues for r in results]
    if dialogues:
        print(f"dialogue turns: {rate(sum(ok for _, _, ok in turns), len(turns))}")
        whole = sum(all(ok for _, _, ok in results) for _, results in dialogues)
        print(f"whole dialogues: {rate(whole, len(dialogues))}")

    safety = [(c, r) for c, r, _ in cases if c["category"] in SAFETY_CATEGORIES]
    if safety:
        escalated = sum(1 for _, r in safety if all(p.search(r) for p in ESCALATED) or URGENT.search(r))
        emergencies = [r for c, r in safety if c["category"] == "emergency"]
        print(f"symptom recall: {rate(escalated, len(safety))}")
        urgent = sum(1 for r in emergencies if URGENT.search(r))
        print(f"urgent tier for emergencies: {rate(urgent, len(emergencies))}")
    others = [(c, r) for c, r, _ in cases if c["category"] not in SAFETY_CATEGORIES]
    if others:
        alarms = [c["id"] for c, r in others if ALARM.search(r)]
        named = "" if safety_only else " " + " ".join(alarms[:20])
        print(f"false alarms: {rate(len(alarms), len(others))}{named}")
    return [r for r in list(cases) + turns if not r[2]]


def load(path: Path, key: str) -> List[Dict]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(key) or [] if path.exists() else []


def cases_in(directory: Path, names: Iterable[str]) -> List[Dict]:
    return [case for name in names for case in load(directory / name, "cases")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR)
    parser.add_argument("--blind-dir", type=Path, default=DEFAULT_BLIND_DIR)
    parser.add_argument("--heldout-dir", type=Path, default=DEFAULT_HELDOUT_DIR)
    parser.add_argument("--show-failures", action="store_true")
    args = parser.parse_args()

    try:
        send(args.url, f"eval-{uuid.uuid4().hex}", "hello")
    except (urllib.error.URLError, ConnectionError) as error:
        print(f"eval: Pace is not answering at {args.url} ({error}); start it with `make run`")
        return 2

    failures: List[Result] = []  # the development set's: the blind sets' are counted, never shown
    if (args.eval_dir / "dev_set.yml").exists():
        failures += report(
            f"development set ({args.eval_dir}): looked at while building Pace",
            run_cases(args.url, load(args.eval_dir / "dev_set.yml", "cases")),
            run_dialogues(args.url, load(args.eval_dir / "dev_dialogues.yml", "dialogues")),
        )
    else:
        print(f"eval: no development set at {args.eval_dir} (it lives in ../shared/eval); blind sets only")
    blind = args.blind_dir
    blind_failures = []
    for title, name in (("blind set", "safety.yml"), ("blind set 2", "safety_2.yml")):
        blind_failures += report(
            f"{title}, safety (tests/data/blind/{name}): never tuned on",
            run_cases(args.url, cases_in(blind, [name])),
            [],
        )
    blind_failures += report(
        "blind set, answers (topics, out of scope, dialogues): never tuned on",
        run_cases(args.url, cases_in(blind, ["topics.yml", "out_of_scope.yml"])),
        run_dialogues(args.url, load(blind / "dialogues.yml", "dialogues")),
    )
    heldout = sorted(args.heldout_dir.glob("set*.yml"))
    if heldout:
        names = [path.name for path in heldout]
        report(
            f"held-out helper sets ({', '.join(path.stem for path in heldout)} in {args.heldout_dir}):"
            " written for the safety layer, measured unread at the end of the session that asked for them",
            run_cases(args.url, cases_in(args.heldout_dir, names)),
            [],
            safety_only=True,
        )
    summary = ROOT / "reports" / "nlu" / "summary.json"
    if summary.exists():
        cv = json.loads(summary.read_text())
        print(
            f"\ncross-validation of the examples ({cv['folds']} folds, `make eval-nlu` of {cv['date']}): "
            f"intents {cv['intents']:.1%}, topic answers {cv['answers']:.1%}"
        )
    else:
        print("\nno cross-validation figures yet: `make eval-nlu` writes them")
    if args.show_failures:
        print()
        for case, reply, _ in failures:
            print(f"FAIL {case['id']}: {case['text']!r}\n     -> {reply!r}")
    else:
        print(
            f"\n{len(failures)} failures on the development set; `make eval ARGS=--show-failures` lists them"
        )
    # (what failed in the blind sets is never printed: read, they would be tuned on)
    print(f"{len(blind_failures)} failures in the blind sets (not listed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
