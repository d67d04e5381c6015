"""Shopper pages: the product page block, writing and editing reviews, votes, questions, and
every kind of bad input (foreign reviews and questions, over-long text, ratings out of range,
HTML payloads, flooding)."""

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from duken.conversations import questions, reviews
from duken.conversations.models import Question, Review
from duken.testing.accounts import login_verified

from .conftest import XSS

pytestmark = pytest.mark.django_db


def _published(user, product, staff, rating=5, text="Warm and soft", title=""):
    review = reviews.submit_review(user, product, rating=rating, text=text, title=title)
    return reviews.approve(review, staff)


def test_the_product_page_shows_the_rating_distribution_and_published_reviews_only(
    client, buyer, other_buyer, staff, product
):
    # given
    _published(buyer, product, staff, rating=5, text="Best slippers I ever had")
    reviews.submit_review(other_buyer, product, rating=1, text="Not moderated yet")
    # when
    page = client.get(product.get_absolute_url())
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Best slippers I ever had" in html
    assert "Not moderated yet" not in html
    assert "5.0" in html and "Verified purchase" in html
    assert "1 rating from verified buyers" in html
    assert "Aliya N." in html  # first name and initial, never the e-mail
    assert "aliya@example.kz" not in html


def test_the_review_form_only_for_verified_buyers_and_never_shared(client, buyer, shopper, product):
    url = product.get_absolute_url()
    # a buyer gets the form
    client.force_login(buyer)
    html = client.get(url).content.decode()
    write_url = reverse("conversations:review_write", args=[product.pk])
    assert f'action="{write_url}"' in html
    buyer_token = client.cookies["csrftoken"].value
    # a signed-in shopper who did not buy it: no form, a reason
    client.force_login(shopper)
    html = client.get(url).content.decode()
    assert reverse("conversations:review_write", args=[product.pk]) not in html
    assert "Only customers who bought this product can review it." in html
    # a guest: neither form, and no one else's token (the block is cached by now)
    client.logout()
    client.cookies.clear()
    html = client.get(url).content.decode()
    assert reverse("conversations:review_write", args=[product.pk]) not in html
    assert reverse("conversations:ask", args=[product.pk]) not in html
    assert "Log in to ask it" in html
    assert buyer_token not in html


def test_a_buyer_writes_a_review_which_waits_for_moderation(client, buyer, product):
    # given
    client.force_login(buyer)
    # when
    response = client.post(
        reverse("conversations:review_write", args=[product.pk]),
        {"rating": "4", "title": "Cosy", "text": "Warm and soft"},
    )
    # then
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.user, review.rating, review.status) == (buyer, 4, "pending")
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Your review will appear after a quick check." in page


def test_reviewing_a_product_one_did_not_buy_is_refused(client, shopper, product):
    client.force_login(shopper)
    response = client.post(
        reverse("conversations:review_write", args=[product.pk]),
        {"rating": "5", "text": "Fake praise"},
    )
    assert response.status_code == 403
    assert b"Only customers who bought this product can review it." in response.content
    assert not Review.objects.exists()


def test_guests_are_sent_to_log_in(client, product):
    response = client.post(
        reverse("conversations:review_write", args=[product.pk]), {"rating": "5", "text": "x"}
    )
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Review.objects.exists()


