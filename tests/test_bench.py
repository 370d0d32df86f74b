"""scripts/bench.py: the ratio column of bench/RESULTS.md."""

from scripts.bench import ratios


def test_ratios_are_paces_figures_over_the_anchors_number_by_number():
    assert ratios("44 / 56 ms", "21 / 27 ms") == "0.48x / 0.48x"
    assert ratios("25.0 msg/s / 531 ms", "63.2 msg/s / 214 ms") == "2.53x / 0.40x"
    assert ratios("1,125 MB", "704 MB (+43 MB action server)") == "0.63x"
    assert ratios("", "70 ms") == ""
