"""Upload one large file to a real Proofdesk server and measure the web process's memory.

Starts gunicorn (one sync worker) or `manage.py runserver` on a free 127.0.0.1 port with its
own SQLite database, media folder and upload temp folder, all in a temporary folder that is
removed at the end. Logs in as a reporter over HTTP, streams a multipart upload generated on
the fly (a real JPEG header followed by filler bytes, so the content sniffer accepts it as
image/jpeg) and hashes it on the client side as it goes. Reports how much the worker's
resident memory grew at its peak (goal: under 100 MB) and checks the stored asset.

    .venv/bin/python bench/upload_memory.py [--size-mb 1024] [--server gunicorn|runserver]

Linux only: it reads /proc/<pid>/status.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import os
import random
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHUNK = MIB
GOAL_MIB = 100
USERNAME = "bench_reporter"
SERVER_TIMEOUT = 1800  # seconds gunicorn lets one request run; a 1 GB upload needs far less


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env(workdir: Path, max_upload: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_COOKIES="0",  # plain HTTP on loopback
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        FILE_UPLOAD_TEMP_DIR=str(workdir / "upload-tmp"),
        MAX_UPLOAD_SIZE=str(max_upload),
        STORAGE_BACKEND="filesystem",
        CELERY_BROKER_URL="",  # the checks run in the web process, as with `make run`
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


CREATE_REPORTER = """
import os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
user = get_user_model().objects.create_user(
    os.environ["BENCH_USER"], password=os.environ["BENCH_PASSWORD"]
)
user.groups.add(Group.objects.get(name="reporter"))
"""


def start_server(kind: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    if kind == "gunicorn":
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--timeout",
            str(SERVER_TIMEOUT),
            "--graceful-timeout",
            "5",
        ]
    else:
        cmd = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with log.open("wb") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_healthy(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # Field 4 is the parent pid; the command name before it may contain spaces.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def web_process(kind: str, proc: subprocess.Popen[bytes]) -> int:
    """The process that handles requests: gunicorn's worker, or runserver itself."""
    if kind != "gunicorn":
        return proc.pid
    workers = children_of(proc.pid)
    if len(workers) != 1:
        raise RuntimeError(f"expected one gunicorn worker under {proc.pid}, found {workers}")
    return workers[0]


# --- memory ------------------------------------------------------------------------------


def memory_kib(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in {"VmRSS", "VmHWM"}:
            values[key] = int(rest.split()[0])
    return values


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak(pid: int) -> bool:
    """Make VmHWM start again from the current RSS (Linux >= 4.0), so that the peak we read
    afterwards belongs to the upload and not to anything the process did before."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@dataclass
class RssSampler:
    """Polls VmRSS every few milliseconds: a second opinion on the peak, and it still works
    where clear_refs is not allowed."""

    pid: int
    peak_kib: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, memory_kib(self.pid)["VmRSS"])
            self.samples += 1
            self._stop.wait(0.01)


# --- the client --------------------------------------------------------------------------


@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def headers(self) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "X-CSRFToken": self.cookies.get("csrftoken", "")}

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, body: bytes | None = None, extra: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers={**self.headers(), **(extra or {})})
            response = conn.getresponse()
            self.keep_cookies(response)
            return response.status, response.read()
        finally:
            conn.close()

    def log_in(self, password: str) -> None:
        self.request("GET", "/login/")
        form = urlencode(
            {
                "username": USERNAME,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            }
        ).encode()
        status, _ = self.request(
            "POST", "/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed (HTTP {status})")


def jpeg_head() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def file_chunks(size: int, seed: int) -> Iterator[bytes]:
    """A complete small JPEG, then pseudo-random filler up to `size` bytes. Pillow reads the
    JPEG's header and stops; the filler makes up the bulk. Made one chunk at a time."""
    head = jpeg_head()
    if size < len(head):
        raise ValueError(f"the file must be at least {len(head)} bytes")
    yield head
    block = random.Random(seed).randbytes(CHUNK)
    left = size - len(head)
    while left:
        piece = block[: min(left, CHUNK)]
        left -= len(piece)
        yield piece


@dataclass
class UploadResult:
    status: int
    body: bytes
    sha256: str
    seconds_sending: float
    seconds_total: float


def upload(session: Session, *, filename: str, size: int, seed: int) -> UploadResult:
    """POST one file to /assets/upload/ as a browser would, without ever holding it."""
    boundary = f"----proofdesk-bench-{secrets.token_hex(16)}"
    fields = {
        "source": "staff",
        "story_ref": "bench-upload",
        "description": "Benchmark upload.",
        "intake_token": str(uuid.uuid4()),
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
    )
    before = "".join(parts).encode()
    after = f"\r\n--{boundary}--\r\n".encode()

    conn = session.connection(timeout=SERVER_TIMEOUT)
    digest = hashlib.sha256()
    started = time.perf_counter()
    try:
        conn.putrequest("POST", "/assets/upload/")
        headers = {
            **session.headers(),
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(before) + size + len(after)),
        }
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        conn.send(before)
        for chunk in file_chunks(size, seed):
            digest.update(chunk)
            conn.send(chunk)
        conn.send(after)
        sent = time.perf_counter()
        response = conn.getresponse()
        body = response.read()
        done = time.perf_counter()
    finally:
        conn.close()
    return UploadResult(response.status, body, digest.hexdigest(), sent - started, done - started)