@pytest.mark.parametrize("rating", ["0", "6", "9", "-1", "abc", ""])
def test_a_rating_out_of_range_is_refused_with_a_message(client, buyer, product, rating):
    client.force_login(buyer)
    response = client.post(
        reverse("conversations:review_write", args=[product.pk]),
        {"rating": rating, "text": "Warm and soft"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose from 1 to 5 stars." in html or "This field is required." in html
    assert not Review.objects.exists()


def test_an_over_long_review_is_refused_with_a_clear_message(client, buyer, product):
    client.force_login(buyer)
    response = client.post(
        reverse("conversations:review_write", args=[product.pk]),
        {"rating": "5", "text": "a" * 2001},
    )
    assert response.status_code == 400
    assert "Ensure this value has at most 2000 characters (it has 2001)." in (
        response.content.decode()
    )
    assert not Review.objects.exists()


def test_a_customer_cannot_edit_another_customers_review(client, buyer, other_buyer, product):
    # given
    review = reviews.submit_review(buyer, product, rating=5, text="Mine")
    client.force_login(other_buyer)
    url = reverse("conversations:review_edit", args=[review.pk])
    # when / then
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "1", "text": "Hijacked"}).status_code == 404
    review.refresh_from_db()
    assert (review.rating, review.text) == (5, "Mine")
    # and writing their own review of the product makes a second one, not a change
    client.post(
        reverse("conversations:review_write", args=[product.pk]),
        {"rating": "2", "text": "Mine too"},
    )
    review.refresh_from_db()
    assert review.text == "Mine" and Review.objects.count() == 2


def test_the_author_edits_their_review(client, buyer, staff, product):
    review = _published(buyer, product, staff, text="First thoughts")
    client.force_login(buyer)
    url = reverse("conversations:review_edit", args=[review.pk])
    assert "First thoughts" in client.get(url).content.decode()
    client.post(url, {"rating": "3", "text": "After a winter"})
    review.refresh_from_db()
    assert (review.rating, review.text, review.status) == (3, "After a winter", "pending")


@pytest.mark.parametrize("payload", XSS)
def test_html_in_reviews_and_replies_is_shown_as_text(client, buyer, staff, product, payload):
    # given
    review = _published(buyer, product, staff, text=f"Nice {payload}", title=payload)
    reviews.reply(review, staff, f"Thanks {payload}")
    # when
    pages = [
        client.get(product.get_absolute_url()).content.decode(),
        client.get(reverse("conversations:product_reviews", args=[product.pk])).content.decode(),
    ]
    client.force_login(buyer)
    pages.append(client.get(reverse("conversations:account")).content.decode())
    # then
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;")
    for html in pages:
        assert payload not in html
        assert escaped in html


@pytest.mark.parametrize("payload", XSS)
def test_html_in_questions_and_answers_is_shown_as_text(
    client, shopper, buyer, staff, product, payload
):
    # given
    question = questions.ask(shopper, product, f"Is it safe? {payload}")
    questions.answer(question, buyer, f"Yes {payload}")
    # when
    pages = [
        client.get(product.get_absolute_url()).content.decode(),
        client.get(question.get_absolute_url()).content.decode(),
    ]
    # then
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;")
    for html in pages:
        assert payload not in html
        assert escaped in html


def test_helpful_vote_through_the_page(client, buyer, shopper, staff, product):
    review = _published(buyer, product, staff)
    url = reverse("conversations:review_helpful", args=[review.pk])
    client.force_login(shopper)
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # a second vote is ignored with a message
    review.refresh_from_db()
    assert review.helpful_count == 1
    # the author cannot vote for their own review
    client.force_login(buyer)
    response = client.post(url, follow=True)
    assert "You cannot mark your own review as helpful." in response.content.decode()
    review.refresh_from_db()
    assert review.helpful_count == 1
    # and the count shows on the product page
    assert "Helpful · 1" in client.get(product.get_absolute_url()).content.decode()


