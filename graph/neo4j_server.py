"""The local Neo4j Community server for development and CI: ``gongjian neo4j start|stop|status``.

One Neo4j 5.26 LTS server per data directory, run by the launcher in ``neo4j-server/`` at the root of
the repository (a pom that fetches ``org.neo4j:neo4j`` from Maven Central and a short Java main,
``gongjian.Neo4jLauncher``). It listens for Bolt on 127.0.0.1 only, with HTTP off and auth on.
Everything it keeps is under ``<data_dir>/neo4j/``::

    home/        the Neo4j home: data/ (the databases) and logs/ (debug.log)
    password     the generated password of user neo4j, mode 0600; never printed or logged
    server.pid   the pid of the running server (with server.port, its Bolt port)
    server.log   the launcher's output: startup errors land here

The first :func:`start` builds the launcher with Maven into ``neo4j-server/target/`` (the classes and
every jar, about 125 MB, downloaded once into ``~/.m2``); later starts run Java directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from graph.errors import Neo4jServerError

USER = "neo4j"
NEO4J_VERSION = "5.26.30"  # keep in step with <neo4j.version> in neo4j-server/pom.xml
HEAP = "1g"
PAGE_CACHE = "256m"
HOW_TO_ENABLE = (
    "Install Java 17 and Maven (e.g. apt-get install openjdk-17-jdk-headless maven) and try again."
)

LAUNCHER_DIR = Path(__file__).resolve().parent.parent / "neo4j-server"
MAIN_CLASS = "gongjian.Neo4jLauncher"
READY = "gongjian-neo4j: ready on bolt://"  # printed by the launcher once the password is set
STARTING = "gongjian: starting Neo4j"  # written to server.log before each start
FAILED = "gongjian-neo4j: could not start:"  # printed by the launcher when it gives up
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
)
# A server that lives for minutes (a test session's) spends as much CPU compiling Neo4j with C2
# and collecting garbage concurrently as on its work: on 2 busy cores, C1 alone and the serial
# collector halved the CPU time of starting and of loading the M city (bench/bench_neo4j_load.py).
# A server that runs for hours wants C2's faster code, so only short-lived servers get these.
SHORT_LIVED_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
STOP_TIMEOUT = 60.0  # seconds a clean shutdown may take before the server is killed

# Servers this Python process started, kept so they can be reaped (no zombies) when stopped.
_children: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running local server. The password stays in its file."""

    uri: str
    user: str
    password_file: Path
    pid: int

    def password(self) -> str:
        return self.password_file.read_text(encoding="utf-8").strip()


def start(
    data_dir: Path,
    *,
    port: int = 7687,
    timeout: float = 180,
    heap: str = HEAP,
    page_cache: str = PAGE_CACHE,
    short_lived: bool = False,
) -> ServerInfo:
    """Start the server of ``data_dir`` and wait until Bolt answers, or return the running one.

    The first call builds the launcher with Maven (minutes; not counted in ``timeout``). A server
    already running for ``data_dir`` is returned as it is, on the port it was started with.
    ``short_lived``: a server for minutes (tests), run with :data:`SHORT_LIVED_FLAGS`.
    """
    files = _Files(Path(data_dir).expanduser().resolve())
    files.root.mkdir(parents=True, exist_ok=True)
    with _locked(files.root / "start.lock"):
        pid = _running_pid(files)
        if pid is not None:
            info = _info(files, pid)
            _wait_until_ready(files, info, time.monotonic() + timeout)
            return info
        java = _java()
        build()
        if not port_free(port):
            raise Neo4jServerError(
                f"Port {port} on 127.0.0.1 is in use by another program; stop it, or start the "
                "local Neo4j on another port (--port)."
            )
        _ensure_password(files.password)
        files.home.mkdir(parents=True, exist_ok=True)
        command = [
            java,
            f"-Xmx{heap}",
            f"-Xms{min(_mebibytes(heap), 256)}m",  # the JVM would start at 1/64 of the RAM
            *_flags(short_lived),
            "-cp",
            os.pathsep.join([str(_target() / "classes"), str(_target() / "dependency" / "*")]),
            MAIN_CLASS,
            "--home",
            str(files.home),
            "--port",
            str(port),
            "--password-file",
            str(files.password),
            "--page-cache",
            page_cache,
        ]
        with files.log.open("ab") as log:
            log.write(f"{STARTING} on 127.0.0.1:{port} at {datetime.now().isoformat()}\n".encode())
            log.flush()
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=files.root,
                start_new_session=True,  # its own process group: ^C in a terminal does not stop it
            )
        _children[process.pid] = process
        files.port.write_text(f"{port}\n", encoding="utf-8")
        files.pid.write_text(f"{process.pid}\n", encoding="utf-8")
        info = _info(files, process.pid)
        try:
            _wait_until_ready(files, info, time.monotonic() + timeout)
        except BaseException:  # also ^C while waiting: leave no half-started server behind
            _terminate(process.pid)
            _forget(files)
            raise
        return info


