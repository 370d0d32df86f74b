"""What people asked Pace, as a page for the content team: reports/index.html (`make report`).

Reads the conversations Pace stored (the SQL tracker store: PACE_DB, var/conversations.db by
default, or --db) and writes, with pictures:
  - the questions that got the "Did you mean...?" menu, or an answer Pace was unsure of, grouped
    by their words, most frequent first (these are the examples to add);
  - escalations by symptom category and week;
  - the answers asked for most.
Beside it, the NLU cross-validation page of `make eval-nlu` when it exists.

Sender ids are never shown. The words of a conversation that escalated (someone reported a
symptom) are not shown either, only counted, unless the reader asks with --show-escalated.
"""

import argparse
import datetime as dt
import html
import json
import os
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "reports"
FALLBACK_ACTIONS = {"utter_suggest_topics", "action_suggest_topics"}
ESCALATION_INTENTS = {"report_symptom": None, "report_emergency": "emergency"}
# below this the answer was given but Pace was unsure (the "Did you mean" menu starts at 0.2)
UNSURE_BELOW = 0.5
HIDDEN = "(words not shown: the conversation reported a symptom; --show-escalated shows them)"


@dataclass
class Turn:
    text: str
    intent: str
    answer: str = ""
    answer_confidence: float = 1.0
    replies: List[str] = field(default_factory=list)


@dataclass
class Conversation:
    turns: List[Turn] = field(default_factory=list)
    escalated: bool = False


