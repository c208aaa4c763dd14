"""The chat widget in a real browser, against the full stack (gateway, Rasa, actions)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.processes import FullStack, free_port, gateway_alone

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

W = "[data-visitor-desk] >> css="


def ask(page: Page, text: str) -> None:
    box = page.locator(W + "textarea")
    box.fill(text)
    box.press("Enter")


def bot_messages(page: Page):
    return page.locator(W + ".msg.bot")


def test_ask_in_two_languages_reload_and_click_a_button(page: Page, stack: FullStack) -> None:
    page.goto(stack.gateway_url + "/")
    launcher = page.locator(W + "button.launcher")
    expect(launcher).to_have_accessible_name(re.compile("visitor desk", re.I))
    launcher.click()
    expect(page.locator(W + ".msg.system").first).to_contain_text("Privacy notice")

    ask(page, "Is Long An still a province?")
    answer = bot_messages(page).last
    expect(answer).to_contain_text("Resolution 202/2025/QH15")
    article_link = answer.locator("css=.sources a")
    expect(article_link).to_have_attribute("href", re.compile(r"/kb/merger-2025\?lang=en$"))
    expect(answer.locator("css=.sources")).to_contain_text("reviewed 2026-11-26")

    ask(page, "Tân An cách Thành phố Hồ Chí Minh bao xa?")
    vietnamese = bot_messages(page).nth(1)
    expect(vietnamese.locator("css=.sources a")).to_have_attribute("href", re.compile(r"lang=vi$"))
    expect(vietnamese).to_contain_text("Nguồn")

    page.reload()
    page.locator(W + "button.launcher").click()
    expect(page.locator(W + ".msg.visitor").first).to_have_text("Is Long An still a province?")
    expect(bot_messages(page)).to_have_count(2)

    # The answer's buttons: asking for an officer hands the conversation over.
    page.locator(W + ".buttons button").last.click()
    expect(page.locator(W + ".msg.visitor").last).to_have_text(re.compile("officer|cán bộ", re.I))
    expect(page.locator(W + ".msg.system").last).to_contain_text(re.compile(r"\d"))


def test_html_and_script_from_the_visitor_stay_text(page: Page, stack: FullStack) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(stack.gateway_url + "/")
    page.locator(W + "button.launcher").click()
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script><b>bold?</b>'
    ask(page, hostile)
    expect(bot_messages(page)).to_have_count(1)
    visitor = page.locator(W + ".msg.visitor").last
    expect(visitor).to_have_text(hostile)
    assert visitor.locator("css=img, script, b").count() == 0
    assert dialogs == []


def test_language_selector_and_mobile_layout(browser: Browser, stack: FullStack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(stack.gateway_url + "/")
    page.locator(W + "button.launcher").click()
    panel = page.locator(W + "section.panel")
    box = panel.bounding_box()
    assert box is not None and box["width"] == 390  # full screen on a phone
    page.locator(W + "header select").select_option("ja")
    expect(page.locator(W + "textarea")).to_have_attribute(
        "placeholder", "ご質問を入力してください…"
    )
    ask(page, "hello")
    reply = bot_messages(page).last
    expect(reply).to_contain_text(re.compile(r"[\u3040-\u30ff]"))  # answered in Japanese
    context.close()


def test_a_flood_is_slowed_down_and_every_message_still_arrives(page: Page, tmp_path: Path) -> None:
    # Its own gateway with a tight per-visitor limit (Rasa is not needed to test the limit:
    # without it every message is kept for an officer).
    port = free_port()
    gateway = gateway_alone(
        tmp_path, port, RATE_LIMIT_VISITOR_PER_MINUTE="30", RATE_LIMIT_VISITOR_BURST="3"
    )
    gateway.start()
    try:
        gateway.wait_ready(60)
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator(W + "button.launcher").click()
        ask(page, "hello")
        expect(page.locator(W + ".msg.visitor:not(.pending)")).to_have_count(1)
        for n in range(8):
            ask(page, f"message {n}")
        expect(page.locator(W + ".status")).to_contain_text("very quickly")
        # The widget sends the refused ones again once the limit allows; none lost or doubled.
        visitor = page.locator(W + ".msg.visitor:not(.pending)")
        expect(visitor).to_have_count(9, timeout=60_000)
        assert sorted(visitor.all_inner_texts()[1:]) == [f"message {n}" for n in range(8)]
        expect(page.locator(W + ".msg.visitor.failed")).to_have_count(0)
        expect(page.locator(W + ".status")).to_have_text("")
    finally:
        gateway.stop()
