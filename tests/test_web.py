"""The demo page in a real browser (Debian's chromium driven by Playwright), and socket.io sessions.

Screenshots of each step are written to screenshots/ (git-ignored) for people to look at.
"""

import asyncio
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Page, sync_playwright

from tests.content import next_topic, opening, text_of

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
CHROMIUM = "/usr/bin/chromium"
# Headless and offline: no background connections to the outside (the machine has no route).
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPLY = ".rw-response .rw-message-text"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, stack):
    context = browser.new_context(viewport={"width": 1000, "height": 1200})
    opened = context.new_page()
    opened.dialogs = []
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
    opened.goto(f"http://127.0.0.1:{stack.web_port}/")
    wait_for_replies(opened, 1)  # the greeting
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def replies(page: Page) -> list:
    return [element.inner_text() for element in page.query_selector_all(REPLY)]


def wait_for_replies(page: Page, count: int, timeout: int = 30_000) -> None:
    page.wait_for_function(f"document.querySelectorAll('{REPLY}').length >= {count}", timeout=timeout)


def ask(page: Page, text: str) -> list:
    before = len(replies(page))
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")
    wait_for_replies(page, before + 1)
    page.wait_for_timeout(1000)  # a second message of the same turn
    return replies(page)[before:]


def test_page_says_what_pace_is_and_is_not(page):
    body = page.inner_text("body")
    assert "not medical advice" in body
    assert "Can You Build Muscle With ALS?" in body
    assert "emergency number" in body
    shot(page, "01-page")


def test_ask_a_question_and_click_a_quick_reply(page):
    answer = ask(page, "can I build muscle with ALS?")
    assert opening("utter_faq/hypertrophy_not_realistic") in answer[0]
    shot(page, "02-answer")

    before = len(replies(page))
    page.click(".rw-reply >> text=Tell me more")
    wait_for_replies(page, before + 1)
    assert opening(next_topic("utter_faq/hypertrophy_not_realistic")) in replies(page)[before]
    shot(page, "03-quick-reply")


def test_quick_replies_work_from_the_keyboard(page):
    ask(page, "what exercise is safe")
    reply = page.query_selector(".rw-reply >> text=Stretching")
    assert reply.get_attribute("tabindex") == "0" and reply.get_attribute("role") == "button"
    before = len(replies(page))
    reply.focus()
    page.keyboard.press("Enter")
    wait_for_replies(page, before + 1)
    assert opening("utter_faq/stretching") in replies(page)[before]


def test_symptom_report_shows_the_escalation(page):
    answer = ask(page, "my arm hurts after the bands")
    assert opening("utter_stop_and_call_physician") in answer[0]
    shot(page, "04-escalation")


def test_replies_are_announced_to_screen_readers(page):
    ask(page, "what is myostatin")
    live = page.query_selector("#pace-announcer")
    assert live.get_attribute("aria-live") == "polite"
    assert opening("utter_faq/myostatin") in live.inner_text()


def test_reload_keeps_the_conversation(page):
    ask(page, "what is cachexia")
    page.reload()
    wait_for_replies(page, 2)
    assert any(opening("utter_faq/cachexia") in text for text in replies(page))
    shot(page, "05-after-reload")


@pytest.mark.parametrize("attack", ["<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"])
def test_markup_from_the_user_is_inert(page, attack):
    ask(page, attack)
    page.wait_for_timeout(500)
    for link in page.query_selector_all("#webchat a"):
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
        link.click()
    assert page.query_selector("#webchat img[src='x']") is None
    page.wait_for_timeout(500)
    assert page.dialogs == []
    shot(page, "06-markup-inert")


def test_text_scales_and_tap_targets_are_large(page):
    ask(page, "what exercise is safe")
    sizes = page.eval_on_selector_all(
        ".rw-reply",
        "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])",
    )
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert (
        float(page.eval_on_selector(".rw-message-text", "e => parseFloat(getComputedStyle(e).fontSize)"))
        >= 32
    )


# ---- socket.io sessions belong to their owner ----------------------------------------------
async def _client(url: str):
    client = socketio.AsyncClient()
    received = {"session": None, "messages": []}

    @client.on("session_confirm")
    async def confirmed(session_id):
        received["session"] = session_id

    @client.on("bot_uttered")
    async def uttered(message):
        received["messages"].append(message.get("text", ""))

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    return client, received


async def _wait(condition, seconds: float = 20) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)


