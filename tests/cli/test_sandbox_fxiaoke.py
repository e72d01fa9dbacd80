"""`crm-credit sandbox fxiaoke` serves a tenant in the foreground until stopped."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_sandbox_fxiaoke_announces_its_url_and_ca_then_serves(tmp_path: Path) -> None:
    # Its own CA folder: the default one under /tmp is shared with any other run on the machine.
    command = [sys.executable, "-m", "cli.main", "sandbox", "fxiaoke", "--port", "0", "--accounts", "3", "--seed", "5",
               "--tls-dir", str(tmp_path)]  # fmt: skip
    # A shell starting a job in the background (as `nohup … &` does) has it ignore SIGINT, and Python keeps
    # an ignored SIGINT ignored: the child gets the default back, as a terminal's foreground job has it.
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={"COLUMNS": "200", "PATH": ""},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        url = re.search(r"https://127\.0\.0\.1:\d+", lines[0])
        ca = re.search(r"CA certificate: (\S+)", lines[1])
        assert url and ca
        session = requests.Session()
        session.trust_env = False
        session.verify = ca.group(1)
        info = session.get(f"{url.group(0)}/__sandbox__/info", timeout=30).json()
        assert len(info["custom_fields"]["AccountObj"]) == 13
        token = session.post(
            f"{url.group(0)}/cgi/corpAccessToken/get/V2",
            json={"appId": info["app_id"], "appSecret": info["app_secret"], "permanentCode": info["permanent_code"]},
            timeout=30,
        ).json()
        assert token["errorCode"] == 0
        session.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
