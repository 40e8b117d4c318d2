"""Request and object ids are UUID version 4 strings, formatted without ``uuid.UUID``."""

from __future__ import annotations

import random
import uuid

from mock_server.tasks.ids import IdFactory, _uuid4


def test_the_formatting_matches_uuid_for_any_bits() -> None:
    draw = random.Random(7)
    samples = [0, 2**128 - 1, *(draw.getrandbits(128) for _ in range(5000))]
    for bits in samples:
        assert _uuid4(bits) == str(uuid.UUID(int=bits, version=4))


def test_ids_are_version_4_and_seeded() -> None:
    first, again = IdFactory(3), IdFactory(3)
    ids = [first.request_id() for _ in range(50)] + [first.uuid() for _ in range(50)]
    assert ids == [again.request_id() for _ in range(50)] + [again.uuid() for _ in range(50)]
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
