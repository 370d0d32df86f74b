"""The demo page in a real browser (Debian's chromium driven by Playwright), and socket.io sessions.

Screenshots of each step are written to screenshots/ (git-ignored) for people to look at.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import socketio
from playwright.sync_api import Page, sync_playwright

from tests.content import next_topic, opening

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


def wait_for_replies(page: Page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('{REPLY}').length >= {count}", timeout=30_000)


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
    assert any("severe muscle and fat wasting" in text for text in replies(page))
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