@dataclass
class Findings:
    conversations: int = 0
    messages: int = 0
    fallbacks: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))
    unsure: Dict[str, List[Tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    escalations: Counter = field(default_factory=Counter)  # (week, category) -> count
    answers: Counter = field(default_factory=Counter)


def words(text: str) -> str:
    """The grouping key of a question: its words, lower case, without punctuation."""
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def week_of(timestamp: Optional[float]) -> str:
    if not timestamp:
        return "unknown"
    year, week, _ = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def read(db: Path) -> Tuple[Dict[str, Conversation], Counter]:
    """Conversations by sender (never shown), and escalations by (week, category)."""
    if not db.exists():
        raise SystemExit(f"no conversations at {db}: run Pace (`make run`) or give --db")
    conversations: Dict[str, Conversation] = defaultdict(Conversation)
    escalations: Counter = Counter()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        try:
            rows = connection.execute(
                "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                "FROM events ORDER BY id"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            raise SystemExit(f"{db} is not a Pace conversation store: {error}") from None
    for sender, kind, timestamp, intent, action, data in rows:
        conversation = conversations[sender]
        event = json.loads(data or "{}")
        if kind == "user":
            parse = event.get("parse_data") or {}
            turn = Turn(str(event.get("text") or ""), intent or "")
            selected = (parse.get("response_selector") or {}).get("faq", {}).get("response") or {}
            if intent == "faq":
                turn.answer = str(selected.get("utter_action") or "")
                turn.answer_confidence = float(selected.get("confidence") or 0.0)
            conversation.turns.append(turn)
            if intent in ESCALATION_INTENTS:
                conversation.escalated = True
                symptoms = [
                    e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "symptom"
                ]
                category = ESCALATION_INTENTS[intent] or (symptoms[0] if symptoms else "unnamed")
                escalations[(week_of(timestamp), str(category))] += 1
        elif kind == "bot" and conversation.turns:
            conversation.turns[-1].replies.append(
                str((event.get("metadata") or {}).get("utter_action") or "")
            )
        elif kind == "action" and action in FALLBACK_ACTIONS and conversation.turns:
            conversation.turns[-1].replies.append(action)
    return conversations, escalations


def analyse(conversations: Dict[str, Conversation], escalations: Counter, show_escalated: bool) -> Findings:
    found = Findings(conversations=len(conversations), escalations=escalations)
    for conversation in conversations.values():
        for turn in conversation.turns:
            if turn.text.startswith("/"):
                continue  # a button's or the system's shortcut, not words someone typed
            found.messages += 1
            hidden = conversation.escalated and not show_escalated
            shown, key = (HIDDEN, HIDDEN) if hidden else (turn.text, words(turn.text))
            found.answers.update(r for r in turn.replies if r.startswith("utter_faq/"))
            if any(r in FALLBACK_ACTIONS for r in turn.replies):
                found.fallbacks[key].append(shown)
            elif turn.answer and turn.answer_confidence < UNSURE_BELOW:
                found.unsure[key].append((shown, turn.answer[len("utter_") :]))
    return found


def bar_chart(path: Path, labels: List[str], values: List[int], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 0.35 * max(len(labels), 3) + 1))
    axes.barh(labels[::-1], values[::-1], color="#1f5f8b")
    axes.set_title(title)
    axes.set_xlabel("messages")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def escalation_chart(path: Path, escalations: Counter) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    weeks = sorted({w for w, _ in escalations})
    categories = sorted({c for _, c in escalations})
    figure, axes = plt.subplots(figsize=(9, 4))
    colours = plt.get_cmap("tab20")
    bottom = [0] * len(weeks)
    for number, category in enumerate(categories):
        heights = [escalations[(w, category)] for w in weeks]
        axes.bar(weeks, heights, bottom=bottom, label=category, color=colours(number % 20))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_title("Escalations by week and symptom")
    axes.set_ylabel("messages")
    axes.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def table(headers: List[str], rows: List[List[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def grouped(groups: Dict[str, List], limit: int) -> List[Tuple[int, str, object]]:
    """(count, the commonest wording, extra) per group, most frequent first."""
    rows = []
    for texts in groups.values():
        wordings = Counter(t[0] if isinstance(t, tuple) else t for t in texts)
        extra = Counter(t[1] for t in texts if isinstance(t, tuple)).most_common(1)
        rows.append((len(texts), wordings.most_common(1)[0][0], extra[0][0] if extra else ""))
    return sorted(rows, key=lambda r: (-r[0], r[1]))[:limit]


def write(found: Findings, out: Path, limit: int = 50) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Pace: what people asked</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5}"
        "table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #999;padding:.3rem .6rem;"
        "text-align:left}img{max-width:100%}</style></head><body>",
        "<h1>Pace: what people asked</h1>",
        f"<p>{found.conversations} conversations, {found.messages} messages typed. Sender ids are never "
        "shown; the words of conversations that reported a symptom are counted but not shown.</p>",
    ]
    fallbacks = grouped(found.fallbacks, limit)
    total_fallbacks = sum(len(v) for v in found.fallbacks.values())
    parts.append(f"<h2>Questions Pace did not understand ({total_fallbacks})</h2>")
    parts.append(
        "<p>They got the “Did you mean…?” menu. Add them, in their own words, as examples of the "
        "answer they wanted.</p>"
    )
    parts.append(
        table(["times", "question"], [[n, text] for n, text, _ in fallbacks]) if fallbacks else "<p>None.</p>"
    )
    unsure = grouped(found.unsure, limit)
    parts.append(f"<h2>Answers Pace was unsure of (confidence below {UNSURE_BELOW})</h2>")
    parts.append(
        table(["times", "question", "answer given"], [[n, text, answer] for n, text, answer in unsure])
        if unsure
        else "<p>None.</p>"
    )
    parts.append(f"<h2>Escalations by week and symptom ({sum(found.escalations.values())})</h2>")
    if found.escalations:
        escalation_chart(out / "escalations.png", found.escalations)
        parts.append("<img src='escalations.png' alt='Escalations per week, stacked by symptom category'>")
        weeks = sorted({w for w, _ in found.escalations})
        categories = sorted({c for _, c in found.escalations})
        rows = [[c, *[found.escalations[(w, c)] for w in weeks]] for c in categories]
        parts.append(table(["symptom", *weeks], rows))
    else:
        parts.append("<p>None.</p>")
    top = found.answers.most_common(20)
    parts.append("<h2>Answers asked for most</h2>")
    if top:
        bar_chart(
            out / "answers.png",
            [a[len("utter_faq/") :] for a, _ in top],
            [n for _, n in top],
            "Answers given",
        )
        parts.append("<img src='answers.png' alt='The answers given most often'>")
        parts.append(table(["answer", "times"], [[a[len("utter_faq/") :], n] for a, n in top]))
    else:
        parts.append("<p>None yet.</p>")
    if (out / "nlu" / "index.html").exists():
        parts.append(
            "<h2>Cross-validation</h2><p><a href='nlu/index.html'>How well each answer is told apart "
            "from the others</a> (<code>make eval-nlu</code>).</p>"
        )
    else:
        parts.append("<p>Run <code>make eval-nlu</code> for the cross-validation page beside this one.</p>")
    parts.append("</body></html>")
    page = out / "index.html"
    page.write_text("\n".join(parts), encoding="utf-8")
    return page


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default_db = Path(os.environ.get("PACE_DB") or ROOT / "var" / "conversations.db")
    parser.add_argument(
        "--db", type=Path, default=default_db, help=f"the SQLite store (default {default_db})"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where to write index.html (default reports/)")
    parser.add_argument(
        "--show-escalated", action="store_true", help="show the words of escalated conversations"
    )
    args = parser.parse_args(argv)
    conversations, escalations = read(args.db)
    page = write(analyse(conversations, escalations, args.show_escalated), args.out)
    print(f"report: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
