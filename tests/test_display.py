"""The helpers the reports share (:mod:`migcompat.display`)."""

from __future__ import annotations

import pytest

from migcompat.display import escape, first_few


def test_first_few_shows_all_when_limit_equals_length() -> None:
    assert first_few(["a", "b", "c"], 3) == "a, b, c"


def test_first_few_counts_the_one_past_the_limit() -> None:
    assert first_few(["a", "b", "c", "d"], 3) == "a, b, c and 1 more"


def test_first_few_shows_all_under_the_limit() -> None:
    assert first_few(["a", "b"], 3) == "a, b"
    assert first_few(["a"], 1) == "a"
    assert first_few(["a", "b"], 1) == "a and 1 more"


def test_first_few_of_no_items_is_empty() -> None:
    assert first_few([], 3) == ""


def test_first_few_calls_show_only_on_the_shown_items() -> None:
    seen: list[int] = []

    def show(item: int) -> str:
        seen.append(item)
        return f"<{item}>"

    assert first_few([1, 2, 3, 4, 5], 2, show) == "<1>, <2> and 3 more"
    assert seen == [1, 2]


def test_first_few_semicolon_separator_puts_one_before_the_count() -> None:
    assert first_few(["x", "y", "z"], 2, separator="; ") == "x; y; and 1 more"
    assert first_few(["x", "y"], 2, separator="; ") == "x; y"


def test_first_few_shows_through_show() -> None:
    assert first_few(["a\nb", "c"], 1, escape) == "a\\nb and 1 more"


@pytest.mark.parametrize("limit", [0, -1])
def test_first_few_refuses_a_limit_under_one(limit: int) -> None:
    with pytest.raises(ValueError, match="limit must be at least 1"):
        first_few(["a"], limit)