def test_a_stranger_cannot_join_someone_elses_session(stack):
    async def scenario():
        url = f"http://127.0.0.1:{stack.rasa_port}"
        owner, owner_got = await _client(url)
        await owner.emit("session_request", {"session_id": None})
        await _wait(lambda: owner_got["session"])
        session = owner_got["session"]
        conversation = session.split(".")[0]

        stranger, stranger_got = await _client(url)
        # asks for the owner's conversation id, as Rasa's stock channel would allow
        await stranger.emit("session_request", {"session_id": conversation})
        await _wait(lambda: stranger_got["session"])
        assert stranger_got["session"] != session
        # and sends a message into the owner's session
        await stranger.emit("user_uttered", {"message": "what is myostatin", "session_id": session})

        await owner.emit("user_uttered", {"message": "what is cachexia", "session_id": session})
        await _wait(lambda: owner_got["messages"])
        await asyncio.sleep(3)
        await owner.disconnect()
        await stranger.disconnect()
        return owner_got, stranger_got

    # in a thread of its own: Playwright's sync API keeps an event loop running in this one
    with ThreadPoolExecutor(max_workers=1) as pool:
        owner_got, stranger_got = pool.submit(asyncio.run, scenario()).result(timeout=120)
    assert any("cachexia" in text.lower() for text in owner_got["messages"])
    assert not any("myostatin" in text.lower() for text in owner_got["messages"])
    assert stranger_got["messages"] == []


CONTRAST = """el => {
  const rgb = c => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = el, color = getComputedStyle(el).backgroundColor;
  while (bg && (color === 'rgba(0, 0, 0, 0)' || color === 'transparent')) {
    bg = bg.parentElement; color = bg ? getComputedStyle(bg).backgroundColor : 'rgb(255, 255, 255)';
  }
  const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(color));
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


@pytest.mark.parametrize(
    "selector", [".rw-response .rw-message-text", ".rw-client .rw-message-text", ".rw-reply"]
)
def test_text_contrast_is_readable(page, selector):
    ask(page, "what exercise is safe")
    ratios = page.eval_on_selector_all(selector, f"els => els.map({CONTRAST})")
    assert ratios and min(ratios) >= 4.5  # WCAG AA for normal text


# ---- issue 15: the widget for people with ALS, and honest when the connection fails ---------
def send(page: Page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def axe_violations(page: Page) -> list:
    """Serious and critical findings of axe-core, run inside the page."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_the_escalation_is_an_alert_with_the_clinics_contact(page):
    before = len(replies(page))
    send(page, "my arm hurts after the bands")
    alert = page.wait_for_selector(".pace-alert-symptom", timeout=5000)  # no typing delay
    wait_for_replies(page, before + 2, timeout=3000)  # the second line follows at once too
    assert text_of("utter_stop_and_call_physician") in alert.inner_text()
    assert "Stop exercising" in alert.query_selector("h3").inner_text()
    link = alert.query_selector("a[href^='tel:']")
    assert link.get_attribute("href") == "tel:+442079460000" and "nurse line" in alert.inner_text()
    announced = page.query_selector("#pace-alert-announcer")
    assert announced.get_attribute("role") == "alert"
    assert text_of("utter_stop_and_call_physician") in announced.inner_text()
    colours = page.eval_on_selector(
        ".pace-alert-symptom",
        "e => [getComputedStyle(e).borderLeftWidth, getComputedStyle(e).backgroundColor]",
    )
    assert float(colours[0].rstrip("px")) >= 8 and colours[1] != page.eval_on_selector(
        ".rw-response:not(.pace-alert)", "e => getComputedStyle(e).backgroundColor"
    )
    shot(page, "07-escalation")
    # high-contrast (forced colours) mode: the thick border and the heading with its icon remain
    page.emulate_media(forced_colors="active")
    border = page.eval_on_selector(
        ".pace-alert-symptom", "e => parseFloat(getComputedStyle(e).borderLeftWidth)"
    )
    assert border >= 8 and page.inner_text(".pace-alert-symptom .pace-alert-icon") == "⚠"


def test_the_emergency_reply_is_an_alert_with_the_emergency_number(page):
    send(page, "my husband is choking and turning blue")
    alert = page.wait_for_selector(".pace-alert-emergency", timeout=5000)
    assert text_of("utter_emergency") in alert.inner_text()
    assert alert.query_selector("a").get_attribute("href") == "tel:999"
    page.reload()
    page.wait_for_selector(".pace-alert-emergency", timeout=15000)  # still an alert after a reload
    shot(page, "08-emergency")


def test_an_ordinary_answer_is_no_alert(page):
    ask(page, "what is myostatin")
    assert page.query_selector(".pace-alert") is None


def test_messages_are_labelled_and_the_log_is_reachable(page):
    ask(page, "what is myostatin")
    log = page.query_selector("[role='log']")
    assert (
        log.get_attribute("aria-label") == "Conversation with Pace" and log.get_attribute("tabindex") == "0"
    )
    assert page.inner_text(".rw-client .pace-who") == "You:"
    assert page.query_selector_all(".rw-response .pace-who")[-1].inner_text() == "Pace:"


def test_the_page_starts_at_the_top_with_its_warnings_in_view(page):
    page.wait_for_timeout(2000)
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("document.activeElement.className") != "rw-new-message"
    assert page.is_visible("text=In an emergency, call your local emergency number.")


