"""A workshop burst on a long history: participants submit within seconds, a facilitator watches.

Run with `make bench` (or `python -m bench.burst`). For each history size (empty, 100k and 1M
answer rows: the files of `bench.scale`) a fresh `streamlit run` server of the app starts in a
child process, on a copy of the history with one new workshop session made by the app's own
`create_session`. Light websocket clients then play the room, each speaking Streamlit's own
protocol as a browser tab does (BackMsg rerun requests with widget states, ForwardMsg deltas
back):

- one facilitator on the Workshop page, whose live count refreshes itself as in a browser
  (the page's `auto_rerun` messages start a fragment rerun every few seconds);
- 30 participants (`--participants`), each with a browser mark of their own (the `ppa_device`
  cookie), who open Assess with `?session=CODE`, answer every question step by step, and wait
  on the last step; then their Submits are spread evenly over 10 seconds (`--window`).

Why a real server and not AppTest in threads: AppTest instances are not safe to run at the
same time. Each run installs a process-wide mock `Runtime` and removes it when it ends, and
every AppTest calls its session "test session id", so runs in other threads fail with
"Runtime hasn't been created!", "`st.form_submit_button()` must be used inside an `st.form()`"
or a KeyError on a widget (14 of 30 participants in one trial). AppTest also cannot send
cookies or a client address. Browsers (Playwright) would be faithful too, but 31 Chromium pages
on a 2-core machine would take the cores from the server being measured. The websocket clients
cost little, and the server is exactly the one `make run` starts: one process, one
`st.cache_data` for every session, a script thread per session, the device cookie in the
handshake.

Measures per size:
- per participant: seconds from pressing Submit to their own scores on screen (the Results
  page's headline metrics arriving) and to the Results page complete; p50 and p95;
- the facilitator's catch-up: seconds from the last Submit until the Workshop page's
  "Responses so far" shows every participant;
- the server process's CPU seconds (user + system, from /proc/PID/stat) from the first Submit
  until every result and the facilitator's count are in, beside the burst's wall time.
Every participant's page is checked to show their own result (their alias, their scores) and
no one else's. Prints a table beside the targets (at the largest size) and writes
`bench/results-burst.json`. Figures, not asserts.

Before the burst someone opens Results once (a running server has its page modules imported
and the history loaded), and the app has no facilitator passcode, so the Workshop tab needs no
sign-in. The server does not watch its source files (a deployed app's files do not change, and
other work in the same tree would otherwise reload modules mid-burst).

`--profile` adds one more burst at the largest size with cProfile in every script thread of the
server (CPU time per thread), switched on for the burst only, and prints where the time went.
For comparisons, `--app-root DIR` serves another checkout of the app (e.g. an earlier commit
exported with `git archive COMMIT | tar -x -C DIR`) and `--server-option NAME=VALUE` passes a
Streamlit setting to the server.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import pstats
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from alignment.config import PROJECT_ROOT, SHIPPED_QUESTIONNAIRES
from alignment.numbers import points

if TYPE_CHECKING:  # (the server process runs this file as a script, without `bench`)
    from bench.serving import Server

SIZES = (0, 100_000, 1_000_000)
PARTICIPANTS = 30
WINDOW_S = 10.0
QUESTIONNAIRE_ID = "purpose-performance"  # the questionnaire of the generated histories
RESULTS = PROJECT_ROOT / "bench" / "results-burst.json"
COOKIE_NAME = "ppa_device"  # alignment.ui.device.COOKIE_NAME (that module imports Streamlit)
COUNT_LABEL = "Responses so far"
HEADLINE = ("Purpose index", "Performance index", "Alignment index")
ALIAS = "Burst participant {:03d}"
# Seconds; at the largest size.
TARGETS = {"result_p95_s": 2.0, "catch_up_s": 5.0}
# Generous: at 1M rows the burst is expected to be slow today, and slow is a figure.
SUBMIT_TIMEOUT_S = 900.0
STEP_TIMEOUT_S = 120.0
CATCH_UP_TIMEOUT_S = 300.0  # after the last result is in
PROFILE_TOP = 25


# ---------------------------------------------------------------------------------------------
# The server: `streamlit run app.py` in a child process, optionally with cProfile in its
# script threads


def _serve(profile_to: str | None, streamlit_arguments: list[str]) -> None:
    """Run `streamlit run` with `streamlit_arguments` in this process (the server being
    measured), with the profiler ready when asked for."""
    if profile_to:
        _install_profiler(Path(profile_to))
    from streamlit.web import cli

    sys.argv = ["streamlit", *streamlit_arguments]
    cli.main()


def _install_profiler(target: Path) -> None:
    """cProfile in every script run while switched on: SIGUSR1 on, SIGUSR2 off and write.

    cProfile follows only the thread that enables it, and Streamlit runs each session's script
    in a thread of its own, so every run gets its own profiler and the runs are added up. The
    clock is the thread's CPU time: with 30 sessions on two cores, wall time would mostly
    count each thread's wait for the GIL.
    """
    import cProfile

    from streamlit.runtime.scriptrunner import script_runner

    collected: list[cProfile.Profile] = []
    lock = threading.Lock()
    switched_on = threading.Event()
    original = script_runner.ScriptRunner._run_script

    def profiled(self: Any, rerun_data: Any) -> None:
        if not switched_on.is_set():
            original(self, rerun_data)
            return
        profiler = cProfile.Profile(time.thread_time)  # CPU time: waits for the GIL excluded
        profiler.enable()
        try:
            original(self, rerun_data)
        finally:
            profiler.disable()
            with lock:
                collected.append(profiler)

    def start(*_: object) -> None:
        switched_on.set()

    def stop(*_: object) -> None:
        switched_on.clear()
        with lock:
            profiles = list(collected)
        temporary = target.with_name(target.name + ".tmp")
        if profiles:
            stats = pstats.Stats(profiles[0])
            for more in profiles[1:]:
                stats.add(more)
            stats.dump_stats(temporary)
        else:
            temporary.write_bytes(b"")
        os.replace(temporary, target)

    script_runner.ScriptRunner._run_script = profiled
    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


@contextlib.contextmanager
def running_server(
    data: Path,
    *,
    profile_to: Path | None = None,
    app_root: Path | None = None,
    options: tuple[str, ...] = (),
) -> Iterator[Server]:
    """The app on a free port of 127.0.0.1 over `data`, until the block ends; this file runs
    the server, so that cProfile can be switched on in its script threads.

    `app_root`: serve the app of another checkout instead of this one (its `alignment` package
    comes first on the path), e.g. a commit exported with `git archive COMMIT | tar -x -C DIR`.
    """
    # (Here, not at the top: the server process runs this file as a script, without `bench`.)
    from bench import serving

    # Every simulated tab connects from 127.0.0.1, which the app sees as one address.
    environment = {"ALIGNMENT_ANSWERS_PER_ADDRESS_PER_MINUTE": "100000"}
    if app_root is not None:
        environment["PYTHONPATH"] = str(app_root)
    launcher = [str(Path(__file__).resolve()), "--serve"]
    if profile_to is not None:
        launcher += ["--profile-to", str(profile_to)]
    with serving.running_server(
        data,
        options=options,
        environment=environment,
        cwd=app_root or PROJECT_ROOT,
        launcher=launcher,
    ) as server:
        yield server


# ---------------------------------------------------------------------------------------------
# A browser tab, as the websocket sees it


def _key_of(widget_id: str) -> str:
    """The user key of a widget id ("$$ID-<hash>-<key>"), or "" when it has none."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and widget_id.startswith("$$ID") else ""


