"""Command line for authors, power users and tests: `python -m alignment --help`.

Exit codes: 0 success, 1 a problem with the files given (each reported on stderr), 2 a usage
error (argparse's convention).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from alignment.export import scores_csv
from alignment.questionnaire import QuestionnaireError, load_questionnaire, load_questionnaire_file
from alignment.scoring import score_responses
from alignment.store import StoreError, load_responses


def _validate(args: argparse.Namespace) -> int:
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


def _score(args: argparse.Namespace) -> int:
    try:
        questionnaire = load_questionnaire(args.questionnaire)
    except QuestionnaireError as exc:
        print(exc, file=sys.stderr)
        return 1
    responses_file = Path(args.responses)
    if not responses_file.is_file():
        print(f"{responses_file}: file not found", file=sys.stderr)
        return 1
    try:
        loaded = load_responses(responses_file)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    for problem in loaded.problems:
        print(f"note: {problem}", file=sys.stderr)
    scores = score_responses(loaded.frame, questionnaire)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