def _flags(short_lived: bool) -> list[str]:
    if not short_lived:
        return list(JVM_FLAGS)
    return [f for f in JVM_FLAGS if f != "-XX:+UseG1GC"] + list(SHORT_LIVED_FLAGS)


def stop(data_dir: Path) -> bool:
    """Stop the server of ``data_dir`` cleanly (killed after a minute); False if none was running."""
    files = _Files(Path(data_dir).expanduser().resolve())
    pid = _running_pid(files)
    if pid is not None:
        _terminate(pid)
    _forget(files)
    return pid is not None


def status(data_dir: Path) -> ServerInfo | None:
    """The server of ``data_dir`` if its process is running (it may still be starting), else None."""
    files = _Files(Path(data_dir).expanduser().resolve())
    pid = _running_pid(files)
    return None if pid is None else _info(files, pid)


def unavailable() -> str | None:
    """Why the local server cannot run on this machine, as one line saying what to install, or None."""
    _, problem = _find_java()
    if not problem and not _built() and _mvn() is None:
        problem = "no mvn on PATH"
    return f"install Java 17 and Maven to run the Neo4j tests ({problem})" if problem else None


def build() -> None:
    """Build the launcher into neo4j-server/target with Maven, unless it is built from the current sources."""
    if _built():
        return
    target = _target()
    target.mkdir(parents=True, exist_ok=True)
    with _locked(target / "build.lock"):
        if _built():  # another process built it while this one waited
            return
        mvn = _mvn()
        if mvn is None:
            raise Neo4jServerError(
                f"Cannot build the local Neo4j launcher: Maven (mvn) was not found on PATH. {HOW_TO_ENABLE}"
            )
        print(
            f"Building the local Neo4j {NEO4J_VERSION} launcher with Maven into {target} "
            "(downloads about 150 MB from Maven Central the first time; this can take minutes)…",
            file=sys.stderr,
            flush=True,
        )
        began = time.monotonic()
        shutil.rmtree(target / "dependency", ignore_errors=True)  # no jars of an older version
        result = subprocess.run(
            [mvn, "-B", "-q", "-f", str(LAUNCHER_DIR / "pom.xml"), "compile", "dependency:copy-dependencies"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise Neo4jServerError(
                f"Maven could not build the Neo4j launcher (exit code {result.returncode}):\n"
                f"{_tail(result.stdout + result.stderr)}\n"
                "Check that Maven Central (repo.maven.apache.org) is reachable, then start again."
            )
        (target / "gongjian-build.stamp").write_text(_sources_digest() + "\n", encoding="utf-8")
        print(f"Built the launcher in {time.monotonic() - began:.0f} s.", file=sys.stderr, flush=True)


def port_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class _Files:
    data_dir: Path

    @property
    def root(self) -> Path:
        return self.data_dir / "neo4j"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def password(self) -> Path:
        return self.root / "password"

    @property
    def pid(self) -> Path:
        return self.root / "server.pid"

    @property
    def port(self) -> Path:
        return self.root / "server.port"

    @property
    def log(self) -> Path:
        return self.root / "server.log"


def _info(files: _Files, pid: int) -> ServerInfo:
    port = int(files.port.read_text(encoding="utf-8"))
    return ServerInfo(uri=f"bolt://127.0.0.1:{port}", user=USER, password_file=files.password, pid=pid)


def _wait_until_ready(files: _Files, info: ServerInfo, deadline: float) -> None:
    """Wait until the launcher says it is ready and ``RETURN 1`` answers with the password."""
    problem = "the server did not say it was ready"
    while time.monotonic() < deadline:
        if not _alive(info.pid):
            raise Neo4jServerError(
                f"The local Neo4j stopped while starting. The end of {files.log}:\n{_log_tail(files)}\n"
                f"Fix what it says (more in {files.home / 'logs' / 'debug.log'}) and start again."
            )
        if _said_ready(files):
            try:
                with (
                    GraphDatabase.driver(info.uri, auth=(info.user, info.password())) as driver,
                    driver.session(database="neo4j") as session,
                ):
                    record = session.run("RETURN 1 AS ok").single()
                if record is not None and record["ok"] == 1:
                    return
            except AuthError as err:
                problem = (
                    f"Bolt refuses the password in {info.password_file} ({err.code}); "
                    "stop the server and start it again to apply that file"
                )
            except (DriverError, Neo4jError, OSError) as err:
                problem = f"Bolt does not answer yet ({type(err).__name__})"
        time.sleep(0.25)
    raise Neo4jServerError(
        f"The local Neo4j (pid {info.pid}) did not answer on {info.uri} in time: {problem}. "
        f"The end of {files.log}:\n{_log_tail(files)}\n"
        "Start again with a longer timeout, or see that log and logs/debug.log under "
        f"{files.home} for what it is waiting on."
    )


def _said_ready(files: _Files) -> bool:
    text = files.log.read_text(encoding="utf-8", errors="replace") if files.log.exists() else ""
    return READY in text[text.rfind(STARTING) :]


def _running_pid(files: _Files) -> int | None:
    """The pid in server.pid if that process is alive and is this data directory's launcher."""
    try:
        pid = int(files.pid.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid) or not files.port.exists():
        return None
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:  # no /proc (macOS): trust the pid file
        return pid
    except OSError:
        return None
    return pid if MAIN_CLASS.encode() in args and str(files.home).encode() in args else None


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None  # also reaps it once it has exited
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    return True


def _terminate(pid: int) -> None:
    """SIGTERM (the launcher's shutdown hook stops Neo4j cleanly), then SIGKILL if it hangs."""
    for sig, patience in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if not _alive(pid):
                _children.pop(pid, None)
                return
            time.sleep(0.1)
    raise Neo4jServerError(f"The local Neo4j (pid {pid}) does not stop; kill it with `kill -9 {pid}`.")


def _forget(files: _Files) -> None:
    files.pid.unlink(missing_ok=True)
    files.port.unlink(missing_ok=True)


def _ensure_password(path: Path) -> None:
    """Create the password file (random, mode 0600) unless it exists; never show the password."""
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_urlsafe(32) + "\n")
    path.chmod(0o600)


def _java() -> str:
    java, problem = _find_java()
    if java is None:
        raise Neo4jServerError(f"Cannot start the local Neo4j: {problem}. {HOW_TO_ENABLE}")
    return java


def _find_java() -> tuple[str | None, str]:
    """$JAVA_HOME/bin/java, else the java on PATH, if it is Java 17 or later; else what is wrong."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate is not None and candidate.is_file() else shutil.which("java")
    if java is None:
        return None, "no java on PATH and JAVA_HOME is not set"
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"{java} does not run ({err})"
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if found is None:
        return None, f"{java} -version does not say which Java it is"
    major = int(found[2]) if found[1] == "1" and found[2] else int(found[1])  # "1.8.0" is Java 8
    if major < 17:
        return (
            None,
            f"{java} is Java {major}; Neo4j {NEO4J_VERSION} needs Java 17 or 21, or JAVA_HOME set to one",
        )
    return java, ""


def _mebibytes(size: str) -> int:
    """A JVM memory size such as 1g, 512m or 1048576k, in MiB."""
    found = re.fullmatch(r"(\d+)([kmg])", size.strip().lower())
    if found is None:
        raise Neo4jServerError(f"Memory size {size!r} is not like 512m or 1g; write it that way.")
    return int(found[1]) * {"k": 1, "m": 1024, "g": 1024 * 1024}[found[2]] // 1024


def _mvn() -> str | None:
    return shutil.which("mvn")


def _target() -> Path:
    return LAUNCHER_DIR / "target"


def _built() -> bool:
    stamp = _target() / "gongjian-build.stamp"
    return stamp.exists() and stamp.read_text(encoding="utf-8").strip() == _sources_digest()


def _sources_digest() -> str:
    """A digest of the pom and the Java sources: the build is redone when they change."""
    if not (LAUNCHER_DIR / "pom.xml").exists():
        raise Neo4jServerError(
            f"The Neo4j launcher sources are not at {LAUNCHER_DIR}; run gongjian from a clone of "
            "its repository (pip install -e .)."
        )
    digest = hashlib.sha256()
    for path in [LAUNCHER_DIR / "pom.xml", *sorted((LAUNCHER_DIR / "src").rglob("*.java"))]:
        digest.update(path.relative_to(LAUNCHER_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _log_tail(files: _Files) -> str:
    if not files.log.exists():
        return "(no log)"
    text = files.log.read_text(encoding="utf-8", errors="replace")
    text = text[text.rfind(STARTING) :]
    failed = text.rfind(FAILED)  # the launcher's summary of what went wrong, after the stack trace
    return _tail(text[failed:] if failed >= 0 else text)


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(f"    {line}" for line in text.strip().splitlines()[-lines:])