@dataclass
class Element:
    kind: str
    proto: Any
    at: float  # perf_counter when it arrived


class Tab:
    """One browser tab: sends what Streamlit's frontend sends, keeps what it would show.

    Elements are kept by delta path and a full run starts from a clean page, as the frontend
    drops what the new run did not draw. Widget values the "user" set are sent with every
    rerun while the widget exists; a button is a trigger sent once.
    """

    def __init__(
        self, base_url: str, *, query: str = "", page: str = "", cookie: str | None = None
    ) -> None:
        from websockets.sync.client import connect

        self.base_url = base_url
        self.query = query
        self.page_name = page
        self.page_hash = ""
        headers = {"Cookie": f"{COOKIE_NAME}={cookie}"} if cookie else {}
        self.ws = connect(
            base_url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            open_timeout=120,
            close_timeout=5,
            legacy=True,  # a connection object to keep, not a context manager
        )
        self.elements: dict[tuple[int, ...], Element] = {}
        self.values: dict[str, Any] = {}
        self.auto_reruns: dict[str, float] = {}  # fragment id -> interval (s)
        self.exceptions: list[str] = []
        self._send_lock = threading.Lock()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()

    # What the tab sends

    def send_rerun(self, trigger: str | None = None, fragment_id: str = "") -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        if self.page_hash:
            state.page_script_hash = self.page_hash
        else:
            state.page_name = self.page_name
        path = f"/{self.page_name}" if self.page_name else "/"
        state.context_info.url = self.base_url + path + (f"?{self.query}" if self.query else "")
        state.context_info.timezone = "UTC"
        state.context_info.timezone_offset = 0
        state.context_info.locale = "en-GB"
        state.context_info.color_scheme = "light"
        state.context_info.is_embedded = False
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        state.widget_states.widgets.extend(self.values.values())
        if trigger is not None:
            state.widget_states.widgets.append(WidgetState(id=trigger, trigger_value=True))
        with self._send_lock:
            self.ws.send(message.SerializeToString())

    def set_text(self, widget: Any, text: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        self.values[widget.id] = WidgetState(id=widget.id, string_value=text)

    def choose(self, widget: Any, index: int) -> None:
        """Pick a radio or selectbox option by position (the option's label is sent)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        self.values[widget.id] = WidgetState(id=widget.id, string_value=widget.options[index])

    # What the tab receives

    def receive(self, timeout: float) -> Any:
        """The next ForwardMsg, with the page updated from it."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.ParseFromString(self.ws.recv(timeout=timeout))
        now = time.perf_counter()
        kind = message.WhichOneof("type")
        if kind == "new_session":
            if not message.metadata.run.fragment_ids:
                self.elements.clear()
        elif kind == "navigation":
            self.page_hash = message.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            element_kind = element.WhichOneof("type")
            proto = getattr(element, element_kind)
            path = tuple(message.metadata.delta_path)
            self.elements[path] = Element(element_kind, proto, now)
            if element_kind == "exception":
                self.exceptions.append(f"{proto.type}: {proto.message}")
        elif kind == "script_finished":
            self._forget_gone_widgets()
        return message

    def run(
        self,
        trigger: str | None = None,
        timeout: float = STEP_TIMEOUT_S,
        watch: Callable[[Any], None] | None = None,
    ) -> int:
        """Send a rerun and read until the run is over (a switch_page run continues)."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self.send_rerun(trigger)
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no end of the run within {timeout:.0f} s")
            message = self.receive(left)
            if watch is not None:
                watch(message)
            if message.WhichOneof("type") != "script_finished":
                continue
            status = message.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                continue
            return status

    def _forget_gone_widgets(self) -> None:
        present = {getattr(e.proto, "id", None) for e in self.elements.values()}
        for widget_id in [w for w in self.values if w not in present]:
            del self.values[widget_id]

    # Looking at the page

    def of_kind(self, kind: str) -> list[Any]:
        return [e.proto for _, e in sorted(self.elements.items()) if e.kind == kind]

    def button(self, label: str) -> Any | None:
        return next((b for b in self.of_kind("button") if b.label == label), None)

    def metrics(self) -> dict[str, str]:
        return {m.label: m.body for m in self.of_kind("metric")}

    def alerts(self) -> list[str]:
        """What st.error, st.warning, st.info and st.success say on the page."""
        return [a.body for a in self.of_kind("alert")]

    def titles(self) -> list[str]:
        return [h.body for h in self.of_kind("heading")]

    def text(self) -> str:
        """Every element of the page as protobuf text (all the words a person could read)."""
        return "\n".join(str(e.proto) for _, e in sorted(self.elements.items()))


# ---------------------------------------------------------------------------------------------
# The room


def answer_index(participant: int, question: int, options: int) -> int:
    """Which scale point a participant picks for a question: a level of their own, and every
    other answer a little higher for some, so their scores differ from one another."""
    level, lift = participant % options, participant // options % options
    return (level + (question % 2) * lift) % options


@dataclass
class Participant:
    number: int
    tab: Tab
    alias: str
    submit_button: Any = None
    pressed: float = float("nan")
    scores_shown: float = float("nan")
    page_done: float = float("nan")
    shown: dict[str, str] = field(default_factory=dict)
    captions: list[str] = field(default_factory=list)
    response_options: list[str] = field(default_factory=list)
    page_text: str = ""
    page_titles: list[str] = field(default_factory=list)
    problem: str | None = None

    def answer_to_the_last_step(self) -> None:
        tab = self.tab
        tab.run()
        alias = next(t for t in tab.of_kind("text_input") if _key_of(t.id) == "assess_start_alias")
        tab.set_text(alias, self.alias)
        tab.run(trigger=tab.button("Start").id)
        question = 0
        for _ in range(100):
            radios = [r for r in tab.of_kind("radio") if _key_of(r.id).startswith("assess_")]
            for radio in radios:
                tab.choose(radio, answer_index(self.number, question, len(radio.options)))
                question += 1
            if tab.button("Submit") is not None:
                self.submit_button = tab.button("Submit")
                return
            step = tab.button("Next")
            if step is None:
                raise RuntimeError(
                    f"no Next or Submit on the page: {tab.titles()} {tab.exceptions}"
                )
            tab.run(trigger=step.id)
            if tab.exceptions:
                raise RuntimeError(f"the Assess page failed: {tab.exceptions}")
        raise RuntimeError("the assessment never reached its last step")

    def submit(self) -> None:
        """Press Submit; time until the headline scores arrive and until the page is done."""
        tab = self.tab

        def watch(message: Any) -> None:
            if not math.isnan(self.scores_shown):
                return
            if "Results" in tab.titles() and all(label in tab.metrics() for label in HEADLINE):
                self.scores_shown = time.perf_counter()

        self.pressed = time.perf_counter()
        tab.run(trigger=self.submit_button.id, timeout=SUBMIT_TIMEOUT_S, watch=watch)
        self.page_done = time.perf_counter()
        self.shown = {k: v for k, v in tab.metrics().items() if k in HEADLINE}
        self.captions = [c.body for c in tab.of_kind("markdown")]
        self.response_options = [
            option
            for box in tab.of_kind("selectbox")
            if box.label == "Response"
            for option in box.options
        ]
        self.page_text = tab.text()
        self.page_titles = tab.titles()
        if tab.exceptions:
            self.problem = f"the Results page failed: {tab.exceptions}"
        elif "Results" not in self.page_titles:
            self.problem = f"no Results page after Submit: {self.page_titles}, {tab.alerts()}"


class Facilitator:
    """The Workshop page, refreshing itself as a browser does, noting each count it shows."""

    def __init__(self, tab: Tab) -> None:
        self.tab = tab
        self.counts: list[tuple[float, int]] = []
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def open(self) -> None:
        tab = self.tab
        tab.run(watch=self._note)
        if "These are the sample sessions" in tab.text():
            # No history yet: the first visit shows the sample; switch to My responses.
            source = next(r for r in tab.of_kind("radio") if r.label == "Data shown")
            tab.choose(source, list(source.options).index("My responses"))
            tab.run(watch=self._note)
        if COUNT_LABEL not in tab.metrics():
            raise RuntimeError(f"the Workshop page shows no count: {tab.text()[:2000]}")

    def watch(self) -> None:
        """From now on: read every message, and rerun each self-refreshing fragment on time."""
        self._threads = [
            threading.Thread(target=self._read, name="facilitator-read", daemon=True),
            threading.Thread(target=self._refresh, name="facilitator-refresh", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def count(self) -> int:
        return self.counts[-1][1] if self.counts else -1

    def first_time_at(self, wanted: int) -> float | None:
        return next((at for at, count in self.counts if count >= wanted), None)

    def _note(self, message: Any) -> None:
        if message.WhichOneof("type") != "delta":
            return
        value = self.tab.metrics().get(COUNT_LABEL)
        if value is not None and value.isdigit():
            count = int(value)
            if not self.counts or self.counts[-1][1] != count:
                self.counts.append((time.perf_counter(), count))

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        while not self._stop.is_set():
            try:
                self._note(self.tab.receive(0.5))
            except TimeoutError:
                continue
            except ConnectionClosed:
                return
            except Exception as exc:  # reported with the figures
                self.problems.append(repr(exc))
                return
        if self.tab.exceptions:
            self.problems.extend(self.tab.exceptions)

    def _refresh(self) -> None:
        """Like the frontend's timers: each fragment asks for a rerun every `interval` s."""
        due = {fragment: time.perf_counter() + every for fragment, every in self._intervals()}
        while not self._stop.wait(0.05):
            now = time.perf_counter()
            for fragment, every in self._intervals():
                if now >= due.setdefault(fragment, now + every):
                    due[fragment] = now + every
                    try:
                        self.tab.send_rerun(fragment_id=fragment)
                    except Exception as exc:  # reported with the figures
                        self.problems.append(repr(exc))
                        return

    def _intervals(self) -> list[tuple[str, float]]:
        return list(self.tab.auto_reruns.items())


# ---------------------------------------------------------------------------------------------
# One burst


def prepare_data(history: Path | None, folder: Path, participants: int, questionnaire_id: str):
    """A data folder holding a copy of the history and one fresh session; returns its code.

    The copy gets one more check-in (no session) through the app's own save, so it is a file
    as the app keeps it, with its commit mark: a generated file has none, and the app reads an
    unmarked file whole once more after the first save (a one-off that would land in the burst).
    """
    import uuid

    from alignment.assessment import submit
    from alignment.questionnaire import load_questionnaire
    from alignment.workshop import create_session, sessions_path

    data = folder / "data"
    data.mkdir(parents=True)
    if history is not None:
        responses = data / "responses.csv"
        shutil.copyfile(history, responses)
        questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / f"{questionnaire_id}.yaml")
        answers = {item.id: 3 for item in questionnaire.active_items}
        submit(
            responses,
            questionnaire,
            "Before the workshop",
            answers,
            {},
            response_id=str(uuid.uuid4()),
        )
    session = create_session(
        sessions_path(data), "Burst", questionnaire_id, 5, expected=participants
    )
    return data, session.code


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _own_results(data: Path, code: str, people: list[Participant], questionnaire_id: str):
    """Per participant: whether their page showed their own response's scores, and only theirs."""
    from alignment.questionnaire import load_questionnaire
    from alignment.scoring import score_responses
    from alignment.store import load_responses

    questionnaire = load_questionnaire(SHIPPED_QUESTIONNAIRES / f"{questionnaire_id}.yaml")
    path = data / "responses.csv"
    frame = load_responses(path).frame if path.exists() else None
    checks = []
    for person in people:
        check = {"alias": person.alias, "response_id": None, "own_result": False}
        checks.append(check)
        if frame is None or person.problem:
            check["why"] = person.problem or "no responses file"
            continue
        rows = frame[(frame["respondent"] == person.alias) & (frame["session"] == code)]
        ids = rows["response_id"].unique()
        if len(ids) != 1:
            check["why"] = f"{len(ids)} saved responses"
            continue
        check["response_id"] = str(ids[0])
        overall = score_responses(rows, questionnaire).overall.iloc[0]
        expected = {
            f"{name.capitalize()} index": points(overall[name])
            for name in ("purpose", "performance", "alignment")
        }
        others = [p.alias for p in people if p is not person and p.alias in person.page_text]
        named = any(f"Responses of **{person.alias}**" in c for c in person.captions)
        reasons = []
        if person.shown != expected:
            reasons.append(f"scores shown {person.shown}, saved {expected}")
        if not named:
            reasons.append("their alias is not on the page")
        if others:
            reasons.append(f"the page shows {others}")
        if len(person.response_options) != 1:
            reasons.append(f"{len(person.response_options)} responses offered")
        check["own_result"] = not reasons
        if reasons:
            check["why"] = "; ".join(reasons)
        check["shown"] = person.shown
    return checks


