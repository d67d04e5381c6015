"""Reviews: verified purchases, moderation, the shop's reply, helpful votes and the rating."""

import pytest
from django.db import IntegrityError

from duken.conversations import reviews
from duken.conversations.models import ProductRating, Review
from duken.orders.models import OrderEvent, OrderStatus
from duken.testing.factories import make_order, make_product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "verified"),
    [
        (OrderStatus.AWAITING_PAYMENT, False),
        (OrderStatus.CANCELLED, False),
        (OrderStatus.PAID, True),
        (OrderStatus.PACKED, True),
        (OrderStatus.SHIPPED, True),
        (OrderStatus.DELIVERED, True),
        (OrderStatus.COMPLETED, True),
        (OrderStatus.RETURNED, True),
    ],
)
def test_a_verified_purchase_is_a_paid_or_later_order_that_was_not_cancelled(
    shopper, product, status, verified
):
    # given
    make_order(lines=[(product, 1, 0)], status=status, user=shopper)
    # then
    assert reviews.is_verified_buyer(shopper, product) is verified


def test_a_refund_counts_only_after_a_return(shopper, product):
    # given a cancelled-then-refunded order: the goods never left
    order = make_order(lines=[(product, 1, 0)], status=OrderStatus.REFUNDED, user=shopper)
    assert not reviews.is_verified_buyer(shopper, product)
    # when the refund followed a return
    OrderEvent.objects.create(
        order=order, from_status="delivered", to_status="returned", created_at=order.placed_at
    )
    # then
    assert reviews.is_verified_buyer(shopper, product)


def test_another_customers_order_or_another_product_does_not_count(buyer, shopper, product):
    assert not reviews.is_verified_buyer(shopper, product)
    assert not reviews.is_verified_buyer(buyer, make_product())


def test_only_buyers_can_review(shopper, product):
    with pytest.raises(reviews.NotAPurchaser):
        reviews.submit_review(shopper, product, rating=5, text="Lovely")
    assert not Review.objects.exists()


def test_a_new_review_waits_for_moderation_and_does_not_count(buyer, product):
    # when
    review = reviews.submit_review(buyer, product, rating=4, text="Warm and soft")
    # then
    assert review.status == Review.Status.PENDING
    assert list(reviews.published(product.pk)) == []
    assert not ProductRating.objects.filter(product=product, count__gt=0).exists()


def test_approving_updates_the_rating_and_distribution(buyer, other_buyer, staff, product):
    # given
    first = reviews.submit_review(buyer, product, rating=5, text="Great")
    second = reviews.submit_review(other_buyer, product, rating=2, text="Too small")
    # when
    reviews.approve(first, staff)
    reviews.approve(second, staff)
    # then
    rating = ProductRating.objects.get(product=product)
    assert (rating.count, rating.total, rating.average) == (2, 7, 3.5)
    assert rating.distribution() == [(5, 1, 50), (4, 0, 0), (3, 0, 0), (2, 1, 50), (1, 0, 0)]
    assert first.moderated_by == staff


def test_rejecting_needs_a_reason_and_takes_the_review_out_of_the_rating(buyer, staff, product):
    # given a published review
    review = reviews.submit_review(buyer, product, rating=1, text="Spam spam")
    reviews.approve(review, staff)
    # when / then: no reason, no rejection
    with pytest.raises(reviews.ReviewError):
        reviews.reject(review, staff, "   ")
    review.refresh_from_db()
    assert review.status == Review.Status.APPROVED
    # when
    reviews.reject(review, staff, "Advertising")
    # then
    review.refresh_from_db()
    assert (review.status, review.rejection_reason) == (Review.Status.REJECTED, "Advertising")
    assert ProductRating.objects.get(product=product).count == 0


def test_rewriting_a_review_sends_it_back_to_moderation(buyer, staff, product):
    # given
    review = reviews.submit_review(buyer, product, rating=5, text="Great")
    reviews.approve(review, staff)
    # when
    again = reviews.submit_review(buyer, product, rating=3, text="Wore out after a month")
    # then one review per customer and product, pending, out of the rating
    assert again.pk == review.pk
    assert Review.objects.count() == 1
    assert again.status == Review.Status.PENDING
    assert ProductRating.objects.get(product=product).count == 0


def test_the_database_refuses_a_rating_outside_one_to_five(buyer, product):
    with pytest.raises(IntegrityError):
        Review.objects.create(product=product, user=buyer, rating=6, text="x")


