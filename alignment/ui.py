"""Streamlit helpers shared by the pages: cached loading, the data source, the sidebar.

The only module of the package that imports Streamlit. Loads are cached on the file's identity
(path, size, mtime), so a new save is seen at once; writers also clear the cache explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from alignment import config
from alignment.questionnaire import LoadedQuestionnaire, Questionnaire, load_catalog
from alignment.store import LoadedResponses, StoreError, file_identity, load_responses

SOURCE_KEY = "app_data_source"
_MARKDOWN_SPECIALS = "\\`*_{}[]()<>#+-.!|~$"
SAMPLE, MINE = "sample", "mine"
SOURCE_LABELS = {MINE: "My responses", SAMPLE: "Sample data (read-only)"}


def plain(text: str) -> str:
    """Text from files or people, escaped so Markdown shows it literally (no links, no HTML)."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


@dataclass(frozen=True)
class DataSource:
    kind: str
    path: Path

    @property
    def is_sample(self) -> bool:
        return self.kind == SAMPLE

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.kind]


@st.cache_data(show_spinner=False, max_entries=8)
def _load_responses(path: str, size: int, mtime_ns: int) -> LoadedResponses:
    del size, mtime_ns  # part of the cache key only
    return load_responses(path)


def load_responses_cached(path: Path) -> LoadedResponses:
    return _load_responses(*file_identity(path))


def forget_loaded_responses() -> None:
    """Call after every write so no page shows a stale copy."""
    _load_responses.clear()


def _catalog_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple(file_identity(p) for p in sorted(directory.glob("*.y*ml")))


@st.cache_data(show_spinner=False, max_entries=4)
def _catalog(directory: str, signature: tuple) -> list[LoadedQuestionnaire]:
    del signature  # part of the cache key only
    return load_catalog(directory)


def questionnaire_catalog() -> list[LoadedQuestionnaire]:
    directory = config.questionnaire_dir()
    return _catalog(str(directory), _catalog_signature(directory))


def valid_questionnaires() -> dict[str, Questionnaire]:
    """Usable questionnaires by id, the default one first."""
    found = {
        entry.questionnaire.id: entry.questionnaire
        for entry in questionnaire_catalog()
        if entry.questionnaire is not None
    }
    default = config.DEFAULT_QUESTIONNAIRE_ID
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != default, kv[0])))


def default_source() -> str:
    """The user's own data once they have any; the sample until then."""
    try:
        mine = load_responses_cached(config.responses_path())
    except StoreError:
        return MINE
    return MINE if not mine.frame.empty else SAMPLE


def current_source() -> DataSource:
    kind = st.session_state.setdefault(SOURCE_KEY, default_source())
    path = config.SAMPLE_RESPONSES if kind == SAMPLE else config.responses_path()
    return DataSource(kind, path)


def use_source(kind: str) -> None:
    st.session_state[SOURCE_KEY] = kind


def sidebar() -> None:
    """What every page shares: which data is shown, and questionnaire files that need fixing."""
    with st.sidebar:
        current_source()  # settles the default before the widget takes over the key
        st.radio(
            "Data shown",
            [MINE, SAMPLE],
            key=SOURCE_KEY,
            format_func=SOURCE_LABELS.get,
            help="Sample data lets you explore every page before you have answers of your own. "
            "It is kept apart from your responses and never changes.",
        )
        broken = [entry for entry in questionnaire_catalog() if not entry.is_valid]
        if broken:
            with st.expander(f"⚠️ {len(broken)} questionnaire file(s) need fixing"):
                for entry in broken:
                    st.markdown(f"**{plain(entry.path.name)}** is not used until fixed:")
                    st.code("\n".join(str(issue) for issue in entry.errors), language=None)
