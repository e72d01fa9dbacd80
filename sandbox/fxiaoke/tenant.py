"""One Fxiaoke tenant: its schema, employees and records, and the rules a write goes through.

Rules kept here because Fxiaoke applies them to API writes and user edits alike: every write moves
`last_modified_time`; a payment plan's `plan_payment_status` (incomplete / completed / overdue) and
its `actual_payment_amount` (rolled up from 回款明细 `OrderPaymentObj`) are kept by the system; an
edit with `triggerApprovalFlow` true on an object with an edit approval flow is held for approval
(`life_status` in_change, record locked) instead of applied; deleting needs an invalid record first.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sandbox.fxiaoke.envelope import PARAMETER_ERROR, FxError
from sandbox.fxiaoke.limits import Clock
from sandbox.fxiaoke.objects import DEFAULT_RECORD_TYPE, build_schema
from sandbox.fxiaoke.people import ROOT_DEPARTMENT, People
from sandbox.fxiaoke.schema import ObjectDef
from sandbox.fxiaoke.store import Record, Store
from sandbox.fxiaoke.values import coerce, date_ms, decimal_of, money_text

IGNORED_ON_WRITE = {"_id", "dataObjectApiName", "object_describe_api_name"}
PLAN, ORDER_PAYMENT = "PaymentPlanObj", "OrderPaymentObj"


class Tenant:
    """The data side of the sandbox, shared by the wire handlers and the control API."""

    def __init__(self, seed: int, as_of: date, clock: Clock, approval_objects: tuple[str, ...]) -> None:
        self.seed = seed
        self.as_of = as_of
        self.schema, self.credit_note_type, self.credit_file_object = build_schema(seed)
        self.people = People(seed)
        self.store = Store(seed, clock)
        self.approval_objects = set(approval_objects)
        self.pending: dict[tuple[str, str], dict[str, Any]] = {}  # held edits awaiting approval
        self.workflow_log: list[tuple[str, str, str]] = []  # (object, id, event) that fired workflows
        self.rejections: dict[tuple[str, str], str] = {}  # a validation rule's message for the next API write

    def definition(self, api_name: object) -> ObjectDef:
        """The object description, or the error for an unknown object."""
        definition = self.schema.get(api_name) if isinstance(api_name, str) else None
        if definition is None:
            raise FxError(PARAMETER_ERROR, f"对象[{api_name}]不存在")
        return definition

    def custom_names(self, api_name: str, labels: dict[str, tuple[str, str]]) -> dict[str, str]:
        """Generated api names of custom fields, keyed like `labels` (key -> (label, type))."""
        definition = self.schema.objects[api_name]
        found = {key: definition.field_by_label(label) for key, (label, _) in labels.items()}
        return {key: field.api_name for key, field in found.items() if field is not None}

    def exists(self, api_name: str, object_id: str) -> bool:
        """True when the record exists (invalid records still exist)."""
        return object_id in self.store.table(api_name)

    def name_of(self, api_name: str, object_id: str) -> str | None:
        """The `name` of a record, for `__r` display fields."""
        record = self.store.table(api_name).get(object_id)
        return record.get("name") if record else None

    def record(self, api_name: str, object_id: str) -> Record:
        """The live record (callers hold the store lock), or the not-found error."""
        record = self.store.table(api_name).get(object_id)
        if record is None:
            raise FxError(PARAMETER_ERROR, "数据不存在或已被删除")
        return record

    def validate(self, definition: ObjectDef, values: dict[str, Any], creating: bool) -> dict[str, Any]:
        """Values as an API write must give them: known, writable fields in the documented formats."""
        clean: dict[str, Any] = {}
        for api_name, value in values.items():
            if api_name in IGNORED_ON_WRITE:
                continue
            field = definition.fields.get(api_name)
            if field is None:
                raise FxError(PARAMETER_ERROR, f"字段[{api_name}]不存在")
            if api_name == "owner" and not creating:
                raise FxError(PARAMETER_ERROR, "负责人不能通过编辑接口修改，请使用更换负责人接口")
            if field.readonly and api_name != "owner":
                raise FxError(PARAMETER_ERROR, f"字段[{field.label}]({api_name})不允许修改")
            clean[api_name] = coerce(field, value, self.exists)
        return clean

    def user_values(self, definition: ObjectDef, values: dict[str, Any]) -> dict[str, Any]:
        """Values a person types in the CRM (Python values welcome): any field, formats checked."""
        clean: dict[str, Any] = {}
        for api_name, value in values.items():
            field = definition.fields.get(api_name)
            if field is None:
                raise ValueError(f"{definition.api_name} has no field {api_name!r}")
            clean[api_name] = coerce(field, _from_python(value), self.exists)
        return clean

    def create(self, api_name: str, values: dict[str, Any], actor: str, object_id: str | None = None) -> Record:
        """Insert a record with system fields filled in; values are already clean."""
        definition = self.definition(api_name)
        missing = [f.api_name for f in definition.fields.values() if f.required and values.get(f.api_name) is None]
        missing = [name for name in missing if name != "owner"]
        if missing:
            raise FxError(PARAMETER_ERROR, f"必填字段[{', '.join(missing)}]不能为空")
        now = self.store.now_ms()
        record: Record = {
            "_id": object_id or self.store.new_id(api_name),
            "owner": [actor],
            "owner_department": [ROOT_DEPARTMENT],
            "record_type": DEFAULT_RECORD_TYPE,
            "life_status": "normal",
            "lock_status": "0",
            "is_deleted": False,
            "created_by": [actor],
            "create_time": now,
            "last_modified_by": [actor],
            "last_modified_time": now,
            "object_describe_api_name": api_name,
        }
        record.update({k: v for k, v in values.items() if v is not None})
        with self.store.lock:
            self.store.table(api_name)[record["_id"]] = record
            self._after_write(api_name, None, record, actor)
        return dict(record)

    def update(
        self,
        api_name: str,
        object_id: str,
        values: dict[str, Any],
        actor: str,
        approval: bool = False,
        force: bool = False,
    ) -> None:
        """Apply clean values (PATCH: omitted fields stay), or hold them for approval.

        `force` edits a locked record (custom objects' `skipDataStatusValidate`).
        """
        with self.store.lock:
            record = self.record(api_name, object_id)
            if record.get("lock_status") == "1" and not force:
                raise FxError(PARAMETER_ERROR, "数据已锁定，不能编辑")
            if approval and api_name in self.approval_objects:
                self.pending[(api_name, object_id)] = values
                record.update(life_status="in_change", lock_status="1")
                self.store.touch(record, actor)
                return
            before = dict(record)
            _apply(record, values)
            self.store.touch(record, actor)
            self._after_write(api_name, before, record, actor)

    def set_life_status(self, api_name: str, object_id: str, status: str, actor: str) -> None:
        """Invalidate (作废) or recover a record."""
        with self.store.lock:
            record = self.record(api_name, object_id)
            before = dict(record)
            record["life_status"] = status
            self.store.touch(record, actor)
            self._after_write(api_name, before, record, actor)

    def delete(self, api_name: str, object_id: str) -> None:
        """Delete for good; Fxiaoke only deletes records already invalid."""
        with self.store.lock:
            if self.record(api_name, object_id).get("life_status") != "invalid":
                raise FxError(PARAMETER_ERROR, "删除之前请先作废数据")
            self.store.remove(api_name, object_id)

    def decide(self, api_name: str, object_id: str, approve: bool, actor: str) -> None:
        """Approve (apply) or reject (drop) an edit held by the approval flow."""
        with self.store.lock:
            values = self.pending.pop((api_name, object_id))
            record = self.record(api_name, object_id)
            before = dict(record)
            if approve:
                _apply(record, values)
            record.update(life_status="normal", lock_status="0")
            self.store.touch(record, actor)
            self._after_write(api_name, before, record, actor)

    def _after_write(self, api_name: str, before: Record | None, after: Record, actor: str) -> None:
        if api_name == ORDER_PAYMENT:
            self._roll_up(before, -1, actor)
            self._roll_up(after, +1, actor)
        if api_name == PLAN:
            after["plan_payment_status"] = plan_status(after, self.as_of)

    def _roll_up(self, detail: Record | None, sign: int, actor: str) -> None:
        # 回款明细 counts towards its plan's received amount only while it is in force.
        if detail is None or detail.get("life_status") != "normal" or not detail.get("payment_plan_id"):
            return
        plan = self.store.table(PLAN).get(detail["payment_plan_id"])
        amount = decimal_of(detail.get("payment_amount"))
        if plan is None or amount is None:
            return
        received = (decimal_of(plan.get("actual_payment_amount")) or Decimal(0)) + sign * amount
        plan["actual_payment_amount"] = money_text(received, 2)
        plan["plan_payment_status"] = plan_status(plan, self.as_of)
        self.store.touch(plan, actor)


def plan_status(plan: Record, as_of: date) -> str:
    """回款状态 as Fxiaoke keeps it: completed when received covers the plan, overdue past the date."""
    if plan.get("life_status") == "invalid":
        return "incomplete"  # a void plan is no longer followed up
    planned = decimal_of(plan.get("plan_payment_amount")) or Decimal(0)
    received = decimal_of(plan.get("actual_payment_amount")) or Decimal(0)
    if planned > 0 and received >= planned:
        return "completed"
    if planned > 0 and int(plan.get("plan_payment_time") or 0) < date_ms(as_of):
        return "overdue"
    return "incomplete"


def _apply(record: Record, values: dict[str, Any]) -> None:
    for api_name, value in values.items():
        if value is None:
            record.pop(api_name, None)
        else:
            record[api_name] = value


def _from_python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, date):
        return date_ms(value)
    return value
