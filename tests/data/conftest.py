"""Fixtures of the tests of ``lstmrec.data.sequences`` and ``lstmrec.data.splits``."""

import pytest

from tests.data.frames import frame


@pytest.fixture
def tiny():
    """3 users; rows deliberately out of order.

    Raw items 10, 20, 30, 40, 50, 60, 70 -> ids 1..7 (0 = padding), num_items 8.
    user 1: 10@1, 20@2, 30@3, 40@4           -> [1, 2, 3, 4]
    user 2: 50@5, 20@5 (same second), 10@6   -> the course's seeded tie order (``data.ties.order_events``)
                                                puts 20 first here: 20, 50, 10 -> [2, 5, 1]
    user 3: 60@1, 70@2                       -> only 2 interactions: dropped
    """
    return frame([
        (2, 10, 6), (1, 30, 3), (3, 70, 2), (2, 50, 5), (1, 10, 1),
        (2, 20, 5), (1, 40, 4), (3, 60, 1), (1, 20, 2),
    ])
