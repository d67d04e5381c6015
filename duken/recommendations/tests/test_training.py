"""Training: the full retrain learns co-purchases, customers' lists and popular lists from the
order history; a placed order and a new product count without a retrain; forgotten items never
drive a recommendation."""

import pytest
from django.core.management import call_command

from duken.orders.events import record_event
from duken.privacy.models import ForgottenItem
from duken.recommendations import incremental, personal, training
from duken.recommendations.models import (
    CustomerRecommendations,
    PopularList,
    ProductNeighbours,
    TrainingRun,
)
from duken.testing.factories import make_product

from . import shop

pytestmark = pytest.mark.django_db


def _ids(pairs):
    return [pk for pk, _score in pairs]


def test_full_retrain_learns_what_is_bought_together():
    # given
    data = shop.build()
    p = data["products"]
    # when
    run = training.train(ranker=False)
    # then
    teacup = ProductNeighbours.objects.get(pk=p["teacup"].pk)
    assert _ids(teacup.bought)[0] == p["plate"].pk  # bought together by three customers
    assert p["lantern"].pk not in _ids(teacup.bought)  # no customer bought both
    candle = ProductNeighbours.objects.get(pk=p["candle"].pk)
    assert _ids(candle.bought)[0] == p["holder"].pk
    assert run.kind == TrainingRun.Kind.FULL and run.products >= 7 and run.customers == 6


def test_similar_products_come_from_category_and_name():
    data = shop.build()
    p = data["products"]
    training.train(ranker=False)
    similar = _ids(ProductNeighbours.objects.get(pk=p["teacup"].pk).similar)
    # "Green Regency Teacup" shares the category and two words; the lantern shares nothing.
    assert similar[0] == p["green_teacup"].pk
    assert p["lantern"].pk not in similar


def test_customer_list_gives_the_reason_behind_each_item():
    data = shop.build()
    p, aliya = data["products"], data["customers"]["aliya"]
    training.train(ranker=False)
    items = CustomerRecommendations.objects.get(user=aliya).items
    by_product = {item[0]: item for item in items}
    # Aliya bought a teacup and a plate: the cakestand goes with them.
    cakestand = by_product[p["cakestand"].pk]
    assert cakestand[2] == personal.BOUGHT
    assert cakestand[4] in {"Pink Regency Teacup", "Pink Regency Tea Plate"}
    # What she bought once is not offered again.
    assert p["teacup"].pk not in by_product and p["plate"].pk not in by_product


def test_repeat_purchases_are_offered_again():
    data = shop.build()
    p, marat = data["products"], data["customers"]["marat"]
    training.train(ranker=False)
    items = CustomerRecommendations.objects.get(user=marat).items
    repeat = [item for item in items if item[2] == personal.REPEAT]
    assert {item[0] for item in repeat} == {p["candle"].pk, p["holder"].pk}


def test_popular_lists_per_country():
    data = shop.build()
    p = data["products"]
    training.train(ranker=False)
    assert PopularList.objects.get(key="all").items
    kazakhstan = PopularList.objects.get(key="country:Kazakhstan").items
    # Bought by the most Kazakhstan customers: teacup and plate (3), candle and holder (2).
    assert set(kazakhstan[:2]) == {p["teacup"].pk, p["plate"].pk}
    assert set(kazakhstan[2:5]) >= {p["candle"].pk, p["holder"].pk}
    assert not PopularList.objects.filter(key="country:United Kingdom").exists()  # too few


def test_retraining_twice_gives_the_same_lists():
    shop.build()
    training.train(ranker=False)
    first = dict(ProductNeighbours.objects.values_list("pk", "bought"))
    training.train(ranker=False)
    assert dict(ProductNeighbours.objects.values_list("pk", "bought")) == first


def test_a_placed_order_counts_without_a_retrain(django_capture_on_commit_callbacks):
    # given: the lantern was never bought with a teacup
    data = shop.build()
    p, emma = data["products"], data["customers"]["emma"]
    training.train(ranker=False)
    assert p["lantern"].pk not in _ids(ProductNeighbours.objects.get(pk=p["teacup"].pk).bought)
    # when: an order with both is placed (its first timeline event)
    with django_capture_on_commit_callbacks(execute=True):
        order = data["order"](emma, "teacup", "lantern", days_ago=0)
        record_event(order, from_status="", to_status=order.status, note="Order placed.")
    # then: both products' lists and Emma's own list know it at once
    assert p["lantern"].pk in _ids(ProductNeighbours.objects.get(pk=p["teacup"].pk).bought)
    assert p["teacup"].pk in _ids(ProductNeighbours.objects.get(pk=p["lantern"].pk).bought)
    emmas = {item[0]: item for item in CustomerRecommendations.objects.get(user=emma).items}
    assert p["plate"].pk in emmas and emmas[p["plate"].pk][4] == "Pink Regency Teacup"
    assert TrainingRun.objects.filter(kind=TrainingRun.Kind.ORDER, note=order.number).exists()


