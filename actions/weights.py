"""Reading a body weight from what people type: "62 kg", "130lbs", "about 59 kilos", "12 stone",
"11 st 4 lb", "eight and a half stone", "ten stone seven"."""

import re
from dataclasses import dataclass

from text_to_num import alpha2digit

KG_PER_LB = 0.45359237
LB_PER_STONE = 14
# Outside this range we ask again rather than compute: most likely a typo or a wrong unit.
PLAUSIBLE_KG = (30.0, 250.0)
# A number given without a unit is only taken for a weight when it could be one in kg or lb.
BARE_NUMBER_RANGE = (20.0, 700.0)

_UNITS = {
    "kg": "kg",
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "kilogrammes": "kg",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
}
_WITH_UNIT = re.compile(
    r"(?<![\d.])(\d{1,4}(?:[.,]\d{1,2})?)\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty twenty-one twenty-two twenty-three twenty-four "
        "twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty".split()
    )
}
_AMOUNT = r"\d{1,2}(?:[.,]\d{1,2})?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# "12 stone", "12st 2lb", "11 st 4 lb", "eight and a half stone", "ten stone seven", "9 stone and 3 pounds"
_STONE = re.compile(
    rf"(?<![\w.])({_AMOUNT})(\s+and\s+a\s+half|\s*½)?\s*(?:st|stone|stones)\b"
    rf"(?:\s*(?:and\s+)?({_AMOUNT})(?:\s*(?:lb|lbs|pounds?)\b|(?!\s*(?:kg|kilos?|g|grams?)\b)))?",
    re.IGNORECASE,
)
# (not grams, a percentage, a time or a count: "why 30 to 60 mins", "10 reps")
_NOT_A_WEIGHT = (
    r"g|grams?|%|secs?|seconds?|mins?|minutes?|hours?|hrs?|days?|weeks?|months?|years?|yrs?|reps?|"
    r"times|sets|steps|meals|am|pm"
)
_BARE_NUMBER = re.compile(
    rf"(?<![\d.])(\d{{1,4}}(?:[.,]\d{{1,2}})?)"
    rf"(?![\d.]*\s*(?:(?:to|or|-|–)\s*\d{{1,4}}\s*)?(?:{_NOT_A_WEIGHT})\b)"
)


@dataclass(frozen=True)
class Weight:
    amount: float
    unit: str | None  # "kg", "lb", or None when the person gave no unit
    shown: str | None = None  # how the person gave it, when not as amount and unit ("12 st 2 lb")

    @property
    def kg(self) -> float:
        return self.amount * KG_PER_LB if self.unit == "lb" else self.amount

    @property
    def plausible(self) -> bool:
        return self.unit is not None and PLAUSIBLE_KG[0] <= self.kg <= PLAUSIBLE_KG[1]

    def describe(self) -> str:
        """'62 kg', '130 lb (about 59 kg)' or '12 st 2 lb (about 77 kg)'."""
        shown = self.shown or f"{self.amount:g} {self.unit}"
        return shown if self.unit == "kg" else f"{shown} (about {round_half_up(self.kg)} kg)"


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def parse_weight(text: str, allow_bare_number: bool = False) -> Weight | None:
    """The weight in `text`, or None. A number without unit counts only if `allow_bare_number`.
    Numbers in words count too ("seventy kilos", "one hundred and sixty pounds"): text2num's
    alpha2digit writes them as digits when the text read as it is gives no weight."""
    found = _parse_weight(text or "", allow_bare_number)
    if found is None and text:
        digits = alpha2digit(text, "en")
        if digits != text:
            found = _parse_weight(digits, allow_bare_number)
    return found


def _parse_weight(text: str, allow_bare_number: bool) -> Weight | None:
    stone = _stone_weight(text or "")
    if stone is not None:
        return stone
    match = _WITH_UNIT.search(text or "")
    if match:
        return Weight(float(match.group(1).replace(",", ".")), _UNITS[match.group(2).lower()])
    if allow_bare_number:
        for bare in _BARE_NUMBER.finditer(text or ""):
            amount = float(bare.group(1).replace(",", "."))
            if BARE_NUMBER_RANGE[0] <= amount <= BARE_NUMBER_RANGE[1]:
                return Weight(amount, None)
    return None


def protein_range_grams(weight_kg: float) -> "tuple[int, int]":
    """Grams of protein a day for the documents' 0.8 to 1.5 g per kg per day."""
    return round_half_up(weight_kg * 0.8), round_half_up(weight_kg * 1.5)


def _number(value: str) -> float:
    value = value.lower().replace(",", ".")
    return float(_NUMBER_WORDS[value]) if value in _NUMBER_WORDS else float(value)


def _stone_weight(text: str) -> Weight | None:
    """A weight in stone (and pounds), kept as pounds and shown as the person gave it."""
    match = _STONE.search(text)
    if not match:
        return None
    stones = _number(match.group(1)) + (0.5 if match.group(2) else 0.0)
    pounds = _number(match.group(3)) if match.group(3) else 0.0
    shown = f"{stones:g} st" + (f" {pounds:g} lb" if pounds else "")
    return Weight(stones * LB_PER_STONE + pounds, "lb", shown)