def test_someone_who_types_at_once_keeps_the_focus(browser, stack):
    context = browser.new_context()
    opened = context.new_page()
    opened.goto(f"http://127.0.0.1:{stack.web_port}/")
    opened.click(".rw-new-message")
    opened.keyboard.type("what is myo")
    opened.wait_for_timeout(2000)  # past the page's start-up, which puts an untouched page at its top
    assert opened.evaluate("document.activeElement.className") == "rw-new-message"
    context.close()


def test_focus_stays_in_the_input_after_send_and_after_a_quick_reply(page):
    ask(page, "what exercise is safe")
    assert page.evaluate("document.activeElement.className") == "rw-new-message"
    before = len(replies(page))
    page.click(".rw-reply >> text=Stretching")
    wait_for_replies(page, before + 1)
    assert page.evaluate("document.activeElement.className") == "rw-new-message"


def test_send_is_visible_while_the_input_is_empty(page):
    assert page.eval_on_selector(".rw-new-message", "e => e.value") == ""
    assert page.is_visible(".rw-send")
    assert page.eval_on_selector(".rw-send", "e => getComputedStyle(e).opacity") == "1"


def test_quick_replies_do_not_overlap_at_200_percent_text(page):
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    ask(page, "what exercise is safe")
    boxes = page.eval_on_selector_all(
        ".rw-reply",
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return [r.left, r.top, r.right, r.bottom, e.scrollHeight - e.clientHeight]; })",
    )
    assert len(boxes) >= 2
    for i, (left, top, right, bottom, clipped) in enumerate(boxes):
        assert clipped <= 1  # the label fits its button
        for other in boxes[i + 1 :]:
            assert right <= other[0] or other[2] <= left or bottom <= other[1] or other[3] <= top
    shot(page, "09-text-200")


def test_start_over_forgets_the_conversation(page):
    ask(page, "what is cachexia")
    page.click("#pace-start-over")
    wait_for_replies(page, 1)
    page.wait_for_timeout(1000)
    assert not any(opening("utter_faq/cachexia") in text for text in replies(page))
    assert page.evaluate("window.localStorage.getItem('chat_session')") is None  # never kept past the tab
    notice = page.inner_text("#privacy")
    assert "kept in this browser tab only" in notice and "Do not type your name" in notice


def test_the_page_requests_nothing_from_other_sites(browser, stack):
    context = browser.new_context()
    opened = context.new_page()
    hosts = []
    opened.on("request", lambda request: hosts.append(request.url.split("/")[2]))
    opened.goto(f"http://127.0.0.1:{stack.web_port}/")
    wait_for_replies(opened, 1)
    context.close()
    assert {h.split(":")[0] for h in hosts} == {"127.0.0.1"}


@pytest.mark.parametrize("size", ["100%", "200%"])
def test_axe_finds_no_serious_problem_with_a_conversation_open(page, size):
    page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
    ask(page, "what exercise is safe")
    send(page, "my arm hurts after the bands")
    page.wait_for_selector(".pace-alert-symptom")
    assert axe_violations(page) == []


def test_on_a_phone(browser, stack):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    opened = context.new_page()
    opened.goto(f"http://127.0.0.1:{stack.web_port}/")
    wait_for_replies(opened, 1)
    send(opened, "my legs ache badly after the walk")
    opened.wait_for_selector(".pace-alert-symptom")
    assert opened.evaluate("document.documentElement.scrollWidth") <= 390
    shot(opened, "10-phone")
    context.close()


def test_a_message_to_a_hung_server_is_marked_and_can_be_sent_again(page, stack):
    before = len(replies(page))
    os.kill(stack.rasa.pid, signal.SIGSTOP)
    try:
        send(page, "what is myostatin")
        retry = page.wait_for_selector(".pace-retry", timeout=15000)  # PACE_ANSWER_TIMEOUT_SECONDS=4
        assert "not answered" in page.inner_text("#pace-status").lower()
        assert retry.get_attribute("aria-label") == "Send again: what is myostatin"
        shot(page, "11-unanswered")
        retry.click()
        page.wait_for_function("document.querySelectorAll('.rw-client').length >= 2")  # sent again
    finally:
        os.kill(stack.rasa.pid, signal.SIGCONT)
    wait_for_replies(page, before + 1)
    page.wait_for_function("!document.querySelector('.pace-retry')", timeout=15000)
    assert "not answered" not in page.inner_text("#pace-status").lower()
    assert any(opening("utter_faq/myostatin") in text for text in replies(page)[before:])


def test_a_lost_connection_shows_reconnecting_and_keeps_the_conversation(page, stack):
    ask(page, "what is myostatin")
    stack.stop_rasa()
    try:
        page.wait_for_function(
            "document.getElementById('pace-status').textContent.includes('Reconnecting')", timeout=30000
        )
        assert any(opening("utter_faq/myostatin") in text for text in replies(page))
        assert page.is_visible(".rw-new-message")
        shot(page, "12-reconnecting")
    finally:
        stack.start_rasa()
    page.wait_for_function("document.getElementById('pace-status').textContent === ''", timeout=60000)
    ask(page, "what is cachexia")
