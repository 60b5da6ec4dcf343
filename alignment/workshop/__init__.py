"""Workshops: sessions people join by code, what the room may see of the group, and who may answer.

- `sessions`: the session records, their codes and `sessions.json`;
- `disclosure`: which group numbers may be shown, and the frozen releases they are shown in;
- `admission`: one answer per participant (browser mark, pace per address, headcount);
- `live`: a session's rows as a live panel follows them.
"""

from alignment.workshop import admission
from alignment.workshop.disclosure import (
    GroupView,
    Visibility,
    group_view,
    one_off_view,
    plan_release,
    release_results,
    top_gaps,
)
from alignment.workshop.live import LiveRows
from alignment.workshop.sessions import (
    CODE_ALPHABET,
    CODE_LENGTH,
    DEFAULT_MIN_GROUP,
    EXPECTED_MAX,
    MIN_GROUP_FLOOR,
    TITLE_MAX_LENGTH,
    Release,
    Session,
    WorkshopError,
    Workshops,
    code_problem,
    create_session,
    join_url,
    load_workshops,
    new_code,
    normalise_code,
    qr_png,
    sessions_path,
    set_join_base_url,
    update_session,
    versions_in,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "DEFAULT_MIN_GROUP",
    "EXPECTED_MAX",
    "MIN_GROUP_FLOOR",
    "TITLE_MAX_LENGTH",
    "GroupView",
    "LiveRows",
    "Release",
    "Session",
    "Visibility",
    "WorkshopError",
    "Workshops",
    "admission",
    "code_problem",
    "create_session",
    "group_view",
    "join_url",
    "load_workshops",
    "new_code",
    "normalise_code",
    "one_off_view",
    "plan_release",
    "qr_png",
    "release_results",
    "sessions_path",
    "set_join_base_url",
    "top_gaps",
    "update_session",
    "versions_in",
]
