"""The vocabulary every part of the policy file shares: keys, labels, channel ids, strictness."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]
Blurb = Annotated[str, StringConstraints(max_length=150, strip_whitespace=True)]
ChannelId = Annotated[str, StringConstraints(pattern=r"^[CGD][A-Z0-9]{2,}$")]


class Strict(BaseModel):
    """Frozen, and unknown fields are errors: a typo in the policy file is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
