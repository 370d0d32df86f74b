"""Reading a body weight from what people type: "62 kg", "130lbs", "about 59 kilos"."""

import re
from dataclasses import dataclass

KG_PER_LB = 0.45359237
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
_BARE_NUMBER = re.compile(r"(?<![\d.])(\d{1,4}(?:[.,]\d{1,2})?)(?![\d.]*\s*(?:g|grams?|%)\b)")


@dataclass(frozen=True)
class Weight:
    amount: float
    unit: str | None  # "kg", "lb", or None when the person gave no unit

    @property
    def kg(self) -> float:
        return self.amount * KG_PER_LB if self.unit == "lb" else self.amount

    @property
    def plausible(self) -> bool:
        return self.unit is not None and PLAUSIBLE_KG[0] <= self.kg <= PLAUSIBLE_KG[1]

    def describe(self) -> str:
        """'62 kg' or '130 lb (about 59 kg)'."""
        shown = f"{self.amount:g} {self.unit}"
        return shown if self.unit == "kg" else f"{shown} (about {round_half_up(self.kg)} kg)"


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def parse_weight(text: str, allow_bare_number: bool = False) -> Weight | None:
    """The weight in `text`, or None. A number without unit counts only if `allow_bare_number`."""
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
