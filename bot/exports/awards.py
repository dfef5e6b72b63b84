"""The awards a bloc proposes to the department's council (seed 000 §III.2): each bloc chooses
02 Cờ thi đua and 03 Bằng khen of the city, and the head sends the dossier for exactly those.
Titles a unit confers on its own staff or that a unit's head proposes for the unit itself
(Tập thể lao động xuất sắc, Lao động tiên tiến, …) are each unit's own business, not the bloc's.

A ballot's title is typed by the head ("Bằng khen UBND thành phố"); the documents print the
award's full official name, whatever the short form.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.text import strip_diacritics


@dataclass(frozen=True)
class Award:
    key: str
    name: str  # the full official name, as a decision writes it
    order: int  # the higher award first: a unit chosen for both is proposed for the higher only


FLAG = Award("flag", "Cờ thi đua của Ủy ban nhân dân thành phố", 1)
MERIT = Award("merit", "Bằng khen của Chủ tịch Ủy ban nhân dân thành phố", 2)


def bloc_award(ballot_title: str) -> Award | None:
    """The award a ballot chose units for, when it is one the bloc proposes; None otherwise."""
    folded = " ".join(strip_diacritics(ballot_title).casefold().split())
    if "co thi dua" in folded:
        return FLAG
    if "bang khen" in folded:
        return MERIT
    return None
