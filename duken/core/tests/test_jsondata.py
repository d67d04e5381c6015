"""``jsondata.loads``: JSON a client sent, where every malformed document is a ValueError."""

import pytest

from duken.core import jsondata


def test_standard_json_reads_as_json_loads_reads_it():
    # when
    data = jsondata.loads(b'{"a": [1, 2.5, "x", null, true], "b": {"c": -3e2}}')
    # then
    assert data == {"a": [1, 2.5, "x", None, True], "b": {"c": -300.0}}


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' * 2000,
        "[" * 5000 + "]" * 5000,
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": -Infinity}',
        '{"a": 1e999}',
        "{not json",
    ],
)
def test_too_deep_non_finite_or_broken_json_is_a_value_error(text):
    with pytest.raises(ValueError):
        jsondata.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "nul \\u0000 inside"}',
        '{"nul \\u0000 key": 1}',
        '[["x", ["\\u0000"]]]',
        "[" * 65 + "]" * 65,
        '{"a":' * 65 + "1" + "}" * 65,
    ],
)
def test_json_a_database_column_cannot_keep_is_a_value_error(text):
    with pytest.raises(ValueError):
        jsondata.loads(text)


def test_json_as_deep_as_the_limit_is_read():
    # given
    text = "[" * jsondata.MAX_DEPTH + "]" * jsondata.MAX_DEPTH
    # when / then
    assert jsondata.loads(text) is not None
