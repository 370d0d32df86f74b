"""scripts/web.py: the clinic's settings for the widget, checked as the page server starts."""

import pytest

from scripts import web


def test_defaults_send_people_to_their_physician_and_the_local_emergency_number():
    assert web.widget_config({}) == {
        "contact": "your physician or care team",
        "contactPhone": "",
        "emergencyNumber": "",
        "answerTimeoutMs": 20000,
    }


def test_the_clinics_contact_and_numbers_are_passed_on():
    settings = web.widget_config(
        {
            "PACE_CLINIC_CONTACT": " the nurse line ",
            "PACE_CLINIC_PHONE": "+44 20 7946 0000",
            "PACE_EMERGENCY_NUMBER": "112",
        }
    )
    assert (settings["contact"], settings["contactPhone"], settings["emergencyNumber"]) == (
        "the nurse line",
        "+44 20 7946 0000",
        "112",
    )


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("PACE_CLINIC_PHONE", "call us", "PACE_CLINIC_PHONE must be a phone number"),
        ("PACE_EMERGENCY_NUMBER", "999<script>", "PACE_EMERGENCY_NUMBER must be a phone number"),
        ("PACE_ANSWER_TIMEOUT_SECONDS", "soon", "PACE_ANSWER_TIMEOUT_SECONDS must be 1 to 600 seconds"),
        ("PACE_ANSWER_TIMEOUT_SECONDS", "0", "PACE_ANSWER_TIMEOUT_SECONDS must be 1 to 600 seconds"),
    ],
)
def test_a_malformed_setting_stops_the_server_with_a_clear_message(name, value, problem):
    with pytest.raises(SystemExit, match=problem):
        web.widget_config({name: value})


def test_the_widget_is_served_without_its_third_party_font():
    served = web.THIRD_PARTY_FONT.sub(b"", web.WEBCHAT.read_bytes())
    assert b"fonts.googleapis.com" not in served and b".rw-conversation-container" in served
