"""The README's Fxiaoke `[sources.*]` sample is a valid config whose mappings do what it says."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from connectors.base import SourceRecord
from connectors.fxiaoke.settings import FxiaokeSource
from connectors.mapping import RecordMapper, parse_stamp
from sync.config import load_config

README = Path(__file__).resolve().parents[3] / "README.md"
ENV = {"FX_APP_ID": "FSAID_1", "FX_APP_SECRET": "secret", "FX_PERMANENT_CODE": "code", "FX_USER_ID": "1000"}


def sample(tmp_path: Path) -> FxiaokeSource:
    section = README.read_text(encoding="utf-8").split("### Fxiaoke", 1)[1]
    toml = re.search(r"```toml\n(.*?)```", section, re.DOTALL)
    assert toml is not None, "the Fxiaoke subsection has no toml block"
    path = tmp_path / "crm-credit.toml"
    path.write_text(toml.group(1), encoding="utf-8")
    settings = load_config(path, environ=ENV).source("fx")
    assert isinstance(settings, FxiaokeSource)
    return settings


def test_the_readme_sample_loads_as_a_fxiaoke_source(tmp_path: Path) -> None:
    settings = sample(tmp_path)
    assert settings.auth.app_secret.get_secret_value() == "secret" and settings.api_daily_limit == 100_000
    assert [settings.mapping(k) is not None for k in ("account", "invoice", "order", "payment")] == [True] * 4
    assert settings.writeback is not None and len(settings.writeback.fields) == 8


def test_the_readme_payment_plan_mapping_makes_open_paid_and_credit_note_invoices(tmp_path: Path) -> None:
    mapping = sample(tmp_path).invoices
    assert mapping is not None
    mapper = RecordMapper("invoice", "fx", mapping)
    row = {
        "account_id": "a1",
        "name": "INV-1",
        "create_time": "2026-01-05T10:00:00.000+08:00",
        "plan_payment_time": "2026-02-04",
        "plan_payment_amount": "1000.00",
        "actual_payment_amount": "400.00",
        "mc_currency": "CNY",
        "record_type": "default__c",
    }

    def invoice(**changes: str) -> object:
        return mapper.build(SourceRecord("p1", parse_stamp(0), {**row, **changes}))

    open_one = invoice()
    assert (open_one.status, open_one.balance) == ("open", Decimal("600.00"))  # type: ignore[attr-defined]
    assert invoice(actual_payment_amount="1000.00").status == "paid"  # type: ignore[attr-defined]
    credit = invoice(record_type="record_Ab12C__c", plan_payment_amount="-50.00", actual_payment_amount="0.00")
    assert (credit.status, credit.amount) == ("credit_note", Decimal("-50.00"))  # type: ignore[attr-defined]
