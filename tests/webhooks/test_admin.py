"""The admin pages: login, CSRF, customers, the mapping editor, outbox retry, quarantine release, glossary."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from credit_core.glossary import reason_codes
from credit_core.policy import FLAGS
from sync.engine import SyncEngine
from sync.store.quarantine import list_quarantine
from tests.webhooks.admin_env import TOKEN, AdminSite, admin_site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminSite]:
    with admin_site(tmp_path, monkeypatch) as built:
        yield built


CREDIT_MAP = 'status = { map = { "Open" = "open", "Paid" = "paid", "Cancelled" = "void", "Credit" = "credit_note" } }'


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _textarea(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>([^<]*)</textarea>', page)
    assert found, f"no textarea {element_id}"
    return html.unescape(found.group(1))


def _logged_in(site: AdminSite) -> TestClient:
    client = TestClient(site.app, follow_redirects=False)
    form = client.get("/admin/login")
    done = client.post("/admin/login", data={"token": TOKEN, "csrf": _csrf(form.text)})
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and TOKEN not in cookie
    return client


def test_pages_need_a_login_and_a_wrong_token_is_refused(site: AdminSite) -> None:
    client = TestClient(site.app, follow_redirects=False)
    assert client.get("/admin").headers["location"] == "/admin/login"
    form = client.get("/admin/login")
    refused = client.post("/admin/login", data={"token": "guess", "csrf": _csrf(form.text)})
    assert refused.status_code == 401 and "crm_credit_session" not in refused.headers.get("set-cookie", "")
    assert client.get("/admin").status_code == 303
    bearer = client.get("/admin/glossary", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(site: AdminSite) -> None:
    client = _logged_in(site)
    token = _csrf(client.get("/admin/quarantine").text)
    assert client.post("/admin/logout", data={"csrf": "forged"}).status_code == 403
    other = client.post("/admin/logout", data={"csrf": token}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    assert client.post("/admin/logout", data={"csrf": token}).status_code == 303


def test_sources_customers_and_one_customer(site: AdminSite) -> None:
    client = _logged_in(site)
    home = client.get("/admin")
    assert home.status_code == 200 and ">sf<" in home.text and "Invoice__c" in home.text
    listing = client.get("/admin/accounts")
    link = re.search(r'href="(/admin/accounts/sf/[^"]+)"', listing.text)
    assert link
    page = client.get(link.group(1))
    assert page.status_code == 200 and "Reasons" in page.text and "Decision history" in page.text
    name = re.search(r'<h1 id="account-name">([^<]+)</h1>', page.text)
    assert name and name.group(1) in client.get("/admin/accounts", params={"q": name.group(1)[:6]}).text


def test_a_mapping_change_is_checked_against_the_crm_and_saved_with_a_backup(site: AdminSite) -> None:
    client = _logged_in(site)
    page = client.get("/admin/mapping/sf").text
    fields = _textarea(page, "fields-invoices")
    assert 'account_crm_id = "Account__c"' in fields
    transforms = CREDIT_MAP
    form = {"csrf": _csrf(page), "object": "Invoice__c", "fields": fields, "transforms": transforms}
    bad = client.post("/admin/mapping/sf/invoices", data={**form, "fields": fields + '\nnumber = "Nope__c"'})
    assert bad.status_code == 400 and "Nope__c" in bad.text and "Not saved" in bad.text
    unknown = client.post("/admin/mapping/sf/invoices", data={**form, "fields": 'colour = "Name"'})
    assert unknown.status_code == 400 and "colour" in unknown.text
    before = site.path.read_text()
    saved = client.post("/admin/mapping/sf/invoices", data=form)
    assert saved.status_code == 200 and "Saved [sources.sf.invoices]" in saved.text
    after = site.path.read_text()
    assert '"Credit" = "credit_note"' in after.replace("Credit =", '"Credit" =')
    for kept in ('password = "${SF_PASSWORD}"   # never in the file', "# the lookup to the account",
                 '"alice@example.com" = "${ADMIN_TOKEN}"   # per-user token', "# keep it short"):  # fmt: skip
        assert kept in after
    backups = list(site.path.parent.glob("crm-credit.toml.bak-*"))
    assert len(backups) == 1 and backups[0].read_text() == before


def test_releasing_a_quarantined_record_after_fixing_the_mapping_stores_it(site: AdminSite) -> None:
    with site.store.read() as conn:
        held = [e for e in list_quarantine(conn, "sf") if e["kind"] == "invoice"]
    assert held and all("Credit" in (e["value"] or "") for e in held)  # credit notes: "Credit" is not mapped
    client = _logged_in(site)
    crm_id = held[0]["crm_id"]
    page = client.get("/admin/quarantine").text
    still = client.post(f"/admin/quarantine/sf/invoice/{crm_id}/release", data={"csrf": _csrf(page)})
    assert "Still+held" in still.headers["location"] or "Still%20held" in still.headers["location"]
    mapping = client.get("/admin/mapping/sf").text
    fields = _textarea(mapping, "fields-invoices")
    transforms = CREDIT_MAP
    client.post("/admin/mapping/sf/invoices", data={"csrf": _csrf(mapping), "object": "Invoice__c",
                                                    "fields": fields, "transforms": transforms})  # fmt: skip
    released = client.post(f"/admin/quarantine/sf/invoice/{crm_id}/release", data={"csrf": _csrf(page)})
    assert "Released" in released.headers["location"]
    with site.store.read() as conn:
        assert crm_id not in {e["crm_id"] for e in list_quarantine(conn, "sf")}


def test_a_rejected_write_is_retried_from_the_outbox(site: AdminSite) -> None:
    rows = site.box.query("SELECT Id, Account__c FROM Invoice__c WHERE Status__c = 'Open' AND Balance__c > 0")
    invoice_id, account_id = str(rows[0]["Id"]), str(rows[0]["Account__c"])
    site.box.reject_next_write(record_id=account_id, sobject="Account", message="Limit too high for the region")
    site.box.update_record("Invoice__c", invoice_id, {"Amount__c": 7_654_321, "Balance__c": 7_654_321})
    engine = SyncEngine(site.config, site.store)
    engine.sync()
    engine.close()
    client = _logged_in(site)
    page = client.get("/admin/outbox").text
    assert "Limit too high for the region" in page and "rejected" in page
    action = re.search(r'action="(/admin/outbox/sf/\d+/retry)"', page)
    assert action
    done = client.post(action.group(1), data={"csrf": _csrf(page)})
    assert done.status_code == 303 and "1+written" in done.headers["location"]
    assert "Limit too high" not in client.get("/admin/outbox").text


def test_the_glossary_explains_every_code_and_the_policy_page_shows_the_numbers(site: AdminSite) -> None:
    client = _logged_in(site)
    glossary = client.get("/admin/glossary").text
    for code in (*reason_codes(), *FLAGS):
        assert f'id="{code}"' in glossary
    policy = client.get("/admin/policy").text
    assert "neutral score of <strong>50</strong>" in policy and "PAST_DUE" in policy and "cash in advance" in policy
    assert "Notices add no interest." in policy and "Notices carry no fee." in policy  # the built-in policy


def test_the_report_page_is_the_report_with_links_to_customers(site: AdminSite) -> None:
    client = _logged_in(site)
    page = client.get("/admin/report")
    assert page.status_code == 200 and page.text.count("<svg") >= 5 and 'href="/admin/accounts/sf/' in page.text
