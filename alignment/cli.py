"""Command line for authors, power users and tests: `python -m alignment --help`.

Exit codes: 0 success, 1 a problem with the files given (each reported on stderr), 2 a usage
error (argparse's convention).

Each command imports what it uses when it runs: only `export` loads the chart, image, report and
workbook modules (plotly, kaleido, XlsxWriter), `score` not the importer, and `--help` nothing
beyond argparse.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from alignment.import_formats import FORMATS as IMPORT_FORMATS

if TYPE_CHECKING:
    import pandas as pd

    from alignment.chartsets import ChartSet
    from alignment.questionnaire import Questionnaire
    from alignment.workshop import GroupView, Session


def _validate(args: argparse.Namespace) -> int:
    from alignment.questionnaire import load_questionnaire_file

    failed = False
    for name in args.files:
        loaded = load_questionnaire_file(name)
        for issue in loaded.issues:
            print(issue, file=sys.stderr)
        if loaded.is_valid:
            q = loaded.questionnaire
            assert q is not None
            warned = f", {len(loaded.warnings)} warning(s)" if loaded.warnings else ""
            print(f"{name}: valid ({q.id} v{q.version}, {len(q.active_items)} items{warned})")
        else:
            failed = True
    return 1 if failed else 0


class _Problem(Exception):
    """A clear, one-line reason a command cannot go on (exit code 1)."""


def _questionnaire_or_report(path: str) -> Questionnaire | None:
    """The questionnaire, or None after printing why it cannot be used."""
    from alignment.questionnaire import QuestionnaireError, load_questionnaire

    try:
        return load_questionnaire(path)
    except QuestionnaireError as exc:
        print(exc, file=sys.stderr)
        return None


def _score(args: argparse.Namespace) -> int:
    from alignment.export import scores_csv
    from alignment.scoring import score_responses

    try:
        questionnaire, frame = _inputs(args)
    except _Problem as exc:
        print(exc, file=sys.stderr)
        return 1
    responses_file = Path(args.responses)
    scores = score_responses(frame, questionnaire)
    for message in scores.report.messages():
        print(f"note: {message}", file=sys.stderr)
    if scores.overall.empty:
        print(f"note: {responses_file} holds no responses to '{questionnaire.id}'", file=sys.stderr)
    payload = scores_csv(scores)
    if args.out:
        try:
            Path(args.out).write_bytes(payload)
        except OSError as exc:
            print(f"{args.out}: cannot write ({exc.strerror})", file=sys.stderr)
            return 1
        print(f"wrote {len(scores.overall)} response(s) to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(payload.decode("utf-8"))
    return 0


EXPORT_FORMATS = ("png", "svg", "pdf", "html", "zip", "report", "xlsx")
CHART_FORMATS = ("png", "svg", "pdf", "html")


def _inputs(args: argparse.Namespace) -> tuple[Questionnaire, pd.DataFrame]:
    """`--questionnaire` and every response in `--responses`; the file's notes go to stderr."""
    from alignment.questionnaire import QuestionnaireError, load_questionnaire
    from alignment.store import StoreError, load_responses

    try:
        questionnaire = load_questionnaire(args.questionnaire)
    except QuestionnaireError as exc:
        raise _Problem(str(exc)) from exc
    responses_file = Path(args.responses)
    if not responses_file.is_file():
        raise _Problem(f"{responses_file}: file not found")
    try:
        loaded = load_responses(responses_file)
    except StoreError as exc:
        raise _Problem(str(exc)) from exc
    for problem in loaded.problems:
        print(f"note: {problem}", file=sys.stderr)
    return questionnaire, loaded.frame


def _answers_to(args: argparse.Namespace) -> tuple[Questionnaire, pd.DataFrame]:
    """The responses to `--questionnaire` only; none at all is a problem for an export."""
    questionnaire, frame = _inputs(args)
    frame = frame[frame["questionnaire_id"] == questionnaire.id]
    if frame.empty:
        raise _Problem(f"{args.responses} holds no responses to '{questionnaire.id}'")
    return questionnaire, frame


