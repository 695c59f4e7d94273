"""Runs that fail, or are stopped, lose nothing; inputs stay untouched; re-runs agree;
and nothing reaches the network.

Every run here is the real ``kztrade`` command in a child process (``python -m
kztrade.cli``), so that it can be killed, and so that a ``sitecustomize`` module on its
``PYTHONPATH`` watches it and every kernel it starts: a connection anywhere but the loopback
interface, a name lookup, or a write to the bundled data or the notebooks is refused and
logged.
"""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from kztrade import cli, reports
from kztrade.datasets import data_dir
from kztrade.notebooks import notebook_dir

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

GUARD = textwrap.dedent(
    '''
    """Refuse the network and writes to the inputs in this process; log what happens."""
    import builtins
    import io
    import os
    import socket
    import sys

    _open = builtins.open
    _os_open = os.open
    _LOG = os.environ["KZTRADE_GUARD_LOG"]
    _PROTECT = tuple(
        os.path.realpath(p) + os.sep
        for p in os.environ.get("KZTRADE_GUARD_PROTECT", "").split(os.pathsep)
        if p
    )


    def _note(kind, what):
        with _open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(f"{kind}\\t{os.getpid()}\\t{what}\\n")


    _note("loaded", " ".join(getattr(sys, "orig_argv", sys.argv)))


    def _local(host):
        host = host.decode() if isinstance(host, bytes) else str(host)
        return host in ("", "localhost", "::1", "0.0.0.0") or host.startswith("127.")


    def _check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _note("network", repr(address))
            raise OSError(f"network disabled by the test: {address!r}")


    _connect, _connect_ex, _sendto = (
        socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
    )


    def connect(self, address):
        _check(self, address)
        return _connect(self, address)


    def connect_ex(self, address):
        _check(self, address)
        return _connect_ex(self, address)


    def sendto(self, data, *args):
        _check(self, args[-1])
        return _sendto(self, data, *args)


    _getaddrinfo = socket.getaddrinfo


    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _local(host):
            _note("network", f"lookup {host!r}")
            raise socket.gaierror(f"network disabled by the test: {host!r}")
        return _getaddrinfo(host, *args, **kwargs)


    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo


    def _protected(path):
        try:
            real = os.path.realpath(os.fspath(path))
        except TypeError:
            return False
        return real.startswith(_PROTECT)


    def guarded_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and _protected(file):
            _note("write", f"{file} {mode}")
            raise PermissionError(f"input opened for writing: {file}")
        return _open(file, mode, *args, **kwargs)


    def guarded_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC) and _protected(path):
            _note("write", f"{path} {flags}")
            raise PermissionError(f"input opened for writing: {path}")
        return _os_open(path, flags, *args, **kwargs)


    builtins.open = io.open = guarded_open
    os.open = guarded_os_open
    '''
)


def write_notebook(path, parameters, *cells):
    tagged = nbformat.v4.new_code_cell(parameters)
    tagged.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell(f"# {Path(path).stem}"), tagged]
        + [nbformat.v4.new_code_cell(c) for c in cells],
        metadata={"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
    )
    nbformat.write(nb, path)
    return Path(path)


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    """The environment of a watched child process, and the log it writes."""
    folder = tmp_path_factory.mktemp("guard")
    (folder / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    log = folder / "guard.log"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["KZTRADE_GUARD_LOG"] = str(log)
    env["KZTRADE_GUARD_PROTECT"] = os.pathsep.join([str(data_dir()), str(notebook_dir())])
    return {"env": env, "log": log, "folder": folder}


def kztrade(*argv, env, **kwargs):
    command = [sys.executable, "-m", "kztrade.cli", *map(str, argv)]
    return subprocess.Popen(command, env=env, text=True, **kwargs)


def log_lines(log, kind):
    if not log.exists():
        return []
    return [line for line in log.read_text().splitlines() if line.startswith(kind + "\t")]


def checksums(*folders):
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        for path in sorted(Path(folder).rglob("*"))
        if path.is_file()
    }


