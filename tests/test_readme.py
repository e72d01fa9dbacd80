"""README.md cannot rot: its `readme-test` commands run against the sandboxes, and its promises hold.

Blocks fenced as ```` ```bash readme-test ```` run in order in one folder, each with `bash -e`, with
`crm-credit` on PATH and the credentials the README tells people to export taken from sandbox orgs.
The example URLs are swapped for the sandboxes' (plus `--ca-bundle`, which a sandbox's own CA needs);
every swap must find its text, so editing the README's examples means editing this table too.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import connectors.errors
import credit_core.errors
from sandbox.salesforce import SalesforceSandbox
from sandbox.zoho import ZohoSandbox

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"^```bash readme-test\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_blocks() -> list[str]:
    """The runnable blocks, in order."""
    return BLOCK.findall(README)


@pytest.fixture(scope="module")
def orgs() -> Iterator[tuple[SalesforceSandbox, ZohoSandbox]]:
    with SalesforceSandbox(accounts=30, seed=61) as sf, ZohoSandbox(accounts=30, seed=62) as zoho:
        yield sf, zoho


def _swaps(sf: SalesforceSandbox, zoho: ZohoSandbox) -> dict[str, str]:
    return {
        "--url https://acme.my.salesforce.com": f"--url {sf.url} --ca-bundle {sf.ca_pem}",
        "--url https://www.zohoapis.eu --login-url https://accounts.zoho.eu": (
            f"--url {zoho.url} --login-url {zoho.url} --ca-bundle {zoho.ca_pem}"
        ),
    }


def _environment(sf: SalesforceSandbox, zoho: ZohoSandbox, bin_dir: Path) -> dict[str, str]:
    creds = sf.credentials
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "HOME": os.environ.get("HOME", "/tmp"),
        "COLUMNS": "160",
        "SF_USERNAME": creds.username,
        "SF_PASSWORD": creds.password,
        "SF_SECURITY_TOKEN": creds.security_token,
        "ZOHO_CLIENT_ID": zoho.client_id,
        "ZOHO_CLIENT_SECRET": zoho.client_secret,
        "ZOHO_REFRESH_TOKEN": zoho.refresh_token,
        "ZOHO_CHANNEL_TOKEN": "readme-channel-token",
    }


def _crm_credit_on_path(folder: Path) -> Path:
    """A `crm-credit` that runs this checkout (the console script exists only after `pip install`)."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "crm-credit"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m cli.main "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_the_readme_commands_run_against_the_sandboxes(
    orgs: tuple[SalesforceSandbox, ZohoSandbox], tmp_path: Path
) -> None:
    sf, zoho = orgs
    blocks = readme_blocks()
    assert len(blocks) >= 5, "the README lost its runnable examples"
    text = "\n".join(blocks)
    for original, replacement in _swaps(sf, zoho).items():
        assert original in text, f"README example {original!r} changed: update the swaps in this test"
        blocks = [block.replace(original, replacement) for block in blocks]
    work = tmp_path / "work"
    work.mkdir()
    env = _environment(sf, zoho, _crm_credit_on_path(tmp_path))
    for block in blocks:
        done = subprocess.run(["bash", "-e", "-c", block], cwd=work, env=env, capture_output=True, text=True,
                              timeout=240, check=False)  # fmt: skip
        assert done.returncode == 0, (
            f"README block failed:\n{block}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        )
    assert "[sources.sf.accounts]" in (work / "suggested-mapping.toml").read_text()
    report = json.loads((work / "portfolio.json").read_text())
    assert report["evaluated"] == 30 and report["html"] == "portfolio.html"
    assert (work / "portfolio.html").read_text().count("<svg") >= 5


def test_the_two_commands_stand_at_the_top_exactly() -> None:
    top = README.split("## Connecting", 1)[0]
    assert "```bash\npip install -e . && crm-credit demo\n```" in top
    assert "```bash\npip install -e '.[test]' && pytest\n```" in top


def _error_classes() -> set[str]:
    found = set()
    for module in (connectors.errors, credit_core.errors):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == module.__name__:
                found.add(name)
    return found


def test_troubleshooting_explains_every_error_class() -> None:
    section = README.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in _error_classes() if f"`{name}`" not in section)
    assert not missing, f"README troubleshooting lacks {missing}"