# --- the check ---------------------------------------------------------------------------


def stored_asset(workdir: Path, filename: str) -> dict[str, object] | None:
    with sqlite3.connect(workdir / "db.sqlite3") as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT id, sha256, size_bytes, media_type, status, check_error, file, width, height"
            " FROM review_asset WHERE original_filename = ?",
            (filename,),
        ).fetchone()
    return dict(row) if row else None


def verify(workdir: Path, filename: str, result: UploadResult, size: int) -> list[str]:
    """What is wrong with the stored asset, if anything."""
    problems = []
    if result.status != 200 or b"Received" not in result.body:
        problems.append(f"the server answered HTTP {result.status}")
    row = stored_asset(workdir, filename)
    if row is None:
        return [*problems, "no asset row was written"]
    if row["sha256"] != result.sha256:
        problems.append(f"sha256 differs: server {row['sha256']}, client {result.sha256}")
    if row["size_bytes"] != size:
        problems.append(f"size differs: server {row['size_bytes']}, client {size}")
    if row["media_type"] != "image/jpeg":
        problems.append(f"sniffed as {row['media_type']}")
    if row["status"] != "in_review" or row["check_error"]:
        problems.append(f"after the checks: {row['status']} {row['check_error']!r}")
    stored = workdir / "media" / str(row["file"])
    if not stored.is_file() or stored.stat().st_size != size:
        problems.append(f"stored file {stored} is missing or the wrong size")
    leftovers = list((workdir / "upload-tmp").iterdir())
    if leftovers:
        problems.append(f"temporary upload files left behind: {leftovers}")
    return problems


def mib(kib: int) -> float:
    return kib / 1024


