"""A coach's branding for reports: their name, their practice, a note and a logo, set once.

Stored beside the responses in the data folder: `practice.json` (the texts, validated) and
`practice-logo.png` (the logo, always re-encoded here: whatever was uploaded, only the pixels are
kept, fitted within 800 by 400). A broken file never stops a report: it is made without branding
and the problem is said in words that name the file and the field.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from alignment import config
from alignment.store import StoreError, locked, write_whole

PRACTICE_FILE = "practice.json"
LOGO_FILE = "practice-logo.png"
NAME_MAX_CHARS = 120
NOTE_MAX_CHARS = 2000
LOGO_MAX_BYTES = 1_000_000
# A small file can still unpack into a huge picture (a decompression bomb): refused before decoding.
LOGO_MAX_PIXELS = 25_000_000
LOGO_BOX = (800, 400)
LOGO_FORMATS = ("PNG", "JPEG")
FORM_LABELS = {"coach_name": "Coach name", "practice_name": "Practice name", "note": "Note"}


class PracticeError(ValueError):
    """A branding setting or logo that cannot be used, in words for the person who set it."""


class PracticeSettings(BaseModel):
    """The texts of practice.json; all optional, none longer than a report can carry."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    coach_name: str = Field("", max_length=NAME_MAX_CHARS)
    practice_name: str = Field("", max_length=NAME_MAX_CHARS)
    note: str = Field("", max_length=NOTE_MAX_CHARS)


@dataclass(frozen=True)
class Branding:
    """What a report shows of the coach: "Prepared by …", the logo (PNG bytes) and the note."""

    coach_name: str = ""
    practice_name: str = ""
    note: str = ""
    logo_png: bytes | None = None

    @property
    def prepared_by(self) -> str:
        """ "Prepared by Dana Cole, North Star Coaching", or "" when neither name is set."""
        names = ", ".join(name for name in (self.coach_name, self.practice_name) if name)
        return f"Prepared by {names}" if names else ""

    @property
    def is_empty(self) -> bool:
        return not (self.coach_name or self.practice_name or self.note or self.logo_png)


@dataclass(frozen=True)
class LoadedBranding:
    """The branding to print (None: none is set or it cannot be used), and why not, if broken."""

    branding: Branding | None
    problem: str | None = None


def practice_path() -> Path:
    return config.data_dir() / PRACTICE_FILE


def logo_path() -> Path:
    return config.data_dir() / LOGO_FILE


def parse_settings(data: bytes | str) -> PracticeSettings:
    """practice.json's texts; PracticeError naming the field (or the line) that is wrong."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise PracticeError(f"{PRACTICE_FILE} is not valid JSON{where}.") from None
    try:
        return PracticeSettings.model_validate(raw)
    except ValidationError as exc:
        raise PracticeError(f"{PRACTICE_FILE}: {_first_issue(exc)}.") from None


def settings_from_form(coach_name: str, practice_name: str, note: str) -> PracticeSettings:
    """The texts typed into the Data page's form, checked as practice.json's would be."""
    try:
        return PracticeSettings(coach_name=coach_name, practice_name=practice_name, note=note)
    except ValidationError as exc:
        raise PracticeError(_first_issue(exc, FORM_LABELS) + ".") from None


def _first_issue(exc: ValidationError, labels: dict[str, str] | None = None) -> str:
    """The first problem, naming the field as the reader knows it (its key, or its label)."""
    issue = exc.errors()[0]
    field = ".".join(str(part) for part in issue["loc"])
    field = (labels or {}).get(field, field)
    if issue["type"] == "model_type":
        return "expected an object with coach_name, practice_name and note"
    if issue["type"] == "extra_forbidden":
        return f"{field} is not a setting (use coach_name, practice_name or note)"
    if issue["type"] == "string_too_long":
        return f"{field} must be at most {issue['ctx']['max_length']} characters"
    if issue["type"] == "string_type":
        return f"{field} must be text"
    return f"{field}: {issue['msg']}"


def fitted_logo(data: bytes) -> bytes:
    """The logo as a fresh PNG within 800 by 400; PracticeError for anything else.

    Only PNG and JPEG up to 1 MB and 25 megapixels are opened; the size is read from the header
    before a single pixel is decoded. Re-encoding keeps no metadata, colour profile or trailing
    bytes of the upload.
    """
    if len(data) > LOGO_MAX_BYTES:
        raise PracticeError(
            f"The logo is {len(data):,} bytes; at most 1 MB ({LOGO_MAX_BYTES:,} bytes)."
        )
    try:
        with Image.open(io.BytesIO(data), formats=LOGO_FORMATS) as image:
            width, height = image.size
            if width * height > LOGO_MAX_PIXELS:
                raise PracticeError(
                    f"The logo is {width:,} by {height:,} pixels; at most 25 megapixels."
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise PracticeError("The logo has too many pixels; at most 25 megapixels.") from None
    except PracticeError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PracticeError("The logo must be a PNG or JPEG picture.") from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    pixels = upright.convert("RGBA" if has_alpha else "RGB")
    pixels.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return out.getvalue()


def load_branding() -> LoadedBranding:
    """The branding saved in the data folder, checked again (the files may be edited by hand)."""
    settings, logo = practice_path(), logo_path()
    if not settings.exists() and not logo.exists():
        return LoadedBranding(None)
    try:
        texts = parse_settings(settings.read_bytes()) if settings.exists() else PracticeSettings()
        picture = fitted_logo(logo.read_bytes()) if logo.exists() else None
    except PracticeError as exc:
        return LoadedBranding(None, f"{exc} Reports are made without branding until it is fixed.")
    except OSError as exc:
        return LoadedBranding(
            None, f"Cannot read the branding ({exc.strerror or exc}); reports leave it out."
        )
    branding = Branding(texts.coach_name, texts.practice_name, texts.note, picture)
    return LoadedBranding(None if branding.is_empty else branding)


def save_branding(settings: PracticeSettings, logo: bytes | None, *, keep_logo: bool) -> None:
    """Write practice.json and, when a new `logo` is given, its fitted PNG; each file whole.

    With no new logo, `keep_logo` keeps the one saved before, or else removes it.
    Raises PracticeError for a logo it refuses and StoreError when the folder is not writable.
    """
    picture = fitted_logo(logo) if logo is not None else None
    text = json.dumps(settings.model_dump(), ensure_ascii=False, indent=2) + "\n"
    target = practice_path()
    with locked(target):
        try:
            write_whole(target, text.encode("utf-8"))
            if picture is not None:
                write_whole(logo_path(), picture)
            elif not keep_logo:
                logo_path().unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{target.parent}: cannot save the branding ({exc.strerror or exc})"
            ) from exc


def clear_branding() -> None:
    """Remove practice.json and the logo: reports go back to the app's own heading."""
    target = practice_path()
    with locked(target):
        try:
            target.unlink(missing_ok=True)
            logo_path().unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{target.parent}: cannot remove the branding ({exc.strerror or exc})"
            ) from exc