def test_the_guard_refuses_the_network_and_writes_to_inputs(guard):
    probe = (
        "import socket, kztrade.datasets as d\n"
        "for act in (lambda: socket.socket().connect(('192.0.2.1', 80)),\n"
        "            lambda: socket.create_connection(('192.0.2.1', 80), timeout=2),\n"
        "            lambda: socket.getaddrinfo('example.org', 443),\n"
        "            lambda: open(d.data_dir() / 'probe.csv', 'w')):\n"
        "    try:\n"
        "        act()\n"
        "    except OSError as exc:\n"
        "        print('refused', type(exc).__name__)\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "socket.create_connection(s.getsockname(), timeout=2).close(); print('loopback ok')\n"
    )
    env = guard["env"] | {"KZTRADE_GUARD_LOG": str(guard["folder"] / "probe.log")}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert done.stdout.split("\n") == [
        "refused OSError",
        "refused gaierror",
        "refused gaierror",
        "refused PermissionError",
        "loopback ok",
        "",
    ], done.stderr
    assert not (data_dir() / "probe.csv").exists()
    assert len(log_lines(guard["folder"] / "probe.log", "network")) == 3
    assert len(log_lines(guard["folder"] / "probe.log", "write")) == 1


# -- a batch with a failing notebook, run twice ------------------------------------------


