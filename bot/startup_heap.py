"""Full garbage collections that leave out what start-up built.

A full (generation 2) collection walks every object the collector tracks. Once the bot
has started that is some 130,000 objects (SQLAlchemy's mappers and cached SQL, Bolt,
pydantic's validators, the policy), alive as long as the process. Walking them held the
interpreter lock for 60 to 100 ms, and every request in flight waited as long: the worst
acks of a loaded minute (``bench/README.md``). Frozen, they are left out of every later
collection, and a full one takes a few milliseconds.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect start-up's garbage, then freeze what is left; how many objects that is.

    Call it once, when the bot is built and about to serve: what is frozen is never
    collected, so garbage frozen with it would stay for good.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