def test_the_service_refuses_a_rating_outside_one_to_five(buyer, product):
    with pytest.raises(reviews.ReviewError):
        reviews.submit_review(buyer, product, rating=0, text="Nothing")


def test_helpful_votes_one_per_customer_never_on_ones_own(
    buyer, other_buyer, shopper, staff, product
):
    # given
    review = reviews.submit_review(buyer, product, rating=5, text="Great")
    reviews.approve(review, staff)
    # when
    reviews.vote_helpful(review, other_buyer)
    reviews.vote_helpful(review, shopper)
    # then
    with pytest.raises(reviews.AlreadyVoted):
        reviews.vote_helpful(review, shopper)
    with pytest.raises(reviews.OwnReview):
        reviews.vote_helpful(review, buyer)
    review.refresh_from_db()
    assert review.helpful_count == 2


def test_unpublished_reviews_take_no_votes(buyer, shopper, product):
    review = reviews.submit_review(buyer, product, rating=5, text="Great")
    with pytest.raises(reviews.ReviewError):
        reviews.vote_helpful(review, shopper)


def test_sort_orders(buyer, other_buyer, shopper, staff, product):
    # given
    low = reviews.submit_review(buyer, product, rating=2, text="Meh")
    high = reviews.submit_review(other_buyer, product, rating=5, text="Yes")
    for review in (low, high):
        reviews.approve(review, staff)
    reviews.vote_helpful(low, shopper)
    # then
    assert list(reviews.published(product.pk, "highest")) == [high, low]
    assert list(reviews.published(product.pk, "lowest")) == [low, high]
    assert list(reviews.published(product.pk, "helpful"))[0] == low
    assert list(reviews.published(product.pk, "newest")) == [high, low]


def test_the_shops_public_reply(buyer, staff, product):
    review = reviews.submit_review(buyer, product, rating=3, text="Fine")
    reviews.reply(review, staff, "Thank you, we have bigger sizes now.")
    review.refresh_from_db()
    assert review.reply == "Thank you, we have bigger sizes now."
    assert review.replied_by == staff


def test_erasing_a_customer_takes_their_review_out_of_the_rating(
    buyer, other_buyer, staff, product, django_capture_on_commit_callbacks
):
    # given two published reviews
    reviews.approve(reviews.submit_review(buyer, product, rating=5, text="Great"), staff)
    reviews.approve(reviews.submit_review(other_buyer, product, rating=1, text="Bad"), staff)
    # when one customer's account is deleted
    with django_capture_on_commit_callbacks(execute=True):
        other_buyer.delete()
    # then
    rating = ProductRating.objects.get(product=product)
    assert (rating.count, rating.average) == (1, 5.0)


def test_deleting_a_product_with_reviews_leaves_no_rating_behind(
    buyer, staff, product, django_capture_on_commit_callbacks
):
    from duken.orders.models import OrderLine

    reviews.approve(reviews.submit_review(buyer, product, rating=5, text="Great"), staff)
    OrderLine.objects.filter(product=product).update(product=None)
    with django_capture_on_commit_callbacks(execute=True):
        product.delete()
    assert not ProductRating.objects.exists() and not Review.objects.exists()


def test_listing_tiles_show_the_rating_once_reviews_are_approved(client, buyer, staff, product):
    from duken.catalog.services import refresh_category_counts

    refresh_category_counts()
    other = make_product(name="Wool Socks", category=product.primary_category)
    listing = product.primary_category.get_absolute_url()

    def tile(name):
        html = client.get(listing).content.decode()
        return html.split(f'class="pcard-name">{name}</h3>')[1].split("</article>")[0]

    # given: the listing was shown (tiles cached) before any review
    assert "pcard-rating" not in tile("Felt Slippers")
    # when: a verified buyer's 4-star review is approved
    review = reviews.submit_review(buyer, product, rating=4, text="Warm and soft")
    assert "pcard-rating" not in tile("Felt Slippers")  # still waiting for moderation
    reviews.approve(review, staff)
    # then: the tile shows the rating, read out in full; other tiles show none
    shown = tile("Felt Slippers")
    assert 'aria-label="Rated 4.0 out of 5 by 1 customer"' in shown
    assert "4.0 <span" in shown and "(1)" in shown
    assert "pcard-rating" not in tile(other.name)
    # and a rejected review takes it away again
    reviews.reject(review, staff, "Not about the product")
    assert "pcard-rating" not in tile("Felt Slippers")
