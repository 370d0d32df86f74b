"""A weight loss said in numbers, for the safety layer (components/symptom_rules.py): two body
weights of one person, the later the lower ("weighed him today 62kg, he was 67 at christmas"); a
loss said with its amount ("dropped 10 lbs in 6 weeks", a care note's "wt 52.4 ↓2.1kg"); or a care
note's row of weights ("wt 70.0 → 68.6 → 67.9"). The limits and the words that tell which weight
came first are content: `weights_compared` in content/symptom_patterns.yml."""

import re
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, List, Tuple

from spacy.tokens import Doc, Span

# a weight with its unit ("62kg", "9st 4", "11 stone 2 lb"), or a number alone ("he was 67"); the
# pounds after stone only ("from 70 to 64 kilos" is two weights); no part of a fraction ("2/52", a
# care note's two weeks); no number joined to a word by a hyphen ("a 56-year-old", "a 10-minute walk")
_WEIGHT = re.compile(
    r"(?<![\d.,/])(\d{1,3}(?:[.,]\d{1,2})?)(?!\d|[.,]\d|\s*%|/|-[a-z])\s*([a-z]+)?"
    r"(?:(?:(?<=st)|(?<=stone)|(?<=stones))\s+(\d{1,2})(?![\d.,]))?",
    re.IGNORECASE,
)
_STONE_UNITS = {"st", "stone", "stones"}
# (an arrow ends a weight's words as a comma does: "wt 61.2kg ↓ from 63.8")
_ARROWS = frozenset("→←↑↓")
# the label of a loss read from two weights (the context rules' "over" does not apply to it)
WEIGHTS_COMPARED = "symptom:weight_loss:compared"
# a loss said with its amount: "dropped 10 lbs", "lost nearly 3 kilos", "down a stone"
_AMOUNT_WORDS = {
    "a": 1.0,
    "half a": 0.5,
    "a couple of": 2.0,
    "a few": 3.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
}
_AMOUNT = r"(\d{1,3}(?:[.,]\d)?|half a|a couple of|a few|a|two|three|four|five|six|seven|eight|nine|ten)"
_UNIT = r"(kg|kgs|kilos?|kilograms?|lbs?|pounds?|st|stone)"
_STATED_LOSS = re.compile(
    # (and a care note's arrow: "wt 52.4 ↓2.1kg in 2/52")
    r"(?:\b(?:lost|losing|dropped|dropping|shed|down)\s+|↓\s*)"
    r"(?:about |nearly |almost |over |around |roughly |another )?"
    rf"{_AMOUNT}\s*{_UNIT}\b"
    # "scale says 4 lb less", "3 kilos lighter"
    rf"|\b{_AMOUNT}\s*{_UNIT}\s+(?:less|lighter|down)\b",
    re.IGNORECASE,
)
# a care note's weights in a row, after the word for weight: "wt 70.0 → 68.6 → 67.9 over 3 wks"
_NUMBER = r"\d{1,3}(?:[.,]\d{1,2})?"
_ROW_UNIT = _UNIT.replace("(", "(?:", 1)
# an arrow between two weights, as a care note writes it
_ARROW = r"(?:→|->|-->)"
# (a care note may date each weight: "wts: 3/2 64.8kg, 10/2 63.9, 17/2 62.7")
_DATE = r"\d{1,2}/\d{1,2}(?:/\d{2,4})?\s+"
_WEIGHTS_IN_A_ROW = re.compile(
    rf"\b(?:wt|weight)\b\W{{0,3}}({_NUMBER})\s*(?:{_ROW_UNIT}\b)?(?:\s*{_ARROW}\s*{_NUMBER}\s*(?:{_ROW_UNIT}\b)?)+"
    # ... or three and more after a comma, after weighing: "weighing myself weekly: 60.2, 59.5, 58.9"
    rf"|\b(?:wt|wts|weights|weighing|weighed)\b(?:\s+[a-z]+){{0,3}}\W{{0,3}}(?:{_DATE})?({_NUMBER})\s*(?:{_ROW_UNIT}\b)?"
    rf"(?:\s*,\s*(?:{_DATE})?{_NUMBER}\s*(?:{_ROW_UNIT}\b)?){{2,}}",
    re.IGNORECASE,
)
# an arrow between two weights says which came first: "82kg -> 76kg since christmas"
_ARROW_BETWEEN = re.compile(rf"\s*{_ARROW}\s*")
# a word of the past that says so of the weight after it only: "58.1 down from 61"
_BEFORE_ITS_WEIGHT_ONLY = frozenset({"from"})
# a number that opens a range of something else: "65 to 123 grams of protein" (no weight)
_RANGE_OF_ANOTHER_UNIT = re.compile(r"\s*(?:to|-)\s*\d{1,4}(?:[.,]\d{1,2})?\s*([a-z]+)", re.IGNORECASE)
# two numbers alone are weights only in a message about weighing, and in this range
_WEIGHED = re.compile(r"\b(weigh|weighs|weighed|weighing|weight|wt|scales)\b", re.IGNORECASE)
_BARE_WEIGHT = (30.0, 400.0)
# nobody Pace helps weighs less: "2kg dumbbells or 1kg" are the weights of things
_LEAST_BODY_KG = 20.0
# a number followed by one of these is no body weight ("30 mins", "3 days")
_NOT_WEIGHT_UNITS = frozenset(
    "g gram grams mg ml l cm mm m km mile miles min mins minute minutes sec secs second seconds hr hrs"
    " hour hours day days week weeks month months year years yr yrs yo rep reps set sets time times"
    " step steps bpm percent kcal calories am pm".split()
)


