import datetime

import pytest

from meetings.enums import Answer, AttendanceMode, MeetingFormat, MeetingStatus
from tests import factories


@pytest.fixture
def brussels(db):
    """The in-person meeting of 28 April 2027 in Brussels, 9:30–16:30, with Belgium's director accepted in
    person and France's director accepted online (hybrid meeting)."""
    meeting = factories.meeting(
        format=MeetingFormat.HYBRID,
        status=MeetingStatus.INVITED,
        starts_at=datetime.datetime(2027, 4, 28, 9, 30, tzinfo=factories.BRUSSELS),
    )
    be = factories.director(factories.country("BE"), first_name="Anne", last_name="Peeters", title="Director-General")
    fr = factories.director(factories.country("FR"), first_name="Claire", last_name="Dubois")
    in_person = factories.sent_invitation(meeting, be, answer=Answer.ACCEPTED, mode=AttendanceMode.IN_PERSON)
    online = factories.sent_invitation(meeting, fr, answer=Answer.ACCEPTED, mode=AttendanceMode.ONLINE)
    return {"meeting": meeting, "be": be, "fr": fr, "in_person": in_person, "online": online}


def at(hour: int, minute: int = 0, day: int = 28) -> datetime.datetime:
    return datetime.datetime(2027, 4, day, hour, minute, tzinfo=factories.BRUSSELS)
