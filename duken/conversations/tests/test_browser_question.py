"""In headless Chromium: a shopper asks about a product, staff answer in the back-office inbox,
the shopper sees the answer on the product page and got it by e-mail (real SMTP), quoting the
question."""

import pytest
from django.contrib.auth import get_user_model

from duken.conversations.models import Promise
from duken.testing.accounts import authenticator, pass_second_factor
from duken.testing.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls made here
    # between browser steps are plain blocking calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    User = get_user_model()
    # staff pass a second factor after the password
    authenticator(User.objects.create_superuser("staff@duken.example", "staff-pass-12345"))
    User.objects.create_user("aliya@example.com", "Steppe-Winds-2026", first_name="Aliya")
    return make_product(name="Felt Slippers", price="5400", stock=5)


def test_a_question_answered_in_the_back_office(live_server, browser, shop, smtp_server):
    from playwright.sync_api import expect

    base = live_server.url
    question_text = "Do they come in size 44? <script>alert(1)</script>"
    shopper = browser.new_context(locale="en-US").new_page()
    dialogs = []
    shopper.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # the shopper logs in from the product page and asks
    shopper.goto(base + shop.get_absolute_url())
    shopper.get_by_role("link", name="Log in to ask it").click()
    shopper.fill("input[name=username]", "aliya@example.com")
    shopper.fill("input[name=password]", "Steppe-Winds-2026")
    shopper.click("main form button[type=submit]")
    expect(shopper.locator("h1")).to_contain_text("Felt Slippers")
    shopper.fill("#question-text", question_text)
    shopper.get_by_role("button", name="Ask", exact=True).click()
    expect(shopper.locator("main")).to_contain_text("This question is waiting for an answer")
    expect(shopper.locator(".conv-q")).to_contain_text(question_text)

    # staff find it in the inbox and answer
    staff = browser.new_context(locale="en-US").new_page()
    staff.goto(base + "/admin/login/?next=/backoffice/inbox/")
    staff.fill("#id_username", "staff@duken.example")
    staff.fill("#id_password", "staff-pass-12345")
    staff.click("input[type=submit]")
    pass_second_factor(staff, get_user_model().objects.get(email="staff@duken.example"))
    expect(staff.locator("#result_list")).to_contain_text(question_text)
    staff.get_by_role("link", name="Answer").first.click()
    staff.fill("#id_text", "Yes, size 44 arrives on Friday.")
    staff.click("input[type=submit].default")
    expect(staff.locator(".messagelist")).to_contain_text("The answer is published")
    expect(staff.locator("#content-main")).to_contain_text("Nothing is waiting")

    # the shopper sees the answer on the product page
    shopper.goto(base + shop.get_absolute_url())
    answers = shopper.locator("#questions")
    expect(answers).to_contain_text(question_text)
    expect(answers).to_contain_text("Yes, size 44 arrives on Friday.")
    assert dialogs == []  # the payload was shown as text, never run

    assert Promise.objects.get().status == Promise.Status.KEPT
    received = smtp_server.to("aliya@example.com")
    assert len(received) == 1
    assert received[0]["Subject"] == "Your question about Felt Slippers has an answer"
    body = received[0].get_body(preferencelist=("plain",)).get_content()
    assert f"“{question_text}”" in body
    assert "You asked on " in body
    assert "Yes, size 44 arrives on Friday." in body
    assert "/questions/" in body
