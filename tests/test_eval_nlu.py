"""The cross-validation page of `make eval-nlu`, from Rasa's report files (no training here)."""

import json

from scripts.eval_nlu import write_page


def report(**rows):
    return {
        name: {"precision": p, "recall": r, "f1-score": f, "support": n, "confused_with": c}
        for name, (p, r, f, n, c) in rows.items()
    }


def test_the_page_lists_weak_answers_first_with_their_confusions_and_examples(tmp_path):
    answers = report(
        **{
            "faq/stretching": (1.0, 1.0, 1.0, 30, {}),
            "faq/how_growth_works": (0.7, 0.6, 0.65, 20, {"faq/hypertrophy_not_realistic": 4}),
        }
    )
    answers["accuracy"] = 0.81
    intents = report(
        faq=(0.95, 0.95, 0.95, 50, {"out_of_scope": 2}), out_of_scope=(0.8, 0.7, 0.75, 10, {"faq": 3})
    )
    intents["accuracy"] = 0.9
    (tmp_path / "response_selection_report.json").write_text(json.dumps(answers))
    (tmp_path / "intent_report.json").write_text(json.dumps(intents))
    (tmp_path / "response_selection_errors.json").write_text(
        json.dumps(
            [
                {
                    "text": "what makes a muscle get bigger",
                    "intent_response_key_target": "faq/how_growth_works",
                    "intent_response_key_prediction": {
                        "name": "faq/hypertrophy_not_realistic",
                        "confidence": 0.2,
                    },
                }
            ]
        )
    )

    summary = write_page(tmp_path, 5)

    page = (tmp_path / "index.html").read_text()
    assert summary["answers"] == 0.81 and summary["intents"] == 0.9
    assert summary["weakest_answers"][0] == "how_growth_works"
    assert page.index("how_growth_works") < page.index("<td>stretching</td>")  # weakest first
    assert "<td>how_growth_works</td><td>hypertrophy_not_realistic</td><td>4</td>" in page
    assert "what makes a muscle get bigger" in page
    assert 'class="weak"' in page and "response_selection_confusion_matrix.png" in page
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