def _group(
    args: argparse.Namespace, questionnaire: Questionnaire, rows: pd.DataFrame
) -> tuple[Session, GroupView]:
    """The session and the group view an export may show: the session's release on show, if
    it is saved beside the responses file; else, for a file no session holds, one release now.
    """
    from alignment.scoring import score_responses
    from alignment.store import StoreError
    from alignment.workshop import (
        DEFAULT_MIN_GROUP,
        MIN_GROUP_FLOOR,
        Session,
        group_view,
        load_workshops,
        normalise_code,
        one_off_view,
        plan_release,
        sessions_path,
    )

    code = normalise_code(args.session)
    if args.min_group is not None and args.min_group < MIN_GROUP_FLOOR:
        raise _Problem(f"--min-group must be at least {MIN_GROUP_FLOOR}, not {args.min_group}")
    try:
        saved = load_workshops(sessions_path(Path(args.responses).parent)).find(code)
    except StoreError as exc:
        raise _Problem(str(exc)) from exc
    strategies = score_responses(rows, questionnaire).strategies
    if saved is not None:
        if args.min_group is not None:
            raise _Problem(
                f"{code} is a saved session with k = {saved.min_group}: its released results are "
                "exported as the room saw them, so --min-group does not apply"
            )
        view = group_view(strategies, saved)
        if not view.visible:
            raise _Problem(
                f"{code} has no group results on show; release them on the Workshop page first"
            )
        return saved, view
    session = Session(
        code, f"Session {code}", questionnaire.id, args.min_group or DEFAULT_MIN_GROUP
    )
    plan = plan_release(strategies, session.min_group)
    if not plan.possible:
        raise _Problem(f"session {code}: {plan.reason}")
    return session, one_off_view(strategies, session)