def burst(
    history: Path | None,
    *,
    participants: int = PARTICIPANTS,
    window_s: float = WINDOW_S,
    questionnaire_id: str = QUESTIONNAIRE_ID,
    profile_to: Path | None = None,
    app_root: Path | None = None,
    server_options: tuple[str, ...] = (),
    log: Callable[[str], None] = lambda _: None,
) -> dict:
    """One burst on a fresh server over a copy of `history` (None: no responses yet)."""
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix="burst-") as folder:
        data, code = prepare_data(history, Path(folder), participants, questionnaire_id)
        with running_server(
            data, profile_to=profile_to, app_root=app_root, options=server_options
        ) as server:
            log(f"  server {server.pid} at {server.url}, session {code}")
            # Someone looked at Results before the workshop (a running server has its page
            # modules imported and the history loaded); not measured.
            warm = Tab(server.url, page="results")
            warm.run(timeout=SUBMIT_TIMEOUT_S)
            warm.close()

            facilitator = Facilitator(Tab(server.url, page="workshop"))
            facilitator.open()
            facilitator.watch()

            people = [
                Participant(
                    n,
                    Tab(server.url, query=f"session={code}", cookie=secrets.token_urlsafe(32)),
                    ALIAS.format(n),
                )
                for n in range(participants)
            ]
            begin = time.perf_counter()
            try:
                with ThreadPoolExecutor(max_workers=4) as pool:
                    list(pool.map(Participant.answer_to_the_last_step, people))
            except Exception as exc:
                raise RuntimeError(f"answering failed: {exc!r}\n{server.log_tail()}") from exc
            log(
                f"  {participants} participants on the last step in "
                f"{time.perf_counter() - begin:.1f} s"
            )

            start = time.perf_counter() + 1.0
            slots = [start + n * window_s / participants for n in range(participants)]

            def go(person: Participant, at: float) -> None:
                time.sleep(max(0.0, at - time.perf_counter()))
                try:
                    person.submit()
                except Exception as exc:  # reported with the figures
                    person.problem = repr(exc)

            threads = [
                threading.Thread(target=go, args=(p, at), name=f"participant-{p.number}")
                for p, at in zip(people, slots, strict=True)
            ]
            time.sleep(max(0.0, start - 0.05 - time.perf_counter()))
            if profile_to is not None:
                os.kill(server.pid, signal.SIGUSR1)
            cpu_before, driver_before = server.cpu_seconds(), time.process_time()
            load_before = os.getloadavg()[0]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            last_submit = max(p.pressed for p in people)
            deadline = time.perf_counter() + CATCH_UP_TIMEOUT_S
            while facilitator.count() < participants and time.perf_counter() < deadline:
                if facilitator.problems:
                    break
                time.sleep(0.05)
            caught_up = facilitator.first_time_at(participants)
            end = max([p.page_done for p in people] + [caught_up or time.perf_counter()])
            cpu_after, driver_after = server.cpu_seconds(), time.process_time()
            load_after = os.getloadavg()[0]
            if profile_to is not None:
                os.kill(server.pid, signal.SIGUSR2)
                deadline = time.monotonic() + 120
                while not profile_to.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
            facilitator.stop()
            peak_rss = server.rss_mb()
            for person in people:
                person.tab.close()
            facilitator.tab.close()
            failures = [p.problem for p in people if p.problem] + facilitator.problems
            if failures:
                log(f"  problems: {failures[:3]}\n{server.log_tail()}")
        checks = _own_results(data, code, people, questionnaire_id)

    shown = [p.scores_shown - p.pressed for p in people if not math.isnan(p.scores_shown)]
    done = [p.page_done - p.pressed for p in people if not p.problem]
    return {
        "history_rows": _answer_rows(history),
        "participants": participants,
        "window_s": window_s,
        "submit_span_s": max(p.pressed for p in people) - min(p.pressed for p in people),
        "result_p50_s": _percentile(shown, 50),
        "result_p95_s": _percentile(shown, 95),
        "result_max_s": max(shown, default=float("nan")),
        "page_p50_s": _percentile(done, 50),
        "page_p95_s": _percentile(done, 95),
        "catch_up_s": (caught_up - last_submit) if caught_up is not None else float("nan"),
        "facilitator_count": facilitator.count(),
        # (seconds since the burst began, count shown); negative: before it.
        "facilitator_counts": [[round(at - start, 3), count] for at, count in facilitator.counts],
        "server_cpu_s": cpu_after - cpu_before,
        "server_cpu_per_participant_s": (cpu_after - cpu_before) / participants,
        "burst_wall_s": end - (start - 0.05),
        "driver_cpu_s": driver_after - driver_before,
        # The machine's 1-minute load average as the burst began and ended (2 cores, shared).
        "load_average": [load_before, load_after],
        "server_peak_rss_mb": peak_rss,
        "own_results": sum(check["own_result"] for check in checks),
        "checks": checks,
        "problems": failures,
        "per_participant": [
            {
                "alias": p.alias,
                "submit_at_s": round(p.pressed - start, 3),
                "result_s": p.scores_shown - p.pressed,
                "page_s": p.page_done - p.pressed,
            }
            for p in people
        ],
    }


