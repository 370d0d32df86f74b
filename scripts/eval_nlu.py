"""Rasa's NLU cross-validation, written as a page the content team reads: reports/nlu/index.html.

Runs `rasa test nlu --cross-validation` (each fold trains on the rest of data/nlu and is tested on
the examples it did not see), then lists per answer and per intent how often Pace was right
(precision: of the messages it answered with this, how many were meant for it; recall: of the
messages meant for it, how many got it), the pairs it confuses most, with examples, and Rasa's
confusion-matrix pictures. The figures also go to reports/nlu/summary.json, which `make eval` prints.

Usage: python scripts/eval_nlu.py [--folds N] [--out DIR]
"""

import argparse
import html
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "reports" / "nlu"
SUMMARY_KEYS = ("accuracy", "macro avg", "weighted avg", "micro avg")


def run_cross_validation(folds: int, out: Path) -> None:
    command = [
        str(Path(sys.executable).parent / "rasa"), "test", "nlu", "--cross-validation", "--folds", str(folds),
        "--config", "config.yml", "--nlu", "data/nlu", "--domain", "domain.yml", "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    print(
        f"eval-nlu: {folds}-fold cross-validation (each fold trains and tests a model: several minutes) ...",
        flush=True,
    )
    started = time.monotonic()
    with open(out / "rasa.log", "w") as log:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"eval-nlu: rasa test nlu failed (exit {done.returncode}); see {out / 'rasa.log'}")
    print(f"eval-nlu: done in {time.monotonic() - started:.0f} s", flush=True)


def titles() -> Dict[str, str]:
    """Answer key -> the title content editors gave it."""
    found = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for key, variants in ((yaml.safe_load(path.read_text()) or {}).get("responses") or {}).items():
            found[key.removeprefix("utter_")] = ((variants or [{}])[0].get("metadata") or {}).get("title", "")
    return found


def rows(report: Dict) -> List[Tuple[str, Dict]]:
    return sorted(
        ((name, r) for name, r in report.items() if name not in SUMMARY_KEYS and isinstance(r, dict)),
        key=lambda item: (item[1]["f1-score"], item[0]),
    )


def overall(report: Dict) -> float:
    if isinstance(report.get("accuracy"), float):
        return report["accuracy"]
    return (report.get("micro avg") or report.get("weighted avg") or {}).get("f1-score", 0.0)


def confused_pairs(report: Dict, limit: int = 15) -> List[Tuple[str, str, int]]:
    pairs = Counter()
    for name, r in rows(report):
        for other, count in (r.get("confused_with") or {}).items():
            pairs[(name, other)] += count
    return [(a, b, n) for (a, b), n in pairs.most_common(limit)]


def examples(errors: List[Dict], truth: str, prediction: str, pairs: List[Tuple[str, str, int]]) -> Dict:
    found: Dict[Tuple[str, str], List[str]] = {}
    wanted = {(a, b) for a, b, _ in pairs}
    for error in errors:
        got = error.get(prediction)
        got = got.get("name") if isinstance(got, dict) else got
        key = (error.get(truth), got)
        if key in wanted and len(found.setdefault(key, [])) < 3:
            found[key].append(error.get("text", ""))
    return found


def table(report: Dict, names: Dict[str, str]) -> str:
    lines = ["<table><tr><th>answer or intent</th><th>title</th><th>precision</th><th>recall</th>"
             "<th>examples</th></tr>"]  # fmt: skip
    for name, r in rows(report):
        weak = ' class="weak"' if r["f1-score"] < 0.8 else ""
        lines.append(
            f"<tr{weak}><td>{html.escape(name)}</td><td>{html.escape(names.get(name, ''))}</td>"
            f"<td>{r['precision']:.2f}</td><td>{r['recall']:.2f}</td><td>{r['support']}</td></tr>"
        )
    return "\n".join(lines + ["</table>"])


def confusions(pairs: List[Tuple[str, str, int]], samples: Dict) -> str:
    lines = ["<table><tr><th>meant</th><th>answered as</th><th>times</th><th>for example</th></tr>"]
    for a, b, n in pairs:
        shown = "<br>".join(html.escape(t) for t in samples.get((a, b), []))
        lines.append(
            f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td>{n}</td><td>{shown}</td></tr>"
        )
    return "\n".join(lines + ["</table>"])


def write_page(out: Path, folds: int) -> Dict:
    intents = json.loads((out / "intent_report.json").read_text())
    answers = json.loads((out / "response_selection_report.json").read_text())
    intent_errors = (
        json.loads((out / "intent_errors.json").read_text()) if (out / "intent_errors.json").exists() else []
    )
    answer_errors = (
        json.loads((out / "response_selection_errors.json").read_text())
        if (out / "response_selection_errors.json").exists()
        else []
    )
    names = titles()
    answers = {k.removeprefix("faq/") if isinstance(v, dict) else k: v for k, v in answers.items()}
    for r in answers.values():
        if isinstance(r, dict) and "confused_with" in r:
            r["confused_with"] = {k.removeprefix("faq/"): n for k, n in r["confused_with"].items()}
    for error in answer_errors:
        for field in ("intent_response_key_target", "intent_response_key_prediction"):
            value = error.get(field)
            if isinstance(value, dict):
                value = value.get("name")
            error[field] = (value or "").removeprefix("faq/")
    answer_pairs, intent_pairs = confused_pairs(answers), confused_pairs(intents)
    summary = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "folds": folds,
        "intents": round(overall(intents), 3),
        "answers": round(overall(answers), 3),
        "weakest_answers": [name for name, r in rows(answers)[:5]],
    }
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pace: how well questions are understood</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:1rem 0}}td,th{{border:1px solid #999;padding:.3rem .6rem;text-align:left}}
tr.weak td{{background:#fff0d0}}img{{max-width:100%}}</style></head><body>
<h1>How well Pace understands questions</h1>
<p>{folds}-fold cross-validation of <code>data/nlu</code> ({summary['date']}): each example was
answered by a model that was trained without it. Intents right: <strong>{summary['intents']:.1%}</strong>;
topic answers right: <strong>{summary['answers']:.1%}</strong>. These are examples Pace's writers
wrote; questions from real people score lower (see <code>make eval</code>'s blind sets).</p>
<p>Precision: of the questions Pace answered with this, the share meant for it. Recall: of the
questions meant for it, the share that got it. Rows below 0.8 are marked: add examples that
say it differently, or make the two answers easier to tell apart.</p>
<h2>Topic answers, weakest first</h2>
{table(answers, names)}
<h2>Answers confused most often</h2>
{confusions(answer_pairs, examples(answer_errors, 'intent_response_key_target', 'intent_response_key_prediction', answer_pairs))}
<img src="response_selection_confusion_matrix.png" alt="Confusion matrix of the topic answers">
<h2>Intents, weakest first</h2>
{table(intents, {})}
<h2>Intents confused most often</h2>
{confusions(intent_pairs, examples(intent_errors, 'intent', 'intent_prediction', intent_pairs))}
<img src="intent_confusion_matrix.png" alt="Confusion matrix of the intents">
</body></html>
"""  # noqa: E501
    (out / "index.html").write_text(page, encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    run_cross_validation(args.folds, args.out)
    summary = write_page(args.out, args.folds)
    print(
        f"cross-validation ({args.folds} folds): intents {summary['intents']:.1%}, "
        f"topic answers {summary['answers']:.1%}"
    )
    print(f"weakest answers: {', '.join(summary['weakest_answers'])}")
    print(f"report: {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
