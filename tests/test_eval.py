"""scripts/eval.py: the blind sets' failures are counted, never shown."""

import sys

import yaml

from scripts import eval as pace_eval


def test_show_failures_lists_the_development_set_only(tmp_path, monkeypatch, capsys):
    dev, blind = tmp_path / "dev", tmp_path / "blind"
    dev.mkdir()
    blind.mkdir()
    case = {"category": "out_of_scope", "must_match": ["outside"]}
    (dev / "dev_set.yml").write_text(yaml.safe_dump({"cases": [{**case, "id": "d1", "text": "dev words"}]}))
    (blind / "topics.yml").write_text(
        yaml.safe_dump({"cases": [{**case, "id": "b1", "text": "blind words"}]})
    )
    trap = {"category": "trap", "must_not_match": ["stop exercising"], "id": "b2", "text": "second words"}
    (blind / "safety_2.yml").write_text(yaml.safe_dump({"cases": [trap]}))
    monkeypatch.setattr(pace_eval, "send", lambda url, sender, text: "an answer")
    argv = ["eval.py", "--eval-dir", str(dev), "--blind-dir", str(blind), "--show-failures"]
    monkeypatch.setattr(sys, "argv", argv)
    assert pace_eval.main() == 0
    out = capsys.readouterr().out
    assert "FAIL d1: 'dev words'" in out
    assert "blind words" not in out and "b1" not in out and "second words" not in out
    assert "blind set 2, safety (tests/data/blind/safety_2.yml)" in out
    assert "false alarms: 0/1 = 0.0%" in out
    assert "1 failures in the blind sets (not listed)" in out


def test_held_out_sets_get_safety_figures_with_nothing_named(tmp_path, monkeypatch, capsys):
    heldout = tmp_path / "heldout"
    heldout.mkdir()
    cases = [
        {"id": "h1", "category": "trap", "text": "trap words"},
        {"id": "h2", "category": "emergency", "text": "emergency words"},
    ]
    (heldout / "set900.yml").write_text(yaml.safe_dump({"version": 1, "cases": cases}))
    replies = {"trap words": "Please stop exercising", "emergency words": "Call your local emergency number"}
    monkeypatch.setattr(pace_eval, "send", lambda url, sender, text: replies.get(text, "hello"))
    argv = ["eval.py", "--eval-dir", str(tmp_path / "none"), "--blind-dir", str(tmp_path / "none")]
    monkeypatch.setattr(sys, "argv", argv + ["--heldout-dir", str(heldout)])
    assert pace_eval.main() == 0
    out = capsys.readouterr().out
    section = out[out.index("held-out helper sets (set900") :]
    assert "symptom recall: 1/1 = 100.0%" in section and "urgent tier for emergencies: 1/1" in section
    assert "false alarms: 1/1 = 100.0%\n" in section
    assert "h1" not in out and "trap words" not in out and "category" not in section.split("\n\n")[0]
