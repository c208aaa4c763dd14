"""Visitor and officer, two browsers, the full stack: the live handoff as people use it."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.processes import REPO, VENV_PY, FullStack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

W = "[data-visitor-desk] >> css="
PASSWORD = "officer-passphrase-2026"


def add_officer(stack: FullStack, username: str) -> None:
    env = stack.env()
    done = subprocess.run(
        [str(VENV_PY), "-m", "bot", "officer", "add", username, "--role", "officer"],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def log_in(page: Page, stack: FullStack, username: str) -> None:
    page.goto(stack.gateway_url + "/console")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def test_handoff_between_a_visitor_and_an_officer(browser: Browser, stack: FullStack) -> None:
    add_officer(stack, "linh")
    officer_ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    visitor_ctx = browser.new_context(viewport={"width": 1100, "height": 900}, locale="ko-KR")
    officer = officer_ctx.new_page()
    visitor = visitor_ctx.new_page()
    dialogs: list[str] = []
    officer.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        log_in(officer, stack, "linh")

        visitor.goto(stack.gateway_url + "/")
        visitor.locator(W + "button.launcher").click()
        box = visitor.locator(W + "textarea")
        box.fill("담당 직원과 직접 이야기하고 싶어요")
        box.press("Enter")
        expect(visitor.locator(W + ".msg.system").last).to_contain_text(re.compile(r"\d"))

        # The ticket appears in the officer's queue without a reload.
        ticket = officer.locator("#tickets li[data-ticket]")
        expect(ticket).to_have_count(1, timeout=15_000)
        expect(ticket).to_contain_text("ko")
        ticket.click()
        expect(officer.locator("#transcript")).to_contain_text("담당 직원과 직접 이야기하고 싶어요")
        officer.get_by_role("button", name="Claim").click()

        # The visitor's hostile markup is shown as text in the console.
        hostile = '<img src=x onerror="alert(1)"><b>bold?</b>'
        box.fill(hostile)
        box.press("Enter")
        expect(officer.locator("#transcript .msg.visitor").last).to_have_text(
            re.compile(re.escape(hostile))
        )
        assert officer.locator("#transcript img, #transcript b").count() == 0

        officer.get_by_label("Reply to the visitor").fill("안녕하세요, 무엇을 도와드릴까요?")
        officer.get_by_role("button", name="Send").click()
        reply = visitor.locator(W + ".msg.officer")
        expect(reply).to_contain_text("안녕하세요, 무엇을 도와드릴까요?", timeout=15_000)
        expect(reply).to_contain_text("담당 직원")  # labelled as a person, in Korean

        officer.get_by_role("button", name="Close").click()
        rating = visitor.locator(W + ".buttons button")
        expect(rating).to_have_count(5, timeout=15_000)
        rating.nth(4).click()
        expect(visitor.locator(W + ".msg.system").last).to_contain_text("감사")
        assert dialogs == []
    finally:
        officer_ctx.close()
        visitor_ctx.close()


def test_after_logout_the_login_form_is_left_alone(browser: Browser, stack: FullStack) -> None:
    add_officer(stack, "minh")
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.clock.install()  # the queue refreshes every 30 s; the test moves time on instead
    try:
        log_in(page, stack, "minh")
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("button", name="Log in")).to_be_visible()
        page.get_by_label("Username").fill("somebody-else")
        page.clock.run_for(95_000)  # three refresh periods
        page.wait_for_timeout(1_500)  # real time for any request a timer started
        expect(page.get_by_label("Username")).to_have_value("somebody-else")
        expect(page.get_by_text("Your session has ended")).to_have_count(0)
    finally:
        context.close()
