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
