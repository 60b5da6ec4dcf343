"""Where things live.

`ALIGNMENT_DATA_DIR` moves the user's data and `ALIGNMENT_QUESTIONNAIRE_DIR` the questionnaire
files (app, CLI and tests alike).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_QUESTIONNAIRES = PROJECT_ROOT / "questionnaires"
# Sample data ships with the app, read-only, and never mixes with the user's own responses.
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
SAMPLE_RESPONSES = SAMPLE_DIR / "responses.csv"
DEFAULT_QUESTIONNAIRE_ID = "purpose-performance"


def data_dir() -> Path:
    configured = os.environ.get("ALIGNMENT_DATA_DIR", "").strip()
    return Path(configured).expanduser() if configured else PROJECT_ROOT / "data"


def responses_path() -> Path:
    return data_dir() / "responses.csv"


def questionnaire_dir() -> Path:
    configured = os.environ.get("ALIGNMENT_QUESTIONNAIRE_DIR", "").strip()
    return Path(configured).expanduser() if configured else SHIPPED_QUESTIONNAIRES
