"""The PostgreSQL side of the search: a tsvector table with a GIN index, ts_rank ranking."""

import pytest
from django.db import connection

from duken.catalog.search import search

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_index_is_a_gin_indexed_tsvector_table():
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'catalog_product_fts'")
        definitions = " ".join(row[0] for row in cursor.fetchall())

    # then
    assert "USING gin (document)" in definitions


def test_prefix_ranking_and_stemming(make_product):
    # given
    make_product("Pink Regency Teacup And Saucer", popularity=1)
    make_product("Regency Cakestand 3 Tier", popularity=500)
    make_product("Set Of 3 Regency Cake Tins", popularity=50)

    # when
    prefix = search("regen tea")
    plural = search("teacups")

    # then
    assert [p.name for p in prefix.page.object_list] == ["Pink Regency Teacup And Saucer"]
    assert [p.name for p in plural.page.object_list] == ["Pink Regency Teacup And Saucer"]


def test_name_matches_outrank_category_matches(make_product, make_category):
    # given
    cups = make_category("Mugs & Cups")
    make_product("Enamel Flower Jug", categories=[cups], popularity=900)
    make_product("Retrospot Mug", categories=[cups], popularity=1)

    # when
    result = search("mug")

    # then
    assert [p.name for p in result.page.object_list][0] == "Retrospot Mug"


@pytest.mark.parametrize("query", ["the", "and of", "a:*", "!heart", "heart <-> mug", "'"])
def test_tsquery_syntax_and_stop_words_cause_no_error(make_product, query):
    # given
    make_product("White Hanging Heart T-Light Holder")

    # when
    result = search(query)

    # then
    assert result.total >= 0


@pytest.mark.django_db(transaction=True)
def test_index_survives_the_test_runner_flushing_products(make_product):
    # given: a transactional test; its teardown truncates the product table
    make_product("White Hanging Heart T-Light Holder")

    # when
    result = search("heart")

    # then
    assert result.total == 1
