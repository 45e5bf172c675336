"""How a backend cuts its rows into batches for the workers that run them side by side."""

from __future__ import annotations

import pytest

from mtfix.model.backend import even_batches


@pytest.mark.parametrize(
    ("rows", "size", "workers", "sizes"),
    [
        (27, 8, 2, [7, 7, 7, 6]),
        (16, 8, 2, [8, 8]),
        (20, 8, 2, [5, 5, 5, 5]),
        (9, 8, 1, [5, 4]),
        (8, 8, 1, [8]),
        (3, 8, 2, [2, 1]),
        (1, 8, 2, [1]),
        (5, 1, 2, [1, 1, 1, 1, 1]),
        (0, 8, 2, []),
    ],
)
def test_batches_are_even_and_shared_by_the_workers(
    rows: int, size: int, workers: int, sizes: list[int]
) -> None:
    batches = even_batches(list(range(rows)), size, workers)
    assert [len(b) for b in batches] == sizes
    # Every row once, in order, so the caller can zip the answers back onto its rows.
    assert [row for batch in batches for row in batch] == list(range(rows))
    assert all(len(b) <= size for b in batches)