def run(args: argparse.Namespace, workdir: Path) -> int:
    size = args.size_mb * MIB
    free = shutil.disk_usage(workdir).free
    if free < 2 * size + 256 * MIB:
        raise SystemExit(
            f"{workdir} has {free // MIB} MiB free; the benchmark needs about "
            f"{(2 * size) // MIB + 256} MiB (use --workdir)."
        )
    (workdir / "media").mkdir()
    (workdir / "upload-tmp").mkdir()
    env = server_env(workdir, max_upload=max(2048 * MIB, size + MIB))
    password = secrets.token_urlsafe(16)
    manage(env, "migrate", "--noinput")
    manage(
        {**env, "BENCH_USER": USERNAME, "BENCH_PASSWORD": password}, "shell", "-c", CREATE_REPORTER
    )

    port = free_port()
    log = workdir / "server.log"
    proc = start_server(args.server, env, port, log)
    try:
        wait_until_healthy(port, proc, time.monotonic() + 60)
        pid = web_process(args.server, proc)
        session = Session(port)
        session.log_in(password)
        status, _ = session.request("GET", "/assets/upload/")
        if status != 200:
            raise RuntimeError(f"GET /assets/upload/ gave HTTP {status}")
        after_login = memory_kib(pid)
        # A small upload first, so that imports and caches the first upload pulls in (the
        # multipart parser, Pillow, the in-process Celery app) are not counted as growth.
        warm = upload(session, filename="warm-up.jpg", size=64 * 1024, seed=1)
        warm_problems = verify(workdir, "warm-up.jpg", warm, 64 * 1024)
        if warm_problems:
            raise RuntimeError("warm-up upload failed: " + "; ".join(warm_problems))

        before = memory_kib(pid)
        cpu_before = cpu_seconds(pid)
        peak_reset = reset_peak(pid)
        filename = f"bench-{args.size_mb}mb.jpg"
        with RssSampler(pid) as sampler:
            result = upload(session, filename=filename, size=size, seed=2)
        after = memory_kib(pid)
        server_cpu = cpu_seconds(pid) - cpu_before
        problems = verify(workdir, filename, result, size)
    except BaseException:
        stop_server(proc)
        sys.stderr.write(f"server log ({log}):\n{log.read_text(errors='replace')[-4000:]}\n")
        raise
    stop_server(proc)

    baseline = before["VmRSS"] if peak_reset else before["VmHWM"]
    peak = max(after["VmHWM"], sampler.peak_kib)
    growth = mib(peak - baseline)
    server_after = result.seconds_total - result.seconds_sending
    print(
        f"Proofdesk upload benchmark: {args.server}, one {args.size_mb} MiB file "
        f"over HTTP on 127.0.0.1, {os.cpu_count()} CPUs, checks in-process (no broker)"
    )
    print()
    rows = [
        ("upload size", f"{size:,} bytes ({args.size_mb} MiB)"),
        ("elapsed (request sent to response read)", f"{result.seconds_total:.2f} s"),
        ("  sending the body", f"{result.seconds_sending:.2f} s"),
        ("  server work after the last byte", f"{server_after:.2f} s"),
        ("throughput", f"{size / MIB / result.seconds_total:.0f} MiB/s"),
        ("web process CPU time for the upload", f"{server_cpu:.2f} s"),
        (f"web process (pid {pid}) RSS after login", f"{mib(after_login['VmRSS']):.1f} MiB"),
        ("RSS before the upload (after warm-up)", f"{mib(before['VmRSS']):.1f} MiB"),
        (
            "peak RSS during the upload",
            f"{mib(peak):.1f} MiB "
            f"(VmHWM {mib(after['VmHWM']):.1f}, sampled {mib(sampler.peak_kib):.1f} "
            f"over {sampler.samples} samples)",
        ),
        ("RSS after the upload", f"{mib(after['VmRSS']):.1f} MiB"),
        (
            "peak growth",
            f"{growth:.1f} MiB (goal: under {GOAL_MIB} MiB)"
            f"{'' if peak_reset else ' [VmHWM not resettable: upper bound]'}",
        ),
        ("sha256 (client)", result.sha256),
        (
            "stored asset",
            "matches: sha256, size, image/jpeg, in review, file on disk"
            if not problems
            else "PROBLEMS: " + "; ".join(problems),
        ),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")
    ok = not problems and growth < GOAL_MIB
    print()
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the temporary folder goes (needs twice the file size free)",
    )
    args = parser.parse_args()
    if args.size_mb < 1:
        parser.error("--size-mb must be at least 1")
    if not Path("/proc/self/status").exists():
        parser.error("this benchmark reads /proc and runs on Linux only")
    workdir = Path(tempfile.mkdtemp(prefix="proofdesk-upload-bench-", dir=args.workdir))
    try:
        code = run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
