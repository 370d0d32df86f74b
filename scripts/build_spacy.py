"""Build Pace's own spaCy pipeline from files in this repository.

No pretrained English pipeline exists for spaCy 3.4 on the registries we may use, so Pace builds a
blank English pipeline with:
  - a sentencizer (the symptom layer reasons per sentence),
  - the lookup lemmatizer, whose tables come from the spacy-lookups-data package and are saved
    inside the pipeline (nothing is downloaded at run time),
  - an attribute ruler that maps common misspellings (content/spelling.yml) to the right lemma,
  - tokenizer cases that split a contraction typed short ("cnt", "cudnt") as spaCy splits the
    contraction meant ("ca" "n't": "can" "not"), and plus signs off a word's end (care notes'
    "fatigue++" is "fatigue" "++").

Usage: python scripts/build_spacy.py OUTPUT_DIR
"""

import sys
from pathlib import Path
from typing import Dict

import spacy
import yaml

if __package__ in (None, ""):  # run as a script: scripts/ is on the path
    from check_safety_files import contraction_problem
else:
    from scripts.check_safety_files import contraction_problem

ROOT = Path(__file__).resolve().parent.parent
SPELLING_FILE = ROOT / "content" / "spelling.yml"


def load_corrections(path: Path = SPELLING_FILE) -> Dict[str, str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    corrections = data.get("corrections") or {}
    bad = [k for k, v in corrections.items() if not isinstance(v, str) or " " in str(k)]
    if bad:
        raise SystemExit(f"{path}: corrections must map one word to one word: {bad}")
    return {str(k).lower(): v.lower() for k, v in corrections.items()}


def load_contractions(path: Path = SPELLING_FILE) -> Dict[str, str]:
    """Contractions typed short ("cnt") -> the contraction meant ("can't")."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    contractions = {str(k).lower(): str(v).lower() for k, v in (data.get("contractions") or {}).items()}
    problems = [p for p in (contraction_problem(k, v) for k, v in contractions.items()) if p]
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return contractions


def build(output: Path) -> spacy.language.Language:
    nlp = spacy.blank("en")
    # a care note's arrows are words of their own: "sats 95→85", "wt↓", "↓2.1kg"
    arrows = r"[→←↑↓]"
    suffixes = list(nlp.Defaults.suffixes) + [r"\++", arrows]
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    prefixes, infixes = list(nlp.Defaults.prefixes) + [arrows], list(nlp.Defaults.infixes) + [arrows]
    nlp.tokenizer.prefix_search = spacy.util.compile_prefix_regex(prefixes).search
    nlp.tokenizer.infix_finditer = spacy.util.compile_infix_regex(infixes).finditer
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("attribute_ruler")
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    for wrong, right in sorted(load_corrections().items()):
        # the lemma the right word would get, so "tierd" and "tired" match the same patterns
        lemma = nlp(right)[0].lemma_
        ruler.add([[{"LOWER": wrong}]], {"LEMMA": lemma, "NORM": right})
    for typed, meant in sorted(load_contractions().items()):
        # ("cnt" -> "c" "nt", read as "can" "not", the normal forms of "ca" "n't")
        head = nlp.make_doc(meant)[0]
        for written in {typed, typed.capitalize(), typed.upper()}:
            pieces = [{"ORTH": written[:-2], "NORM": head.norm_}, {"ORTH": written[-2:], "NORM": "not"}]
            nlp.tokenizer.add_special_case(written, pieces)
    nlp.meta["name"] = "pace_en"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + lookup lemmatizer + misspelling rules for Pace"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return nlp


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/build_spacy.py OUTPUT_DIR")
    built = build(Path(sys.argv[1]))
    print(f"built spaCy pipeline {built.pipe_names} in {sys.argv[1]}")