def test_orders_queue_the_full_retrain_once_it_is_due(django_capture_on_commit_callbacks, settings):
    from datetime import timedelta

    from django.utils import timezone

    data = shop.build()
    emma = data["customers"]["emma"]
    full = TrainingRun.objects.filter(kind=TrainingRun.Kind.FULL)

    def place_order():
        with django_capture_on_commit_callbacks(execute=True):
            order = data["order"](emma, "teacup", "lantern", days_ago=0)
            record_event(order, from_status="", to_status=order.status, note="Order placed.")

    settings.DUKEN_RECS_RETRAIN_HOURS = 24
    training.train(ranker=False)
    # given: the last full retrain ran 25 hours ago
    full.update(started_at=timezone.now() - timedelta(hours=25))
    # when: an order is placed, the worker retrains in full after counting it
    place_order()
    assert full.count() == 2
    assert full.first().started_at > timezone.now() - timedelta(minutes=5)
    # a second order right after queues nothing more
    place_order()
    assert full.count() == 2
    # and with the interval set to 0 only `duken recs train` retrains
    settings.DUKEN_RECS_RETRAIN_HOURS = 0
    full.update(started_at=timezone.now() - timedelta(days=30))
    place_order()
    assert full.count() == 2


def test_incremental_and_full_retrain_agree_on_scores():
    data = shop.build()
    p = data["products"]
    training.train(ranker=False)
    full = ProductNeighbours.objects.get(pk=p["teacup"].pk).bought
    fresh = incremental.co_purchase_list(p["teacup"].pk)
    assert _ids(fresh) == _ids(full)
    for (_a, x), (_b, y) in zip(fresh, full, strict=True):
        assert x == pytest.approx(y, abs=1e-3)


def test_a_new_product_is_recommended_through_category_and_name(
    django_capture_on_commit_callbacks,
):
    data = shop.build()
    p = data["products"]
    training.train(ranker=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        new = make_product(
            name="Blue Regency Teacup", category=p["teacup"].primary_category, slug="blue-cup"
        )
    # then: it has its own similar list and shows in its neighbours' lists
    own = _ids(ProductNeighbours.objects.get(pk=new.pk).similar)
    assert own[:2] == [p["green_teacup"].pk, p["teacup"].pk] or set(own[:2]) == {
        p["green_teacup"].pk,
        p["teacup"].pk,
    }
    assert new.pk in _ids(ProductNeighbours.objects.get(pk=p["green_teacup"].pk).similar)


def test_a_forgotten_product_never_drives_recommendations(django_capture_on_commit_callbacks):
    data = shop.build()
    p, saule = data["products"], data["customers"]["saule"]
    training.train(ranker=False)
    reasons = {item[3] for item in CustomerRecommendations.objects.get(user=saule).items}
    assert p["candle"].pk in reasons or p["holder"].pk in reasons
    # when: Saule asks the shop to forget the candle and the holder
    ForgottenItem.objects.create(user=saule, key=f"product:{p['candle'].pk}")
    ForgottenItem.objects.create(user=saule, key=f"product:{p['holder'].pk}")
    training.train(ranker=False)
    # then
    items = CustomerRecommendations.objects.get(user=saule).items
    assert not {item[3] for item in items} & {p["candle"].pk, p["holder"].pk}
    assert not {item[0] for item in items} & {p["candle"].pk, p["holder"].pk}
    # the lantern came only from the candle purchase
    assert p["lantern"].pk not in {item[0] for item in items}


def test_forgetting_a_category_rebuilds_the_list_at_once(django_capture_on_commit_callbacks):
    from duken.privacy import memory

    data = shop.build()
    p, saule = data["products"], data["customers"]["saule"]
    training.train(ranker=False)
    assert any(
        item[0] == p["lantern"].pk for item in CustomerRecommendations.objects.get(user=saule).items
    )
    # when: through the "What we remember" forgetting, which signals the change
    with django_capture_on_commit_callbacks(execute=True):
        ForgottenItem.objects.create(user=saule, key=f"category:{p['candle'].primary_category_id}")
        memory.item_forgotten.send(
            sender=memory.Item, user=saule, key=f"category:{p['candle'].primary_category_id}"
        )
    # then
    items = CustomerRecommendations.objects.get(user=saule).items
    light = {p["candle"].pk, p["holder"].pk, p["lantern"].pk}
    assert not {item[0] for item in items} & light
    assert not {item[3] for item in items} & light


def test_recs_train_command_ranks_with_dukens_ranker_by_default(capsys):
    shop.build()
    call_command("recs", "train")
    assert "lists by the ranker" in capsys.readouterr().out
    assert ProductNeighbours.objects.exists() and TrainingRun.objects.count() == 1
    call_command("recs", "train", "--no-ranker")
    assert "by the ranker" not in capsys.readouterr().out


def test_train_task_runs_in_the_background_queue():
    from duken.recommendations.tasks import train_recommendations

    shop.build()
    result = train_recommendations.enqueue(ranker=False)
    assert result.return_value["customers"] == 6


def test_customer_lists_by_dukens_ranker_keep_their_reasons():
    # given
    data = shop.build()
    p = data["products"]
    # when
    run = training.train(ranker=True)
    # then: the ranker ranked them (not the fallback), each item with an explainable reason
    assert "lists by the ranker" in run.note
    marat = CustomerRecommendations.objects.get(user=data["customers"]["marat"]).items
    codes = {item[0]: item[2] for item in marat}
    assert codes[p["candle"].pk] == personal.REPEAT  # in two of his orders
    allowed = {personal.REPEAT, personal.AGAIN, personal.BOUGHT, personal.VIEWED, personal.LEARNED}
    for user in data["customers"].values():
        for _pk, _score, code, because, name in CustomerRecommendations.objects.get(
            user=user
        ).items:
            assert code in allowed
            assert (because is not None) == (code in {personal.BOUGHT, personal.VIEWED})
            assert bool(name) == (because is not None)
