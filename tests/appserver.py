"""The app served by a real Streamlit process, for the browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph.neo4j_server import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serving(data_dir: Path, store_name: str = "s") -> Iterator[str]:
    """Serve the app on the embedded store <data_dir>/<store_name>.sqlite on a free localhost
    port; yields its address once it answers, and stops it afterwards."""
    port = free_port()
    env = {**os.environ, "GONGJIAN_DATA_DIR": str(data_dir), "GONGJIAN_STORE_NAME": store_name}
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    log_path = data_dir / "streamlit.log"
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the app did not start: {log_path.read_text()}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