def _answer_rows(history: Path | None) -> int:
    if history is None:
        return 0
    with history.open("rb") as handle:
        return max(
            sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1, 0
        )


# ---------------------------------------------------------------------------------------------
# The profile


def profile_top(path: Path, top: int = PROFILE_TOP) -> dict:
    """The functions that took the server's script threads the longest, cumulative and own."""
    if not path.exists() or path.stat().st_size == 0:
        return {"cumulative": [], "own": [], "text": "no profile was written"}
    stats = pstats.Stats(str(path))
    total = stats.total_tt

    def rows(key: str) -> list[dict]:
        ordered = sorted(stats.stats.items(), key=lambda kv: kv[1][3 if key == "cum" else 2])
        out = []
        for (filename, line, name), (_, calls, own, cumulative, _) in reversed(ordered[-top:]):
            where = filename.replace(str(PROJECT_ROOT) + "/", "")
            where = where.split("site-packages/")[-1]
            out.append(
                {
                    "function": f"{where}:{line}({name})",
                    "calls": calls,
                    "own_s": round(own, 3),
                    "cumulative_s": round(cumulative, 3),
                }
            )
        return out

    text = io.StringIO()
    pstats.Stats(str(path), stream=text).sort_stats("cumulative").print_stats(top)
    return {
        "total_s": total,
        "cumulative": rows("cum"),
        "own": rows("own"),
        "text": text.getvalue(),
    }


