"""The command line: `python -m alignment validate` and `python -m alignment score`.

Most tests call `alignment.cli.main` in-process; a few run a real `python -m alignment`
subprocess to prove the module entry point works.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pandas as pd
import pytest

from alignment.cli import main

PROJECT_ROOT = Path(__file__).parents[1]
SHIPPED = PROJECT_ROOT / "questionnaires"

RESPONSES_HEADER = (
    "response_id,submitted_at,respondent,session,questionnaire_id,questionnaire_version,"
    "item_id,value,text"
)
SCORES_COLUMNS = [
    "response_id",
    "submitted_at",
    "respondent",
    "session",
    "questionnaire_id",
    "questionnaire_version",
    "strategy",
    "purpose",
    "performance",
    "gap",
    "alignment",
    "quadrant",
]

# Two strategies on one 1–5 scale, so every score below can be worked out by hand.
# norm = (value - 1) / 4 * 100: 1 -> 0, 2 -> 25, 3 -> 50, 4 -> 75, 5 -> 100.
TINY = dedent("""\
    id: tiny
    version: 1
    title: Tiny
    scales:
      five: {min: 1, max: 5}
    scoring: {threshold: 50}
    strategies:
      - {id: s1, name: One}
      - {id: s2, name: Two}
    items:
      - {id: s1-p, strategy: s1, dimension: purpose, scale: five, text: P1}
      - {id: s1-q, strategy: s1, dimension: performance, scale: five, text: Q1, reverse: true}
      - {id: s2-p1, strategy: s2, dimension: purpose, scale: five, text: P2a, weight: 3}
      - {id: s2-p2, strategy: s2, dimension: purpose, scale: five, text: P2b}
      - {id: s2-q, strategy: s2, dimension: performance, scale: five, text: Q2}
    reflections:
      - {id: note, text: "Anything else?"}
    """)

# Written in an order other than submission time: r1 (2 Jan), r2 (1 Jan), r3 (3 Jan).
RESPONSES = dedent("""\
    response_id,submitted_at,respondent,session,questionnaire_id,questionnaire_version,item_id,value,text
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,s1-p,5,
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,s1-q,4,
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,s2-p1,4,
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,s2-p2,2,
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,s2-q,4,
    r1,2024-01-02T09:00:00Z,=SUM(1+1),,tiny,1,note,,"Fine, thanks"
    r2,2024-01-01T08:00:00Z,Bo,team-a,tiny,1,s1-p,2,
    r2,2024-01-01T08:00:00Z,Bo,team-a,tiny,1,s1-q,5,
    r2,2024-01-01T08:00:00Z,Bo,team-a,tiny,1,s2-p1,1,
    r2,2024-01-01T08:00:00Z,Bo,team-a,tiny,1,s2-p2,5,
    r2,2024-01-01T08:00:00Z,Bo,team-a,tiny,1,s2-q,5,
    r3,2024-01-03T10:00:00Z,Cy,,tiny,1,s1-p,3,
    r3,2024-01-03T10:00:00Z,Cy,,tiny,1,s1-q,1,
    r3,2024-01-03T10:00:00Z,Cy,,tiny,1,s2-p1,5,
    r3,2024-01-03T10:00:00Z,Cy,,tiny,1,s2-p2,5,
    r3,2024-01-03T10:00:00Z,Cy,,tiny,1,s2-q,9,
    """)

# The scores, worked out by hand (threshold 50; gap = performance - purpose;
# alignment = 100 - |gap|; overall = mean over the strategies that have the score,
# overall gap = performance index - purpose index).
EXPECTED_SCORES = [
    # r2 (earliest).
    # s1: purpose s1-p=2 -> 25; performance s1-q=5 -> 100, reversed -> 0.
    #     gap 0-25 = -25, alignment 75, 25<50 and 0<50 -> drifting.
    ["r2", "2024-01-01T08:00:00Z", "Bo", "team-a", "tiny", "1", "s1",
     "25.00", "0.00", "-25.00", "75.00", "drifting"],
    # s2: purpose (0*3 + 100*1)/4 = 25; performance s2-q=5 -> 100.
    #     gap 75, alignment 25, 25<50 and 100>=50 -> hollow.
    ["r2", "2024-01-01T08:00:00Z", "Bo", "team-a", "tiny", "1", "s2",
     "25.00", "100.00", "75.00", "25.00", "hollow"],
    # overall: purpose (25+25)/2 = 25, performance (0+100)/2 = 50, gap 50-25 = 25,
    #     alignment (75+25)/2 = 50; 25<50 and 50>=50 -> hollow (the threshold counts as high).
    ["r2", "2024-01-01T08:00:00Z", "Bo", "team-a", "tiny", "1", "overall",
     "25.00", "50.00", "25.00", "50.00", "hollow"],
    # r1. The alias "=SUM(1+1)" would run as a formula, so it is written as "'=SUM(1+1)".
    # s1: purpose 5 -> 100; performance 4 -> 75, reversed -> 25.
    #     gap -75, alignment 25, 100>=50 and 25<50 -> intent_gap.
    ["r1", "2024-01-02T09:00:00Z", "'=SUM(1+1)", "", "tiny", "1", "s1",
     "100.00", "25.00", "-75.00", "25.00", "intent_gap"],
    # s2: purpose (75*3 + 25*1)/4 = 62.5; performance 4 -> 75.
    #     gap 12.5, alignment 87.5 -> aligned.
    ["r1", "2024-01-02T09:00:00Z", "'=SUM(1+1)", "", "tiny", "1", "s2",
     "62.50", "75.00", "12.50", "87.50", "aligned"],
    # overall: purpose (100+62.5)/2 = 81.25, performance (25+75)/2 = 50,
    #     gap 50-81.25 = -31.25, alignment (25+87.5)/2 = 56.25 -> aligned.
    ["r1", "2024-01-02T09:00:00Z", "'=SUM(1+1)", "", "tiny", "1", "overall",
     "81.25", "50.00", "-31.25", "56.25", "aligned"],
    # r3 (latest). s2-q=9 lies outside 1-5, so it counts as unanswered.
    # s1: purpose 3 -> 50; performance 1 -> 0, reversed -> 100.
    #     gap 50, alignment 50, 50>=50 and 100>=50 -> aligned.
    ["r3", "2024-01-03T10:00:00Z", "Cy", "", "tiny", "1", "s1",
     "50.00", "100.00", "50.00", "50.00", "aligned"],
    # s2: purpose (100*3 + 100*1)/4 = 100; no performance -> gap, alignment, quadrant empty.
    ["r3", "2024-01-03T10:00:00Z", "Cy", "", "tiny", "1", "s2",
     "100.00", "", "", "", ""],
    # overall: purpose (50+100)/2 = 75, performance 100 (s1 only), gap 100-75 = 25,
    #     alignment 50 (s1 only) -> aligned.
    ["r3", "2024-01-03T10:00:00Z", "Cy", "", "tiny", "1", "overall",
     "75.00", "100.00", "25.00", "50.00", "aligned"],
]  # fmt: skip

INVALID = dedent("""\
    id: mini
    version: 1
    title: Mini check
    scales:
      agree: {min: 1, max: 5}
    strategies:
      - {id: s1, name: First}
    items:
      - {id: a1, strategy: s1, dimension: purpose, scale: agree, text: P, weight: 0}
      - {id: a2, strategy: s1, dimension: performance, scale: nope, text: Q}
    scoring: {threshold: 0}
    """)


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m alignment ARGS` as a user would run it, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "alignment", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def read_scores(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path


@pytest.fixture
def responses(tmp_path: Path) -> Path:
    path = tmp_path / "responses.csv"
    path.write_text(RESPONSES, encoding="utf-8")
    return path


@pytest.fixture
def invalid(tmp_path: Path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(INVALID, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# validate


def test_validate_shipped_questionnaires_as_a_subprocess():
    result = run_module(
        "validate", "questionnaires/purpose-performance.yaml", "questionnaires/pulse.yaml"
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "questionnaires/purpose-performance.yaml: valid (purpose-performance v1, 40 items)",
        "questionnaires/pulse.yaml: valid (pulse v1, 20 items)",
    ]


def test_validate_valid_file(capsys, tiny):
    code = main(["validate", str(tiny)])

    out, err = capsys.readouterr()
    assert code == 0
    assert out == f"{tiny}: valid (tiny v1, 5 items, 3 warning(s))\n"
    # Warnings are shown but do not fail the file.
    assert err.count("warning: ") == 3
    assert f"{tiny}:9: strategies[1] (s2).id: warning: strategy 's2' has 2 purpose" in err


def test_validate_invalid_file_prints_one_line_per_problem(capsys, invalid):
    code = main(["validate", str(invalid)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{invalid}:9: items[0] (a1).weight: Input should be greater than 0",
        f"{invalid}:10: items[1] (a2).scale: unknown scale 'nope' (known: agree)",
        f"{invalid}:11: scoring.threshold: Input should be greater than 0",
    ]
    for line in err.splitlines():
        assert re.fullmatch(rf"{re.escape(str(invalid))}:\d+: [^:]+: .+", line), line


def test_validate_invalid_file_as_a_subprocess(invalid):
    result = run_module("validate", str(invalid))

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 3
    assert lines[0] == f"{invalid}:9: items[0] (a1).weight: Input should be greater than 0"


def test_validate_mix_of_valid_and_invalid_fails_but_reports_the_valid_one(capsys, invalid):
    valid = SHIPPED / "pulse.yaml"

    code = main(["validate", str(invalid), str(valid)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == f"{valid}: valid (pulse v1, 20 items)\n"
    assert len(err.splitlines()) == 3
    assert all(line.startswith(f"{invalid}:") for line in err.splitlines())


def test_validate_missing_file(capsys, tmp_path):
    missing = tmp_path / "absent.yaml"

    code = main(["validate", str(missing)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == f"{missing}: file not found\n"


def test_validate_yaml_syntax_error_names_line_and_column(capsys, tmp_path):
    path = tmp_path / "syntax.yaml"
    path.write_text("id: mini\nversion: 1\ntitle: Mini: check\n", encoding="utf-8")

    code = main(["validate", str(path)])

    _, err = capsys.readouterr()
    assert code == 1
    assert err.startswith(f"{path}:3: YAML syntax error, column 12:")


def test_validate_without_files_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["validate"])

    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        main([])

    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# score


def test_score_to_stdout_matches_hand_computed_scores(capsys, tiny, responses):
    code = main(["score", "--questionnaire", str(tiny), "--responses", str(responses)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.splitlines()[0] == ",".join(SCORES_COLUMNS)
    table = read_scores(out)
    assert list(table.columns) == SCORES_COLUMNS
    # One row per response and strategy plus one overall row per response: 3 x (2 + 1).
    assert len(table) == 9
    assert table.values.tolist() == EXPECTED_SCORES
    assert err == "note: 1 answer(s) outside their scale were treated as unanswered\n"


def test_score_formula_alias_is_neutralised_but_negative_numbers_are_not(capsys, tiny, responses):
    main(["score", "--questionnaire", str(tiny), "--responses", str(responses)])

    out, _ = capsys.readouterr()
    table = read_scores(out)
    r1 = table[table["response_id"] == "r1"]
    assert set(r1["respondent"]) == {"'=SUM(1+1)"}
    assert "\n" + "r1,2024-01-02T09:00:00Z,'=SUM(1+1),,tiny,1,s1,100.00,25.00,-75.00," in out
    negative = table.loc[table["gap"].str.contains("-"), "gap"].tolist()
    assert negative == ["-25.00", "-75.00", "-31.25"]
    assert not any(value.startswith("'") for value in table["gap"])
    for column in ["purpose", "performance", "gap", "alignment"]:
        filled = table.loc[table[column] != "", column]
        assert filled.map(lambda v: re.fullmatch(r"-?\d+\.\d\d", v) is not None).all(), column


def test_score_as_a_subprocess_with_out_file(tmp_path, tiny, responses):
    out_file = tmp_path / "scores.csv"

    result = run_module(
        "score",
        "--questionnaire",
        str(tiny),
        "--responses",
        str(responses),
        "--out",
        str(out_file),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote 3 response(s) to {out_file}" in result.stderr
    text = out_file.read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(SCORES_COLUMNS)
    assert read_scores(text).values.tolist() == EXPECTED_SCORES


def test_score_out_file_equals_stdout(capsys, tmp_path, tiny, responses):
    main(["score", "--questionnaire", str(tiny), "--responses", str(responses)])
    stdout_text, _ = capsys.readouterr()
    out_file = tmp_path / "scores.csv"

    code = main(
        [
            "score",
            "--questionnaire",
            str(tiny),
            "--responses",
            str(responses),
            "--out",
            str(out_file),
        ]
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert out == ""
    assert err.endswith(f"wrote 3 response(s) to {out_file}\n")
    assert out_file.read_bytes() == stdout_text.encode("utf-8")


def test_score_out_into_missing_directory_fails(capsys, tmp_path, tiny, responses):
    target = tmp_path / "no-such-dir" / "scores.csv"

    code = main(
        [
            "score",
            "--questionnaire",
            str(tiny),
            "--responses",
            str(responses),
            "--out",
            str(target),
        ]
    )

    _, err = capsys.readouterr()
    assert code == 1
    assert f"{target}: cannot write" in err
    assert not target.exists()


def test_score_with_invalid_questionnaire(capsys, invalid, responses):
    code = main(["score", "--questionnaire", str(invalid), "--responses", str(responses)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{invalid}:9: items[0] (a1).weight: Input should be greater than 0",
        f"{invalid}:10: items[1] (a2).scale: unknown scale 'nope' (known: agree)",
        f"{invalid}:11: scoring.threshold: Input should be greater than 0",
    ]


def test_score_with_missing_questionnaire(capsys, tmp_path, responses):
    missing = tmp_path / "absent.yaml"

    code = main(["score", "--questionnaire", str(missing), "--responses", str(responses)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == f"{missing}: file not found\n"


def test_score_with_missing_responses_file(capsys, tmp_path, tiny):
    missing = tmp_path / "absent.csv"

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(missing)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err == f"{missing}: file not found\n"


def test_score_with_wrong_columns(capsys, tmp_path, tiny):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,when,who,answer\nr1,2024-01-01,Al,3\n", encoding="utf-8")

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(wrong)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert f"expected the columns {RESPONSES_HEADER.replace(',', ', ')}" in err
    assert "but found id, when, who, answer" in err


def test_score_with_non_utf8_responses(capsys, tmp_path, tiny):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(
        (RESPONSES_HEADER + "\nr1,2024-01-01T08:00:00Z,Jos\u00e9,,tiny,1,s1-p,3,\n").encode(
            "latin-1"
        )
    )

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(latin)])

    _, err = capsys.readouterr()
    assert code == 1
    assert "not UTF-8" in err


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["score", "--responses", "x.csv"], id="no-questionnaire"),
        pytest.param(["score", "--questionnaire", "x.yaml"], id="no-responses"),
        pytest.param(["score"], id="no-options"),
    ],
)
def test_score_missing_required_option_is_a_usage_error(capsys, args):
    with pytest.raises(SystemExit) as caught:
        main(args)

    assert caught.value.code == 2
    assert "the following arguments are required" in capsys.readouterr().err


def test_score_missing_required_option_as_a_subprocess(tiny):
    result = run_module("score", "--questionnaire", str(tiny))

    assert result.returncode == 2
    assert result.stdout == ""
    assert "--responses" in result.stderr


def test_score_responses_to_another_questionnaire_only(capsys, tmp_path, tiny):
    other = tmp_path / "other.csv"
    other.write_text(
        dedent("""\
            response_id,submitted_at,respondent,session,questionnaire_id,questionnaire_version,item_id,value,text
            x1,2024-01-01T08:00:00Z,Al,,pulse,1,why-pulse-p,4,
            x1,2024-01-01T08:00:00Z,Al,,pulse,1,why-pulse-q,2,
            x2,2024-01-02T08:00:00Z,Bo,,pulse,1,why-pulse-p,5,
            """),
        encoding="utf-8",
    )

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(other)])

    out, err = capsys.readouterr()
    assert code == 0
    assert out == ",".join(SCORES_COLUMNS) + "\n"
    assert "note: 2 response(s) to other questionnaires were left out" in err
    assert f"note: {other} holds no responses to 'tiny'" in err


def test_score_leaves_out_other_questionnaires_and_unknown_items(capsys, tmp_path, tiny):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        dedent("""\
            response_id,submitted_at,respondent,session,questionnaire_id,questionnaire_version,item_id,value,text
            x1,2024-01-01T08:00:00Z,Al,,pulse,1,why-pulse-p,4,
            r1,2024-01-02T08:00:00Z,Bo,,tiny,1,s1-p,4,
            r1,2024-01-02T08:00:00Z,Bo,,tiny,1,s1-q,2,
            r1,2024-01-02T08:00:00Z,Bo,,tiny,1,s2-p1,3,
            r1,2024-01-02T08:00:00Z,Bo,,tiny,1,s2-q,3,
            r1,2024-01-02T08:00:00Z,Bo,,tiny,1,gone-item,5,
            """),
        encoding="utf-8",
    )

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(mixed)])

    out, err = capsys.readouterr()
    assert code == 0
    # s1: purpose 4 -> 75; performance 2 -> 25, reversed -> 75; gap 0, alignment 100, aligned.
    # s2: purpose s2-p1=3 -> 50 (s2-p2 unanswered); performance 3 -> 50; gap 0, aligned.
    # overall: purpose 62.5, performance 62.5, gap 0, alignment 100, aligned.
    assert read_scores(out)[["strategy", *SCORES_COLUMNS[7:]]].values.tolist() == [
        ["s1", "75.00", "75.00", "0.00", "100.00", "aligned"],
        ["s2", "50.00", "50.00", "0.00", "100.00", "aligned"],
        ["overall", "62.50", "62.50", "0.00", "100.00", "aligned"],
    ]
    assert "note: 1 response(s) to other questionnaires were left out" in err
    assert "1 answer(s) to items this questionnaire does not define were ignored (gone-item)" in err


def test_score_header_only_responses_file(capsys, tmp_path, tiny):
    empty = tmp_path / "empty.csv"
    empty.write_text(RESPONSES_HEADER + "\n", encoding="utf-8")

    code = main(["score", "--questionnaire", str(tiny), "--responses", str(empty)])

    out, err = capsys.readouterr()
    assert code == 0
    assert out == ",".join(SCORES_COLUMNS) + "\n"
    assert "holds no responses to 'tiny'" in err


# ---------------------------------------------------------------------------------------------
# Commands import only what they use: only `export` draws, so only it loads plotly and kaleido

_LOADED_AFTER = """
import sys
from alignment.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = {"plotly", "kaleido", "streamlit", "xlsxwriter", "openpyxl", "icalendar", "pandas"}
print("loaded:", ",".join(sorted({name.split(".")[0] for name in sys.modules} & heavy)))
"""


def heavy_modules_loaded_by(arguments: list[str]) -> str:
    """Run the command in a fresh interpreter; its last line names the heavy modules it loaded
    (charts, browsers, the web app, workbooks, calendars and pandas)."""
    ran = subprocess.run(
        [sys.executable, "-c", _LOADED_AFTER, *arguments],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return ran.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--help"],
        ["validate", "questionnaires/pulse.yaml"],
        [
            "score",
            "--questionnaire",
            "questionnaires/purpose-performance.yaml",
            "--responses",
            "data/sample/responses.csv",
        ],
        [
            "import",
            "tests/fixtures/import/google-forms-pulse.csv",
            "--questionnaire",
            "questionnaires/pulse.yaml",
            "--dry-run",
        ],
    ],
    ids=["help", "validate", "score", "import"],
)
def test_commands_that_draw_nothing_do_not_load_plotly_kaleido_or_streamlit(arguments: list[str]):
    loaded = heavy_modules_loaded_by(arguments).removeprefix("loaded:").strip().split(",")
    # Scores and answers are tables (pandas); only --help and validate need none of it.
    needed = {"score": {"pandas"}, "import": {"pandas"}}.get(arguments[0], set())
    assert set(filter(None, loaded)) == needed


def test_export_still_loads_what_it_draws_with(tmp_path: Path):
    """The check above can fail: the one command that draws does load plotly."""
    arguments = [
        "export",
        "--responses",
        "data/sample/responses.csv",
        "--questionnaire",
        "questionnaires/purpose-performance.yaml",
        "--respondent",
        "Alex Rivera",
        "--format",
        "html",
        "--out",
        str(tmp_path / "charts"),
    ]
    assert "plotly" in heavy_modules_loaded_by(arguments)
