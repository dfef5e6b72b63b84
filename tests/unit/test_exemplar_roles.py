"""The emulation desk and council members as roles in the roster (issue 18): given by chat account
from the command line, for the whole authority; bloc code never sees them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.db import Database
from bot.services import people, roster
from models.channels import ChannelAccount
from models.organisation import Authority, Person, RoleKind, SchoolYear
from models.permissions import Capacity, commands_for

pytestmark = pytest.mark.exemplars


async def test_a_person_is_made_the_desk_and_a_council_member_by_chat_account(db: Database) -> None:
    async with db.transaction() as session:
        person = Person(full_name="Ngô Thị Ngọc Hạnh")
        session.add_all(
            [
                Authority(name="Phòng GD&ĐT Vĩnh Thuận"),
                SchoolYear(name="2025-2026", starts_on=date(2025, 9, 5), ends_on=date(2026, 5, 31)),
                person,
            ]
        )
        await session.flush()
        assert person.id is not None
        session.add(ChannelAccount(channel="zalo", external_id="z42", person_id=person.id))
    args = {"authority_name": "Phòng GD&ĐT Vĩnh Thuận", "school_year": "2025-2026"}
    made = await roster.appoint_account(
        db, channel="zalo", external_id="z42", kind=RoleKind.EMULATION_DESK, **args
    )
    assert made.key == "roster.appoint.done"
    again = await roster.appoint_account(
        db, channel="zalo", external_id="z42", kind=RoleKind.EMULATION_DESK, **args
    )
    assert again.key == "roster.appoint.already"
    await roster.appoint_account(db, channel="zalo", external_id="z42", kind=RoleKind.COUNCIL_MEMBER, **args)
    unknown = await roster.appoint_account(
        db, channel="telegram", external_id="7", kind=RoleKind.COUNCIL_MEMBER, **args
    )
    assert unknown.key == "roster.appoint.unknown_account"

    profile = await people.profile_of(db, person.id, date(2026, 3, 2))
    assert profile is not None
    assert profile.roles == ()  # no bloc role: bloc code never meets an authority-wide one
    assert {r.kind for r in profile.authority_roles} == {RoleKind.EMULATION_DESK, RoleKind.COUNCIL_MEMBER}
    assert {Capacity.EMULATION_DESK, Capacity.COUNCIL_MEMBER} <= profile.capacities
    assert {"hosodienhinh", "hoidong", "hoinghi"} <= set(commands_for(profile.capacities))
    assert "dienhinh" not in commands_for(profile.capacities)  # a school's representative's command