def _selected(args: argparse.Namespace, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows the export is about: one response, one person's, or one session's."""
    from alignment.workshop import normalise_code

    if args.response_id:
        rows, what = frame[frame["response_id"] == args.response_id], "response"
    elif args.respondent:
        rows, what = frame[frame["respondent"] == args.respondent], "respondent"
    else:
        rows, what = frame[frame["session"] == normalise_code(args.session)], "session"
    if rows.empty:
        wanted = args.response_id or args.respondent or args.session
        raise _Problem(f"no {what} '{wanted}' among the responses to this questionnaire")
    return rows


def _view(args: argparse.Namespace, rows: pd.DataFrame, questionnaire: Questionnaire) -> ChartSet:
    from alignment import chartsets
    from alignment.scoring import score_responses

    scores = score_responses(rows, questionnaire)
    if args.response_id:
        return chartsets.response_charts(scores, args.response_id, questionnaire)
    if args.respondent:
        return chartsets.trend_charts(scores, args.respondent, questionnaire)
    session, view = _group(args, questionnaire, rows)
    return chartsets.session_charts(view, session, questionnaire)


def _report(args: argparse.Namespace, rows: pd.DataFrame, questionnaire: Questionnaire) -> bytes:
    from alignment import report
    from alignment.scoring import score_responses

    if args.session:
        session, view = _group(args, questionnaire, rows)
        return report.session_report(view, session, questionnaire, paper=args.paper)
    scores = score_responses(rows, questionnaire)
    # A person's report is of one response: the one named, else their latest.
    response_id = args.response_id or scores.overall["response_id"].iloc[-1]
    return report.response_report(scores, rows, response_id, questionnaire, paper=args.paper)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _Problem(f"{path}: cannot write ({exc.strerror})") from exc
    print(f"wrote {path} ({len(data):,} bytes)", file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    from alignment import chartsets, images, workbook

    out = Path(args.out)
    try:
        if args.chart and args.format not in CHART_FORMATS:
            raise _Problem(f"--chart works with {', '.join(CHART_FORMATS)}, not {args.format}")
        questionnaire, frame = _answers_to(args)
        rows = _selected(args, frame)
        if args.format == "xlsx":
            too_big = workbook.workbook_problem(rows, questionnaire)
            if too_big:
                raise _Problem(too_big)
            _write(out, workbook.workbook_bytes(rows, questionnaire))
        elif args.format == "report":
            _write(out, _report(args, rows, questionnaire))
        elif args.format == "zip":
            _write(out, images.chart_pack(_view(args, rows, questionnaire)))
        elif args.chart:
            view = _view(args, rows, questionnaire)
            _write(out, images.chart_file(view.chart(args.chart), view, args.format))
        else:
            view = _view(args, rows, questionnaire)
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _Problem(f"{out}: cannot make this folder ({exc.strerror})") from exc
            files = images.charts_bytes(
                [(images.labelled(chart, view), args.format) for chart in view.charts]
            )
            for chart, data in zip(view.charts, files, strict=True):
                _write(out / f"{view.file_name(chart.name)}.{args.format}", data)
    except (_Problem, chartsets.ChartSetError, images.ExportUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _import(args: argparse.Namespace) -> int:
    from alignment import config, importing
    from alignment.store import StoreError
    from alignment.workshop import sessions_path

    questionnaire = _questionnaire_or_report(args.questionnaire)
    if questionnaire is None:
        return 1
    source = Path(args.file)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        print(f"{source}: file not found", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{source}: cannot read ({exc.strerror})", file=sys.stderr)
        return 1
    target = config.responses_path()
    try:
        table = importing.read_table(data, args.format)
        mapping = importing.auto_mapping(table, questionnaire, args.respondent_column)
        plan = importing.plan_import(
            table,
            mapping,
            questionnaire,
            existing_ids=importing.existing_response_ids(target),
            session=args.session or "",
        )
    except importing.ImportProblem as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("Columns:")
    for match in mapping:
        print(f"  {match.describe()}")
    print(plan.report())
    note = importing.session_note(
        sessions_path(config.data_dir()), args.session or "", questionnaire
    )
    if note:
        print(f"note: {note}")
    if args.bad_rows and plan.bad_rows:
        try:
            Path(args.bad_rows).write_bytes(plan.bad_rows_csv())
        except OSError as exc:
            print(f"{args.bad_rows}: cannot write ({exc.strerror})", file=sys.stderr)
            return 1
        print(f"wrote the {plan.bad_rows} row(s) with problems to {args.bad_rows}")
    if plan.response_count == 0:
        if plan.already_imported:
            print("Nothing new to import.")
            return 0
        print(f"error: {source}: no row can be imported", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"Dry run: nothing was saved to {target}.")
        return 0
    try:
        added = importing.import_responses(target, plan)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    skipped = f"; skipped {plan.bad_rows} row(s) with problems" if plan.bad_rows else ""
    print(f"Imported {added} response(s) into {target}{skipped}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m alignment", description="Purpose–Performance Alignment tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", help="check questionnaire files", description="Check questionnaire files."
    )
    validate.add_argument("files", nargs="+", metavar="FILE.yaml")
    validate.set_defaults(run=_validate)

    score = commands.add_parser(
        "score",
        help="score saved responses",
        description="Write one row per response and strategy (plus 'overall') as CSV.",
    )
    score.add_argument("--questionnaire", required=True, metavar="FILE.yaml")
    score.add_argument("--responses", required=True, metavar="FILE.csv")
    score.add_argument("--out", metavar="FILE.csv", help="write here instead of stdout")
    score.set_defaults(run=_score)

    export_command = commands.add_parser(
        "export",
        help="charts, chart packs, reports and workbooks",
        description="Export the charts, a chart pack (zip), a PDF report or an Excel workbook of "
        "one response, one respondent (their trend) or one workshop session (at or above k). "
        "With --chart, that chart into the file --out; without it, for png/svg/pdf/html, every "
        "chart of the view into the folder --out.",
    )
    export_command.add_argument("--responses", required=True, metavar="FILE.csv")
    export_command.add_argument("--questionnaire", required=True, metavar="FILE.yaml")
    whose = export_command.add_mutually_exclusive_group(required=True)
    whose.add_argument("--response-id", metavar="ID")
    whose.add_argument("--respondent", metavar="ALIAS")
    whose.add_argument("--session", metavar="CODE")
    export_command.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export_command.add_argument("--chart", metavar="NAME", help="one chart, e.g. radar")
    export_command.add_argument("--out", required=True, metavar="PATH")
    export_command.add_argument("--paper", choices=("a4", "letter"), default="a4")
    export_command.add_argument(
        "--min-group",
        type=int,
        metavar="K",
        help="k for --session when no saved session says (default 5, never below 3)",
    )
    export_command.set_defaults(run=_export)

    import_command = commands.add_parser(
        "import",
        help="import responses from a CSV file",
        description="Import responses from our long CSV, a Google Forms export or a Microsoft "
        "Forms export (saved as CSV) into the data file (ALIGNMENT_DATA_DIR). Prints how the "
        "columns were matched to the questionnaire and a report: good rows are imported, rows "
        "with problems are listed with their line and reason and skipped. Importing the same "
        "file again adds nothing.",
    )
    import_command.add_argument("file", metavar="FILE")
    import_command.add_argument("--questionnaire", required=True, metavar="FILE.yaml")
    import_command.add_argument(
        "--format", choices=("auto", *IMPORT_FORMATS), default="auto", help="default: auto"
    )
    import_command.add_argument(
        "--respondent-column", metavar="NAME", help="the column holding each person's alias"
    )
    import_command.add_argument(
        "--session", metavar="CODE", help="file every imported response under this workshop code"
    )
    import_command.add_argument(
        "--dry-run", action="store_true", help="check and report only; save nothing"
    )
    import_command.add_argument(
        "--bad-rows", metavar="FILE.csv", help="write the rows with problems (and why) here"
    )
    import_command.set_defaults(run=_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