def test_the_vote_form_in_the_cached_block_carries_each_visitors_own_token(
    client, buyer, shopper, staff, product
):
    _published(buyer, product, staff)
    client.force_login(shopper)
    html = client.get(product.get_absolute_url()).content.decode()
    token = client.cookies["csrftoken"].value
    assert "<!--dk-" not in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    # the page's token is accepted by a real CSRF check
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(shopper)
    strict.cookies["csrftoken"] = token
    response = strict.post(
        reverse("conversations:review_helpful", args=[Review.objects.get().pk]),
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_reviews_sort_on_the_product_page(client, buyer, other_buyer, staff, product):
    _published(buyer, product, staff, rating=1, text="Too thin for winter")
    _published(other_buyer, product, staff, rating=5, text="Perfect fit")
    url = product.get_absolute_url()
    lowest = client.get(url + "?reviews=lowest").content.decode()
    highest = client.get(url + "?reviews=highest").content.decode()
    assert lowest.index("Too thin for winter") < lowest.index("Perfect fit")
    assert highest.index("Perfect fit") < highest.index("Too thin for winter")
    # an unknown sort falls back to the default
    assert client.get(url + "?reviews=<script>").status_code == 200


def test_the_full_review_list_paginates_and_sorts(client, buyer, other_buyer, staff, product):
    _published(buyer, product, staff, rating=2, text="Meh")
    _published(other_buyer, product, staff, rating=4, text="Good")
    url = reverse("conversations:product_reviews", args=[product.pk])
    html = client.get(url + "?sort=highest").content.decode()
    assert html.index("Good") < html.index("Meh")
    assert client.get(url + "?sort=bogus&page=99").status_code == 200


def test_a_customer_asks_and_sees_their_question_waiting(client, shopper, product):
    client.force_login(shopper)
    response = client.post(
        reverse("conversations:ask", args=[product.pk]), {"text": "Is the sole rubber?"}
    )
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    page = client.get(question.get_absolute_url()).content.decode()
    assert "Is the sole rubber?" in page and "waiting for an answer" in page
    # not on the product page until answered
    assert "Is the sole rubber?" not in client.get(product.get_absolute_url()).content.decode()


def test_an_over_long_question_is_refused(client, shopper, product):
    client.force_login(shopper)
    response = client.post(reverse("conversations:ask", args=[product.pk]), {"text": "q" * 1001})
    assert response.status_code == 400
    assert "Ensure this value has at most 1000 characters (it has 1001)." in (
        response.content.decode()
    )
    assert not Question.objects.exists()


def test_guests_cannot_ask(client, product):
    response = client.post(reverse("conversations:ask", args=[product.pk]), {"text": "Hi there"})
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Question.objects.exists()


def test_a_customer_cannot_read_another_customers_unanswered_question(
    client, shopper, other_buyer, staff, product
):
    # given
    question = questions.ask(shopper, product, "My private worry")
    url = question.get_absolute_url()
    # then: another customer and a guest get a 404
    client.force_login(other_buyer)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    # once answered it is public
    questions.answer(question, staff, "No need to worry")
    assert client.get(url).status_code == 200


def test_a_buyer_answers_from_the_product_page_and_the_asker_gets_the_mail(
    client, shopper, buyer, product, django_capture_on_commit_callbacks
):
    # given
    question = questions.ask(shopper, product, "Do they run small?")
    client.force_login(buyer)
    page = client.get(product.get_absolute_url()).content.decode()
    assert "Do they run small?" in page  # offered to the buyer to answer
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("conversations:question_answer", args=[question.pk]),
            {"text": "Take one size up."},
        )
    # then
    assert response.status_code == 302
    assert question.answers.get().by_staff is False
    assert mail.outbox[0].to == [shopper.email]
    client.logout()
    html = client.get(product.get_absolute_url()).content.decode()
    assert "Take one size up." in html and "Verified buyer" in html


def test_a_non_buyer_cannot_answer(client, shopper, other_buyer, product):
    question = questions.ask(other_buyer, product, "Colour fast?")
    client.force_login(shopper)
    response = client.post(
        reverse("conversations:question_answer", args=[question.pk]), {"text": "Sure"}
    )
    assert response.status_code in (403, 404)
    assert not question.answers.exists()


def test_staff_read_and_answer_open_questions_only_after_the_second_factor(
    client, shopper, staff, product
):
    # given: a staff session made by the password alone
    question = questions.ask(shopper, product, "My private worry")
    client.force_login(staff)
    # when
    page = client.get(question.get_absolute_url())
    answer = client.post(
        reverse("conversations:question_answer", args=[question.pk]), {"text": "As the shop"}
    )
    # then
    assert page.status_code == answer.status_code == 302
    assert page["Location"].startswith("/account/security/two-step/")
    assert not question.answers.exists()
    # and once the session passed it
    login_verified(client, staff)
    assert client.get(question.get_absolute_url()).status_code == 200
    client.post(
        reverse("conversations:question_answer", args=[question.pk]), {"text": "As the shop"}
    )
    assert question.answers.get().by_staff is True