@dataclass(frozen=True)
class WeightsCompared:
    """The `weights_compared` section of symptom_patterns.yml: two body weights of one person, the
    later lower by at least `loss_at_least_percent` of the earlier, are a weight loss ("62kg
    today, he was 67 at christmas"). The earlier is the one with the nearer past word ("was",
    "christmas"), else the one without a word of now ("today"), else the one named first."""

    loss_at_least_percent: float = 0.0
    stated_loss_at_least_kg: float = 0.0
    kg_per_unit: Dict[str, float] = field(default_factory=dict)
    past: FrozenSet[str] = frozenset()
    now: FrozenSet[str] = frozenset()
    reach: int = 3

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "WeightsCompared":
        return cls(
            float(data.get("loss_at_least_percent") or 0.0),
            float(data.get("stated_loss_at_least_kg") or 0.0),
            {str(k).lower(): float(v) for k, v in (data.get("kg_per_unit") or {}).items()},
            frozenset(str(w).lower() for w in data.get("past") or []),
            frozenset(str(w).lower() for w in data.get("now") or []),
            int(data.get("within", 3)),
        )

    def loss(self, doc: Doc) -> List[Span]:
        """A symptom:weight_loss span from the first weight to the second, when they say a loss;
        or over a loss said with its amount ("dropped 10 lbs in 6 weeks")."""
        if not self.kg_per_unit:
            return []
        stated = self._stated_loss(doc) or self._weights_in_a_row(doc)
        if stated:
            return stated
        weights = self._weights(doc)
        if len(weights) != 2:
            return []
        (first_kg, first), (second_kg, second) = weights
        first_when, second_when = self._when(doc, first), self._when(doc, second)
        if not first_when and not second_when:
            return []  # ("he is 80kg and I'm 62kg": two people, most likely)
        earlier_first = first_when <= second_when or bool(
            _ARROW_BETWEEN.fullmatch(doc.text[first.end_char : second.start_char])
        )
        before, after = (first_kg, second_kg) if earlier_first else (second_kg, first_kg)
        if before - after < before * self.loss_at_least_percent / 100:
            return []
        return [Span(doc, first.start, second.end, label=WEIGHTS_COMPARED)]

    def _stated_loss(self, doc: Doc) -> List[Span]:
        found = []
        for match in _STATED_LOSS.finditer(doc.text):
            amount = (match.group(1) or match.group(3)).lower()
            unit = (match.group(2) or match.group(4)).lower()
            number = _AMOUNT_WORDS[amount] if amount in _AMOUNT_WORDS else float(amount.replace(",", "."))
            if number * self.kg_per_unit.get(unit, 0.0) >= self.stated_loss_at_least_kg > 0:
                span = doc.char_span(match.start(), match.end(), alignment_mode="expand")
                found.append(Span(doc, span.start, span.end, label="symptom:weight_loss"))
        return found

    def _weights_in_a_row(self, doc: Doc) -> List[Span]:
        """The first and the last of a row of weights ("wt 70.0 → 68.6 → 67.9"), in one unit."""
        found = []
        for match in _WEIGHTS_IN_A_ROW.finditer(doc.text):
            opening = 1 if match.group(1) else 2
            row = doc.text[match.start(opening) : match.end()]
            numbers = [float(n.replace(",", ".")) for n in re.findall(_NUMBER, re.sub(_DATE, "", row))]
            first, last = numbers[0], numbers[-1]
            # (in hundredths: 70.0 -> 67.9 is 3%, whatever the floating point says)
            if round(first - last, 2) >= round(first * self.loss_at_least_percent / 100, 2) > 0:
                span = doc.char_span(match.start(opening), match.end(), alignment_mode="expand")
                found.append(Span(doc, span.start, span.end, label=WEIGHTS_COMPARED))
        return found

    def _weights(self, doc: Doc) -> List[Tuple[float, Span]]:
        with_unit, bare = [], []
        for match in _WEIGHT.finditer(doc.text):
            amount = float(match.group(1).replace(",", "."))
            unit = (match.group(2) or "").lower()
            if unit in self.kg_per_unit:
                kg = amount * self.kg_per_unit[unit]
                end = match.end(2)
                if unit in _STONE_UNITS and match.group(3):
                    kg += float(match.group(3)) * self.kg_per_unit.get("lb", 0.0)
                    end = match.end(3)
                if kg >= _LEAST_BODY_KG:
                    span = doc.char_span(match.start(1), end, alignment_mode="expand")
                    with_unit.append((kg, span, amount, unit))
            elif unit not in _NOT_WEIGHT_UNITS and not self._opens_another_range(doc.text, match.end(1)):
                bare.append((amount, doc.char_span(match.start(1), match.end(1), alignment_mode="expand")))
        if not with_unit:
            # two numbers alone, said as weights ("weighed 58.4 last month, 55.1 this morning"):
            # compared as they are, whatever their unit
            plausible = [(n, span) for n, span in bare if _BARE_WEIGHT[0] <= n <= _BARE_WEIGHT[1]]
            if len(plausible) == 2 and _WEIGHED.search(doc.text):
                (a, _), (b, _) = plausible
                return plausible if abs(a - b) <= 0.3 * max(a, b) else []
            return []
        found = [(kg, span) for kg, span, _, _ in with_unit]
        # a number alone is a weight in the unit of the other, when it is near it ("62kg ... was 67")
        # (not a weight said again in a question of its own: "61 kg in January, 57 kg now. How
        # much protein at 57?"; but "from 66 to 60 kg two years ago, steady at 60 since" is no
        # loss now)
        _, _, amount, unit = with_unit[0]
        said = {said_amount for _, _, said_amount, _ in with_unit}
        weighed_in = {span.sent.start for _, span, _, _ in with_unit}
        if unit not in _STONE_UNITS:
            found += [
                (number * self.kg_per_unit[unit], span)
                for number, span in bare
                if abs(number - amount) <= 0.3 * amount
                and not (number in said and span.sent.start not in weighed_in and _asked(span))
            ]
        return sorted(found, key=lambda pair: pair[1].start)

    @staticmethod
    def _opens_another_range(text: str, end: int) -> bool:
        after = _RANGE_OF_ANOTHER_UNIT.match(text, end)
        return bool(after) and after.group(1).lower() in _NOT_WEIGHT_UNITS

    def _when(self, doc: Doc, span: Span) -> int:
        """-1 said of the past, 1 of now, 0 neither: by the nearest such word within reach, in
        the same clause ("weight 58kg, was 62 in march": the "was" is the 62's)."""
        sides = (
            reversed(doc[max(0, span.start - self.reach) : span.start]),
            doc[span.end : span.end + self.reach],
        )
        best = None
        for after, side in enumerate(sides):
            for distance, token in enumerate(side, start=1):
                if token.is_punct or token.text in _ARROWS:
                    break
                word = token.lower_
                if after and word in _BEFORE_ITS_WEIGHT_ONLY:
                    continue
                if (word in self.past or word in self.now) and (best is None or distance < best[0]):
                    best = (distance, -1 if word in self.past else 1)
                    break
        return best[1] if best else 0


def _asked(span: Span) -> bool:
    """Whether the span stands in a question."""
    return span.sent[-1].text == "?"