# ---------------------------------------------------------------------------------------------
# All sizes


def _code_version(root: Path) -> dict:
    """The commit measured and the files changed on top of it (the tree may be in flux);
    empty for a folder that is not a git checkout (an exported commit)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "HEAD"), "changed": git("status", "--short").splitlines()}


def machine(app_root: Path = PROJECT_ROOT) -> dict:
    from bench import scale

    return {"code": _code_version(app_root), **scale.machine()}


def measure(
    sizes: tuple[int, ...] = SIZES,
    *,
    participants: int = PARTICIPANTS,
    window_s: float = WINDOW_S,
    profile: bool = False,
    app_root: Path | None = None,
    server_options: tuple[str, ...] = (),
    log: Callable[[str], None] = print,
) -> dict:
    from bench import scale

    options = {"app_root": app_root, "server_options": server_options, "log": log}
    figures: dict[str, Any] = {
        "machine": machine(app_root or PROJECT_ROOT),
        "app_root": str(app_root or PROJECT_ROOT),
        "server_options": list(server_options),
        "targets_at": max(sizes),
        "targets": TARGETS,
        "sizes": [],
    }
    for rows in sizes:
        history = scale.dataset(rows) if rows else None
        log(f"burst on {rows:,} history rows")
        result = burst(history, participants=participants, window_s=window_s, **options)
        result["target_rows"] = rows
        figures["sizes"].append(result)
    if profile:
        rows = max(sizes)
        log(f"profiled burst on {rows:,} history rows")
        # Kept beside the generated data (not in git) for a closer look with pstats.
        target = scale.DATA_DIR / f"burst-{rows}.prof"
        target.unlink(missing_ok=True)
        history = scale.dataset(rows) if rows else None
        profiled = burst(
            history,
            participants=participants,
            window_s=window_s,
            profile_to=target,
            **options,
        )
        figures["profile"] = {
            "target_rows": rows,
            "file": str(target),
            "result_p95_s_under_profiler": profiled["result_p95_s"],
            "server_cpu_s_under_profiler": profiled["server_cpu_s"],
            **profile_top(target),
        }
    return figures


COLUMNS = [
    ("history_rows", "history rows", "{:,}"),
    ("submit_span_s", "Submits span s", "{:.1f}"),
    ("result_p50_s", "result p50 s", "{:.2f}"),
    ("result_p95_s", "result p95 s", "{:.2f}"),
    ("result_max_s", "result max s", "{:.2f}"),
    ("page_p95_s", "page done p95 s", "{:.2f}"),
    ("catch_up_s", "catch-up s", "{:.2f}"),
    ("server_cpu_s", "server CPU s", "{:.1f}"),
    ("server_cpu_per_participant_s", "CPU/participant s", "{:.2f}"),
    ("burst_wall_s", "burst wall s", "{:.1f}"),
    ("server_peak_rss_mb", "server peak MB", "{:.0f}"),
    ("own_results", "own results", "{}"),
    ("facilitator_count", "facilitator count", "{}"),
]


def report_table(figures: dict) -> str:
    from bench.tables import figures_table

    sizes = figures["sizes"]
    largest = sizes[-1]
    participants = largest["participants"]
    note = (
        f"({participants} participants, Submits spread over {largest['window_s']:g} s; result = "
        "Submit to own scores on screen; catch-up = last Submit to the facilitator's count of "
        f"{participants}; targets at the largest size)"
    )
    lines = figures_table(figures, COLUMNS, note).splitlines()
    for size in sizes:
        for problem in size["problems"][:3]:
            lines.append(f"problem at {size['target_rows']:,}: {problem}")
    profile = figures.get("profile")
    if profile and profile.get("cumulative"):
        lines.append("")
        lines.append(
            f"Server script threads under cProfile, burst at {profile['target_rows']:,} rows "
            f"(total {profile['total_s']:.1f} s of own time):"
        )
        lines.append(f"{'cumulative s':>12} {'own s':>8} {'calls':>8}  function")
        for row in profile["cumulative"]:
            lines.append(
                f"{row['cumulative_s']:>12.2f} {row['own_s']:>8.2f} {row['calls']:>8}  "
                f"{row['function']}"
            )
        lines.append(f"{'own s':>12} {'cum. s':>8} {'calls':>8}  function (by own time)")
        for row in profile["own"][:15]:
            lines.append(
                f"{row['own_s']:>12.2f} {row['cumulative_s']:>8.2f} {row['calls']:>8}  "
                f"{row['function']}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # The server process of `running_server`: the arguments it does not know are streamlit's.
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-to", help=argparse.SUPPRESS)
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Streamlit setting for the server, e.g. runner.postScriptGC=false (experiments)",
    )
    parser.add_argument(
        "--app-root",
        type=Path,
        help="serve the app of another checkout (e.g. `git archive COMMIT | tar -x -C DIR`)",
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--participants", type=int, default=PARTICIPANTS)
    parser.add_argument("--window", type=float, default=WINDOW_S, help="seconds of Submits")
    parser.add_argument(
        "--profile", action="store_true", help="profile one burst at the largest size"
    )
    parser.add_argument("--out", default=str(RESULTS))
    args, streamlit_arguments = parser.parse_known_args()
    if args.serve:
        _serve(args.profile_to, streamlit_arguments)
        return
    if streamlit_arguments:
        parser.error(f"unrecognized arguments: {' '.join(streamlit_arguments)}")
    figures = measure(
        tuple(args.sizes),
        participants=args.participants,
        window_s=args.window,
        profile=args.profile,
        app_root=args.app_root,
        server_options=tuple(args.server_option),
    )
    from bench.tables import publish

    publish(figures, report_table(figures), args.out)


if __name__ == "__main__":
    main()
