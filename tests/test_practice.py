"""A coach's branding: limits on each field, a logo re-encoded or refused, broken files survived."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from alignment import practice, report
from alignment.config import SAMPLE_RESPONSES, SHIPPED_QUESTIONNAIRES
from alignment.practice import (
    Branding,
    PracticeError,
    clear_branding,
    fitted_logo,
    load_branding,
    parse_settings,
    practice_path,
    save_branding,
    settings_from_form,
)
from alignment.questionnaire import load_questionnaire
from alignment.scoring import score_responses
from alignment.store import load_responses

HOSTILE_NAME = "<script>alert(1)</script> =cmd|' /C calc'!A0 [click](javascript:alert(1))"


def picture(width: int, height: int, image_format: str = "PNG", mode: str = "RGB") -> bytes:
    """A small two-colour picture (a logo with something in it), encoded as asked."""
    image = Image.new(mode, (width, height), "#1f4e79")
    image.paste("#f2a900", (width // 4, height // 4, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def settings(**fields: str) -> practice.PracticeSettings:
    return settings_from_form(
        fields.get("coach_name", ""), fields.get("practice_name", ""), fields.get("note", "")
    )


# ---------------------------------------------------------------------------------------------
# The texts


def test_names_and_note_up_to_their_limits_are_kept_whole():
    kept = settings(coach_name="c" * 120, practice_name="p" * 120, note="n" * 2000)
    assert (len(kept.coach_name), len(kept.practice_name), len(kept.note)) == (120, 120, 2000)


@pytest.mark.parametrize(
    ("field", "length", "message"),
    [
        ("coach_name", 121, "Coach name must be at most 120 characters"),
        ("practice_name", 121, "Practice name must be at most 120 characters"),
        ("note", 2001, "Note must be at most 2000 characters"),
    ],
)
def test_a_text_over_its_limit_is_refused_naming_the_field(field, length, message):
    with pytest.raises(PracticeError, match=message):
        settings(**{field: "x" * length})
    with pytest.raises(PracticeError, match=f"practice.json: {field} must be at most"):
        parse_settings(json.dumps({field: "x" * length}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"coach_name": "Dana",', r"practice.json is not valid JSON \(line 1\)"),
        ("[1, 2]", "expected an object with coach_name, practice_name and note"),
        ('{"coach_name": 7}', "coach_name must be text"),
        ('{"logo": "x.png"}', "logo is not a setting"),
        (b"\xff\xfe\x00", "practice.json is not valid JSON"),
    ],
)
def test_a_broken_practice_json_is_explained(text, message):
    with pytest.raises(PracticeError, match=message):
        parse_settings(text)


def test_prepared_by_names_whoever_is_set():
    assert Branding("Dana Cole", "North Star").prepared_by == "Prepared by Dana Cole, North Star"
    assert Branding(practice_name="North Star").prepared_by == "Prepared by North Star"
    assert Branding(note="Hello").prepared_by == ""


# ---------------------------------------------------------------------------------------------
# The logo


def test_a_jpeg_logo_becomes_a_png_within_800_by_400():
    fitted = opened(fitted_logo(picture(3000, 1000, "JPEG")))
    assert fitted.format == "PNG"
    assert fitted.size == (800, 267)  # fitted within the box, proportions kept


def test_a_small_transparent_png_keeps_its_size_and_transparency():
    fitted = opened(fitted_logo(picture(300, 120, "PNG", mode="RGBA")))
    assert fitted.size == (300, 120)
    assert fitted.mode == "RGBA"


def test_re_encoding_drops_what_was_hidden_in_the_upload():
    upload = picture(200, 100) + b"<script>alert(1)</script>"  # bytes after the image's end
    assert b"<script>" not in fitted_logo(upload)


def test_a_logo_over_one_megabyte_is_refused_unopened(monkeypatch):
    def never_opened(*args, **kwargs):
        raise AssertionError("an over-size upload must not be decoded")

    monkeypatch.setattr(practice.Image, "open", never_opened)
    with pytest.raises(PracticeError, match=r"1,000,004 bytes; at most 1 MB"):
        fitted_logo(b"\x89PNG" + b"\0" * 1_000_000)


def test_a_decompression_bomb_is_refused_before_its_pixels_are_decoded():
    # 6000 by 5000 pixels of one colour packs into a few kilobytes but is 30 megapixels.
    bomb = io.BytesIO()
    Image.new("1", (6000, 5000)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(PracticeError, match="6,000 by 5,000 pixels; at most 25 megapixels"):
        fitted_logo(bomb.getvalue())


@pytest.mark.parametrize(
    "upload",
    [
        picture(100, 50, "GIF"),
        picture(100, 50, "BMP"),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"not a picture at all",
        picture(400, 200)[:200],  # a PNG cut short
    ],
    ids=["gif", "bmp", "svg", "text", "truncated-png"],
)
def test_anything_but_a_whole_png_or_jpeg_is_refused(upload):
    with pytest.raises(PracticeError, match="must be a PNG or JPEG picture"):
        fitted_logo(upload)


# ---------------------------------------------------------------------------------------------
# Saved in the data folder


def test_branding_is_saved_and_loaded_from_the_data_folder(isolated_data_dir: Path):
    assert load_branding().branding is None and load_branding().problem is None
    save_branding(
        settings(coach_name="Dana Cole", practice_name="North Star", note="Line one\nLine two"),
        picture(1600, 400, "JPEG"),
        keep_logo=False,
    )
    assert practice_path().parent == isolated_data_dir
    stored = json.loads((isolated_data_dir / "practice.json").read_text(encoding="utf-8"))
    assert stored == {
        "coach_name": "Dana Cole",
        "practice_name": "North Star",
        "note": "Line one\nLine two",
    }
    assert opened((isolated_data_dir / "practice-logo.png").read_bytes()).size == (800, 200)
    assert not list(isolated_data_dir.glob("*.tmp"))

    loaded = load_branding()
    assert loaded.problem is None and loaded.branding is not None
    assert loaded.branding.prepared_by == "Prepared by Dana Cole, North Star"
    assert loaded.branding.note == "Line one\nLine two"
    assert opened(loaded.branding.logo_png).size == (800, 200)


def test_saving_texts_keeps_or_removes_the_logo_as_asked(isolated_data_dir: Path):
    save_branding(settings(coach_name="Dana"), picture(200, 100), keep_logo=False)
    save_branding(settings(coach_name="Dana Cole"), None, keep_logo=True)
    assert load_branding().branding.logo_png is not None
    save_branding(settings(coach_name="Dana Cole"), None, keep_logo=False)
    assert not (isolated_data_dir / "practice-logo.png").exists()
    assert load_branding().branding == Branding(coach_name="Dana Cole")


def test_a_refused_logo_saves_nothing(isolated_data_dir: Path):
    save_branding(settings(coach_name="Dana"), None, keep_logo=False)
    before = (isolated_data_dir / "practice.json").read_bytes()
    with pytest.raises(PracticeError):
        save_branding(settings(coach_name="Someone else"), b"not a picture", keep_logo=False)
    assert (isolated_data_dir / "practice.json").read_bytes() == before


def test_clearing_removes_both_files(isolated_data_dir: Path):
    save_branding(settings(practice_name="North Star"), picture(200, 100), keep_logo=False)
    clear_branding()
    assert not (isolated_data_dir / "practice.json").exists()
    assert not (isolated_data_dir / "practice-logo.png").exists()
    assert load_branding().branding is None


def test_empty_settings_are_no_branding(isolated_data_dir: Path):
    (isolated_data_dir / "practice.json").write_text("{}", encoding="utf-8")
    assert load_branding() == practice.LoadedBranding(None)


def test_a_hand_edited_bad_practice_json_means_no_branding_and_says_why(isolated_data_dir: Path):
    (isolated_data_dir / "practice.json").write_text('{"coach_name": "Dana",', encoding="utf-8")
    loaded = load_branding()
    assert loaded.branding is None
    assert "practice.json is not valid JSON (line 1)" in loaded.problem
    assert "without branding" in loaded.problem


def test_a_logo_replaced_by_hand_with_a_bomb_is_not_used(isolated_data_dir: Path):
    bomb = io.BytesIO()
    Image.new("1", (6000, 5000)).save(bomb, format="PNG")
    (isolated_data_dir / "practice-logo.png").write_bytes(bomb.getvalue())
    loaded = load_branding()
    assert loaded.branding is None and "at most 25 megapixels" in loaded.problem


def test_hostile_text_is_stored_and_returned_exactly(isolated_data_dir: Path):
    save_branding(
        settings(coach_name=HOSTILE_NAME, note="**bold** <b>x</b>"), None, keep_logo=False
    )
    branding = load_branding().branding
    assert branding.coach_name == HOSTILE_NAME
    assert branding.note == "**bold** <b>x</b>"


def test_a_report_is_still_made_without_branding_when_practice_json_is_broken(
    isolated_data_dir: Path, chart_renderer: None
):
    (isolated_data_dir / "practice.json").write_text('{"coach_name": "Dana"', encoding="utf-8")
    (isolated_data_dir / "practice-logo.png").write_bytes(picture(300, 100))  # a good logo
    loaded = load_branding()
    assert loaded.branding is None and "not valid JSON" in loaded.problem
    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / "purpose-performance.yaml")
    frame = load_responses(SAMPLE_RESPONSES).frame
    scores = score_responses(frame, questionnaire)
    latest = scores.overall["response_id"].iloc[-1]
    document = report.response_document(
        scores, frame, latest, questionnaire, branding=loaded.branding
    )
    assert "Your scores per strategy" in document
    assert "Prepared by" not in document and "<img" not in document