def test_flooding_is_rate_limited(settings, client, shopper, product):
    # given
    settings.DUKEN_POSTS_PER_MINUTE = 3
    client.force_login(shopper)
    url = reverse("conversations:ask", args=[product.pk])
    # when
    codes = [client.post(url, {"text": f"Question number {n}"}).status_code for n in range(5)]
    # then
    assert codes == [302, 302, 302, 429, 429]
    assert Question.objects.count() == 3
    refused = client.post(url, {"text": "One more"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 429
    assert b"You are sending messages too quickly" in refused.content


def test_the_rate_limit_is_per_customer(settings, client, shopper, buyer, product):
    settings.DUKEN_POSTS_PER_MINUTE = 1
    url = reverse("conversations:ask", args=[product.pk])
    client.force_login(shopper)
    assert client.post(url, {"text": "First question"}).status_code == 302
    assert client.post(url, {"text": "Second question"}).status_code == 429
    client.force_login(buyer)
    assert client.post(url, {"text": "Someone else's"}).status_code == 302


def _render_block(user, product):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get(product.get_absolute_url())
    request.user = user or AnonymousUser()
    template = Template("{% include 'conversations/_product.html' %}")
    return template.render(Context({"request": request, "product": product}))


def test_a_cached_block_costs_guests_no_query_and_signed_in_customers_one(
    buyer, other_buyer, shopper, staff, product, django_assert_num_queries
):
    # given a product with reviews and an answered question, rendered once
    _published(buyer, product, staff, text="Lovely")
    questions.answer(questions.ask(shopper, product, "Machine washable?"), staff, "Yes, at 30°")
    _render_block(None, product)
    # then
    with django_assert_num_queries(0):
        html = _render_block(None, product)
    assert "Lovely" in html and "Yes, at 30°" in html
    with django_assert_num_queries(1):
        html = _render_block(shopper, product)
    assert "Only customers who bought this product can review it." in html
    # a buyer: one more query for their own review; open questions to answer are cached
    questions.ask(shopper, product, "Still waiting?")
    _render_block(buyer, product)
    with django_assert_num_queries(2):
        html = _render_block(buyer, product)
    assert "You reviewed this product on" in html and "Still waiting?" in html


def test_products_nobody_talked_about_share_one_block_that_costs_no_query(
    product, staff, buyer, django_assert_num_queries
):
    from duken.testing.factories import make_product

    # given a quiet product's block rendered once (the set of talked-about products is cached)
    quiet, other_quiet = make_product(name="Quiet Lamp"), make_product(name="Quiet Mug")
    _render_block(None, quiet)
    # then the first view of another quiet product costs no query
    with django_assert_num_queries(0):
        html = _render_block(None, other_quiet)
    assert "No reviews yet." in html and "No questions yet. Ask the first one." in html
    # and once a review of it is published, it has a block of its own with the review
    _published(buyer, product, staff, text="Worth it")
    html = _render_block(None, product)
    assert "Worth it" in html and "No reviews yet." not in html
    assert "Worth it" not in _render_block(None, other_quiet)


def test_a_change_shows_at_once(client, buyer, other_buyer, staff, product):
    # given a cached block
    assert "No reviews yet." in client.get(product.get_absolute_url()).content.decode()
    # when a review is published
    _published(buyer, product, staff, text="Fresh review")
    # then the next view shows it
    assert "Fresh review" in client.get(product.get_absolute_url()).content.decode()


def test_the_account_page_lists_own_reviews_and_questions_only(
    client, buyer, other_buyer, staff, product
):
    reviews.submit_review(buyer, product, rating=4, text="My own words")
    reviews.submit_review(other_buyer, product, rating=2, text="Someone else's words")
    questions.ask(other_buyer, product, "Their question")
    client.force_login(buyer)
    html = client.get(reverse("conversations:account")).content.decode()
    assert "My own words" in html
    assert "Someone else&#x27;s words" not in html and "Their question" not in html