@pytest.fixture(scope="module")
def batches(tmp_path_factory, guard):
    """The same batch twice: a real notebook and one that fails, watched by the guard."""
    folder = tmp_path_factory.mktemp("batches")
    failing = write_notebook(
        folder / "failing.ipynb",
        'partner = "MNG"  # partner country',
        "from kztrade.reports import record\nrecord('reached', 1)\nprint('first cell ran')",
        "raise RuntimeError(f'no figures for {partner}')",
        "print('never reached')",
    )
    inputs = [data_dir(), notebook_dir()]
    before = checksums(*inputs) | checksums(folder)
    runs = []
    for name in ("first", "second"):
        out = folder / name
        child = kztrade(
            *["report", "-n", "commodity_structure", failing, "--partner", "MNG"],
            *["-p", "first_year", "2022", "-o", out, "--jobs", "2", "-q"],
            env=guard["env"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdout, stderr = child.communicate(timeout=300)
        manifest = json.loads((out / "manifest.json").read_text())
        runs.append({"out": out, "code": child.returncode, "stdout": stdout, "stderr": stderr})
        runs[-1]["manifest"] = manifest
    after = checksums(*inputs) | {str(failing): checksums(folder)[str(failing)]}
    return {"runs": runs, "before": before, "after": after, "failing": failing}


def test_a_failing_notebook_fails_alone_and_the_batch_exits_1(batches):
    run = batches["runs"][0]
    assert run["code"] == cli.EXIT_FAILED, run["stderr"]
    lines = run["stdout"].splitlines()
    assert lines[0].endswith(": 1 ok, 1 failed")
    assert any(re.match(r"\s+ok\s+commodity_structure\s", line) for line in lines)
    (failed,) = [line for line in lines if "FAILED" in line]
    assert "failing_MNG" in failed
    assert "RuntimeError: no figures for MNG in cell In [4] " in failed
    assert "(\"raise RuntimeError(f'no figures for {partner}')\")" in failed
    assert lines[-1] == str(run["out"] / "index.html")
    out = run["out"]
    runs = {r["name"]: r for r in run["manifest"]["runs"]}
    assert runs["commodity_structure"]["status"] == "ok"
    assert runs["commodity_structure"]["figures"]  # the other report is complete
    error = runs["failing_MNG"]["error"]
    assert runs["failing_MNG"]["status"] == "failed" and run["manifest"]["status"] == "failed"
    assert error["ename"] == "RuntimeError" and error["evalue"] == "no figures for MNG"
    assert error["execution_count"] == 4
    assert error["line"] == "raise RuntimeError(f'no figures for {partner}')"
    # the failing notebook is kept as far as it ran, with the failing cell marked
    nb = nbformat.read(out / "failing_MNG.ipynb", as_version=4)
    failing_cell = nb.cells[error["cell"]]
    assert failing_cell.source.startswith("raise RuntimeError")
    assert failing_cell.outputs[0]["output_type"] == "error"
    assert nb.cells[-1].source == "print('never reached')" and nb.cells[-1].outputs == []
    printed = [o.get("text", "") for c in nb.cells for o in c.get("outputs", [])]
    assert "first cell ran\n" in printed
    page = (out / "failing_MNG.html").read_text()
    assert "no figures for MNG" in page and "raise RuntimeError" in page
    for r in runs.values():  # every file the manifest names is there, complete
        for name in filter(None, r["files"].values()):
            assert (out / name).stat().st_size > 0
    assert not list(out.glob(".run-*"))


def test_inputs_are_opened_read_only_and_left_unchanged(batches, guard):
    assert batches["before"] == batches["after"]
    assert log_lines(guard["log"], "write") == []


def test_no_connection_leaves_the_machine_during_library_and_notebook_runs(batches, guard):
    assert log_lines(guard["log"], "network") == []
    loaded = log_lines(guard["log"], "loaded")
    assert any("kztrade.cli" in line for line in loaded)
    kernels = [line for line in loaded if "ipykernel" in line]
    assert len(kernels) >= 4, loaded  # two notebooks, two runs: each kernel was watched


def figures_of(manifest):
    keep = ("name", "notebook", "title", "parameters", "injected", "status", "error")
    runs = [
        {**{k: r[k] for k in keep}, "figures": r["figures"], "data": r["data"]}
        for r in manifest["runs"]
    ]
    return {"runs": runs, "data": manifest["data"], "options": manifest["options"]}


def outputs_of(path):
    """Every output of an executed notebook, without execution metadata."""
    nb = nbformat.read(path, as_version=4)
    shown = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            shown.append({k: v for k, v in output.items() if k not in ("metadata",)})
    return shown


def tables_of(page):
    return re.findall(r"<table\b.*?</table>", page, flags=re.S)


def test_the_same_inputs_give_the_same_figures_tables_and_pages(batches):
    first, second = batches["runs"]
    assert figures_of(first["manifest"]) == figures_of(second["manifest"])
    assert first["manifest"]["status"] == second["manifest"]["status"] == "failed"
    for run in first["manifest"]["runs"]:
        a, b = first["out"] / run["files"]["ipynb"], second["out"] / run["files"]["ipynb"]
        assert outputs_of(a) == outputs_of(b), run["name"]
        page_a = (first["out"] / run["files"]["html"]).read_text()
        page_b = (second["out"] / run["files"]["html"]).read_text()
        assert tables_of(page_a) == tables_of(page_b)
        if run["status"] == "ok":
            assert tables_of(page_a)
        # apart from the time it was made, and the random ids papermill gives the cell
        # it injects, the page is the same
        varies = re.compile(r"<b>Generated:</b>[^<]*|cell-id=[0-9a-f-]+|id=\"[0-9a-f-]{8,}\"")
        assert varies.sub("", page_a) == varies.sub("", page_b)


# -- killed runs -------------------------------------------------------------------------


def slow_notebook(folder):
    return write_notebook(
        folder / "slow.ipynb",
        'partner = "MNG"  # partner country\n'
        "seconds = 60.0  # how long the notebook works\n"
        'marker = ""  # a file created when the work starts',
        "import pathlib, time\n"
        "if marker:\n"
        "    pathlib.Path(marker).with_suffix('.' + partner).touch()\n"
        "time.sleep(seconds)",
    )


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pids):
    def running(pid):
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    return [pid for pid in pids if running(pid)]


def earlier_report(out):
    """A complete report from an earlier run: its files, as they must stay."""
    out.mkdir()
    (out / "old_MNG.html").write_text("<p>an earlier report</p>")
    (out / "old_MNG.ipynb").write_text(nbformat.writes(nbformat.v4.new_notebook()))
    manifest = {"runs": [{"files": {"html": "old_MNG.html", "ipynb": "old_MNG.ipynb"}}]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "index.html").write_text("<p>earlier index</p>")
    return checksums(out)


@pytest.mark.parametrize(
    ("stop", "jobs"), [("SIGKILL", 2), ("SIGTERM", 2), ("SIGTERM", 1), ("SIGINT", 2)]
)
def test_a_stopped_run_leaves_only_complete_files_and_the_next_run_cleans_up(
    stop, jobs, tmp_path, guard
):
    notebook = slow_notebook(tmp_path)
    out = tmp_path / "out"
    before = earlier_report(out)
    marker = tmp_path / "started"
    child = kztrade(
        *["report", "-n", notebook, "--partner", "MNG,CHN", "-p", "marker", marker],
        *["-o", out, "--jobs", jobs, "-q"],
        env=guard["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal would have
    )
    try:
        # executing: a staging folder exists and a kernel has started the notebook's work
        wait_for(lambda: list(tmp_path.glob("started.*")), 120, "a notebook to start")
        assert list(out.glob(".run-*"))
        family = [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
        assert any("ipykernel" in " ".join(psutil.Process(p).cmdline()) for p in alive(family))
        if stop == "SIGINT":  # Ctrl-C: the terminal signals the whole process group
            os.killpg(child.pid, signal.SIGINT)
        else:
            child.send_signal(getattr(signal, stop))
        code = child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    if stop == "SIGINT":
        assert code == 130
    else:
        assert code == -getattr(signal, stop)  # ended by the signal, as its sender meant
    # workers and kernels end with the run, not minutes later
    wait_for(lambda: not alive(family), 20, f"processes {alive(family)} to end")
    visible = {str(p.relative_to(out)) for p in out.rglob("*") if not p.name.startswith(".")}
    assert visible == {"old_MNG.html", "old_MNG.ipynb", "manifest.json", "index.html"}
    assert {k: v for k, v in checksums(out).items() if "/.run-" not in k and "lock" not in k} == (
        before
    )
    staging = list(out.glob(".run-*"))
    if stop != "SIGKILL":  # stopped politely: it removed its own staging folder
        assert staging == []
        return
    assert len(staging) == 1  # killed outright: its staging folder stays until the next run
    # the next run into the same folder works, and removes what the killed one left
    rerun = kztrade(
        *["report", "-n", notebook, "--partner", "MNG", "-p", "seconds", "0", "-o", out],
        "-q",
        env=guard["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == cli.EXIT_OK, stderr
    assert not list(out.glob(".run-*"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert [r["name"] for r in manifest["runs"]] == ["slow_MNG"]
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names == {"slow_MNG.html", "slow_MNG.ipynb", "manifest.json", "index.html"}
    nbformat.validate(nbformat.read(out / "slow_MNG.ipynb", as_version=4))


def test_a_stop_during_publishing_waits_until_the_report_is_in_place():
    stop = reports._Stoppable()  # not entered: no handler is installed in the test process
    steps = []
    with pytest.raises(reports._Stopped) as info:
        with stop.deferred():
            stop._handle(signal.SIGTERM, None)  # as if SIGTERM arrived now
            steps.append("published")
    assert steps == ["published"] and info.value.signum == signal.SIGTERM
    with pytest.raises(reports._Stopped):  # outside publishing it stops at once
        stop._handle(signal.SIGTERM, None)


class _Watched(reports._Stoppable):
    """A stop context that installs no handler and lets :class:`_Stopped` through, so that a
    signal can be simulated in the test process without ending it."""

    entered: list = []

    def __enter__(self):
        _Watched.entered.append(self)
        return self

    def __exit__(self, kind, exc, tb):
        return False


@pytest.mark.parametrize("run", ["build_report", "run_notebook"])
def test_a_stop_right_after_the_staging_folder_is_made_leaves_no_folder(run, tmp_path, monkeypatch):
    made = []
    real_mkdtemp = reports.tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        _Watched.entered[-1]._handle(signal.SIGTERM, None)  # as if SIGTERM arrived now
        return made[-1]

    monkeypatch.setattr(reports, "_Stoppable", _Watched)
    monkeypatch.setattr(reports.tempfile, "mkdtemp", mkdtemp)
    nb = tmp_path / "quick.ipynb"
    tagged = nbformat.v4.new_code_cell('partner = "MNG"  # partner')
    tagged.metadata["tags"] = ["parameters"]
    nbformat.write(
        nbformat.v4.new_notebook(cells=[tagged], metadata={"kernelspec": KERNELSPEC}), nb
    )
    out = tmp_path / "out"
    with pytest.raises(reports._Stopped):
        if run == "build_report":
            reports.build_report(["MNG"], notebooks=[nb], out=out, progress=False)
        else:
            reports.run_notebook(nb, parameters={"partner": "MNG"}, out=out, progress=False)
    assert len(made) == 1 and Path(made[0]).parent == out.resolve()
    assert not list(out.glob(".run-*"))


def test_a_run_cleaning_up_never_takes_a_new_staging_folder_for_an_abandoned_one(tmp_path):
    out = tmp_path / "out"
    staging = out / ".run-new"
    staging.mkdir(parents=True)
    real_flock = reports.fcntl.flock
    checked = []

    def flock(fd, flags):
        if not checked and os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")) == str(staging):
            checked.append(True)
            reports._clean_abandoned(out)  # another run starts between making and locking
            checked.append(staging.exists())
        return real_flock(fd, flags)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reports.fcntl, "flock", flock)
        with reports._staging_locked(staging) as held:
            assert held
            assert checked == [True, True]  # the folder survived the other run's clean-up
            reports._clean_abandoned(out)  # and once locked it survives too
            assert (staging / ".kztrade.lock").exists()
    reports._clean_abandoned(out)  # released: now it is abandoned, and removed
    assert not staging.exists()
