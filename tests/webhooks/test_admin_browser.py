"""A person in headless Chromium: logs in, opens a customer, edits a mapping, releases a quarantined record.

Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them): skipped locally when they are
missing, failed under CI=true. The last page is saved as tests/artifacts/admin-browser.png.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from cli.demo_receiver import free_port
from tests.conftest import IN_CI
from tests.webhooks.admin_env import TOKEN, AdminSite, admin_site

pytestmark = pytest.mark.browser
CHROMIUM = os.environ.get("CRM_CREDIT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CRM_CREDIT_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CREDIT_MAP = 'status = { map = { "Open" = "open", "Paid" = "paid", "Cancelled" = "void", "Credit" = "credit_note" } }'


def _require_chromium() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not (Path(path).exists() or shutil.which(path))]
    if missing:
        message = f"headless Chromium is not installed ({', '.join(missing)} missing)"
        if IN_CI:
            pytest.fail(message + " (CI=true: .ci/run installs chromium and chromium-driver)")
        pytest.skip(message)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AdminSite, str]]:
    """The admin site behind a real HTTP server on a free port."""
    with admin_site(tmp_path, monkeypatch) as site:
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            yield site, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    _require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1600",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def test_an_admin_logs_in_opens_a_customer_fixes_a_mapping_and_releases_a_record(
    served: tuple[AdminSite, str], browser: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as shows
    from selenium.webdriver.support.wait import WebDriverWait

    site, url = served
    driver: WebDriver = browser  # type: ignore[assignment]
    # A click returns before the next page replaces this one: wait for what the next page shows.
    wait = WebDriverWait(driver, 15)
    driver.get(f"{url}/admin")
    assert driver.current_url.endswith("/admin/login")
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.ID, "login").click()
    assert wait.until(shows.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Sources and sync state"))

    driver.find_element(By.LINK_TEXT, "Customers").click()
    first = driver.find_elements(By.CSS_SELECTOR, "a.account")[0]
    name = first.text
    first.click()
    assert wait.until(shows.text_to_be_present_in_element((By.ID, "account-name"), name))
    assert "Reasons" in driver.page_source

    driver.get(f"{url}/admin/mapping/sf")
    transforms = driver.find_element(By.ID, "transforms-invoices")
    transforms.clear()
    transforms.send_keys(CREDIT_MAP)
    driver.find_element(By.ID, "save-invoices").click()
    assert wait.until(shows.text_to_be_present_in_element((By.ID, "notice"), "Saved [sources.sf.invoices]"))
    assert '"Credit" = "credit_note"' in site.path.read_text().replace("Credit =", '"Credit" =')

    driver.find_element(By.LINK_TEXT, "Quarantine").click()
    held = len(driver.find_elements(By.CSS_SELECTOR, "button.release"))
    assert held > 0
    driver.find_elements(By.CSS_SELECTOR, "button.release")[0].click()
    assert wait.until(shows.text_to_be_present_in_element((By.ID, "notice"), "Released invoice"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "button.release")) == held - 1

    ARTIFACTS.mkdir(exist_ok=True)
    assert driver.save_screenshot(str(ARTIFACTS / "admin-browser.png"))
