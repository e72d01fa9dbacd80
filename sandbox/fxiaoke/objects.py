"""The preset objects the credit product reads, with the fields the public sources document.

Preset field names come from reference fxiaoke.md §3 (S18 real-tenant classes, S19 Fxiaoke's own
constants). Whatever the sources leave UNVERIFIED — annual revenue, employees, the founding date,
the financial statements, an order's uninvoiced amount — lives in admin-created custom fields with
generated names, as it would in a real tenant (S18 shows 成立日期 as `field_2740P__c`).
`parent_account_id`, `country` and `mc_currency` are the sandbox's best guess at preset names.
"""

from __future__ import annotations

from sandbox.fxiaoke.schema import (
    BOOLEAN,
    CURRENCY,
    DATE,
    DATE_TIME,
    DEPARTMENT,
    EMPLOYEE,
    LONG_TEXT,
    NUMBER,
    REFERENCE,
    RELATED,
    SELECT_ONE,
    TEXT,
    FieldDef,
    NameMint,
    ObjectDef,
    Option,
    Schema,
)
from sandbox.portfolio import COUNTRIES, INDUSTRIES

LIFE_STATUSES = ("ineffective", "under_review", "normal", "in_change", "invalid")  # S19 SystemConstants
PLAN_STATUSES = (("incomplete", "未完成"), ("completed", "已完成"), ("overdue", "已逾期"))  # S19 PaymentPlanObj
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "CAD", "MXN", "HKD", "JPY")
PAYMENT_TERMS = (("1", "支票"), ("2", "现金"), ("3", "银行转账"), ("10000", "预存款"), ("10001", "返利"))
DEFAULT_RECORD_TYPE = "default__c"

# Labels of the custom fields the sandbox tenant already has; keys are canonical record names.
ACCOUNT_CUSTOM = {
    "annual_revenue": ("年营业额", CURRENCY),
    "employees": ("员工人数", NUMBER),
    "established_on": ("成立日期", DATE),
    "financials.total_assets": ("总资产", CURRENCY),
    "financials.total_liabilities": ("总负债", CURRENCY),
    "financials.current_assets": ("流动资产", CURRENCY),
    "financials.current_liabilities": ("流动负债", CURRENCY),
    "financials.retained_earnings": ("留存收益", CURRENCY),
    "financials.ebit": ("息税前利润", CURRENCY),
    "financials.sales": ("营业收入", CURRENCY),
    "financials.equity": ("所有者权益", CURRENCY),
    "financials.intangible_assets": ("无形资产", CURRENCY),
    "financials.operating_cash_flow": ("经营活动现金流", CURRENCY),
}
ORDER_CUSTOM = {"uninvoiced_amount": ("未开票金额", CURRENCY)}
CREDIT_FILE_LABEL = "客户信用档案"


def _select(
    api: str, label: str, pairs: list[tuple[str, str]], readonly: bool = False, define: str = "package"
) -> FieldDef:
    options = tuple(Option(v, t) for v, t in pairs)
    return FieldDef(api, label, SELECT_ONE, define_type=define, readonly=readonly, options=options)


def _money(api: str, label: str, required: bool = False, readonly: bool = False) -> FieldDef:
    return FieldDef(api, label, CURRENCY, required=required, readonly=readonly, decimal_places=2)


def _ref(api: str, label: str, target: str, required: bool = False) -> FieldDef:
    return FieldDef(api, label, REFERENCE, required=required, target=target)


def _system(api: str, label: str, type_: str) -> FieldDef:
    return FieldDef(api, label, type_, define_type="system", readonly=True)


def system_fields(record_types: tuple[Option, ...] = (Option(DEFAULT_RECORD_TYPE, "预设业务类型"),)) -> list[FieldDef]:
    """Fields every object has (S19 CrmPackageObjectConstants); of these only `name` is writable."""
    return [
        _system("_id", "ID", TEXT),
        FieldDef("name", "名称", TEXT, required=True, max_length=100),
        FieldDef("owner", "负责人", EMPLOYEE, required=True, readonly=True),  # changed only by changeOwner
        _system("owner_department", "负责人所在部门", DEPARTMENT),
        FieldDef("record_type", "业务类型", SELECT_ONE, define_type="system", options=record_types),
        _select("life_status", "生命状态", [(s, s) for s in LIFE_STATUSES], readonly=True, define="system"),
        _select("lock_status", "锁定状态", [("0", "未锁定"), ("1", "锁定")], readonly=True, define="system"),
        _system("is_deleted", "是否删除", BOOLEAN),
        _system("created_by", "创建人", EMPLOYEE),
        _system("create_time", "创建时间", DATE_TIME),
        _system("last_modified_by", "最后修改人", EMPLOYEE),
        _system("last_modified_time", "最后修改时间", DATE_TIME),
        _system("object_describe_api_name", "对象", TEXT),
    ]


def _currency() -> FieldDef:
    return _select("mc_currency", "币种", [(c, c) for c in CURRENCIES])


def _account(schema: Schema) -> ObjectDef:
    industries = [(str(i + 1), name) for i, name in enumerate(INDUSTRIES)]
    countries = [(str(248 + i), name) for i, name in enumerate(dict.fromkeys(COUNTRIES))]
    account = ObjectDef("AccountObj", "客户", "package").add(
        *system_fields(),
        FieldDef("account_no", "客户编号", TEXT, max_length=100),
        _select("industry_level1", "1级行业", industries),
        _ref("parent_account_id", "上级客户", "AccountObj"),
        _select("country", "国家", countries),
        _currency(),
        FieldDef("tel", "电话", TEXT, max_length=100),
    )
    return account.add(*(schema.custom_field(label, type_) for label, type_ in ACCOUNT_CUSTOM.values()))


def _order(schema: Schema) -> ObjectDef:
    order = ObjectDef("SalesOrderObj", "销售订单", "package").add(
        *system_fields(),
        _ref("account_id", "客户名称", "AccountObj", required=True),
        _money("order_amount", "销售订单金额(元)"),
        FieldDef("order_time", "下单日期", DATE),
        _currency(),
        FieldDef("remark", "备注", TEXT, max_length=1000),
    )
    return order.add(*(schema.custom_field(label, type_) for label, type_ in ORDER_CUSTOM.values()))


def _plan(credit_note_type: Option) -> ObjectDef:
    record_types = (Option(DEFAULT_RECORD_TYPE, "预设业务类型"), credit_note_type)
    return ObjectDef("PaymentPlanObj", "回款计划", "package").add(
        *system_fields(record_types),
        _ref("account_id", "客户名称", "AccountObj", required=True),
        _ref("order_id", "销售订单", "SalesOrderObj"),
        _money("order_amount", "订单金额", readonly=True),
        _money("plan_payment_amount", "计划回款金额", required=True),
        FieldDef("plan_payment_time", "计划回款日期", DATE, required=True),
        _select("plan_payment_method", "计划回款方式", list(PAYMENT_TERMS[:3])),
        _select("plan_payment_status", "回款状态", list(PLAN_STATUSES), readonly=True),  # kept by the system
        _money("actual_payment_amount", "实际回款金额", readonly=True),  # rolled up from 回款明细
        FieldDef("remind_time", "提醒日期", DATE),
        _currency(),
    )


def _payment() -> ObjectDef:
    return ObjectDef("PaymentObj", "回款", "package").add(
        *system_fields(),
        _ref("account_id", "客户名称", "AccountObj", required=True),
        _ref("order_id", "销售订单", "SalesOrderObj"),
        _money("payment_amount", "本次回款金额", required=True),
        FieldDef("payment_time", "回款日期", DATE, required=True),
        _select("payment_term", "回款方式", list(PAYMENT_TERMS)),
        FieldDef("notification_time", "通知日期", DATE),
        _currency(),
    )


def _order_payment() -> ObjectDef:
    return ObjectDef("OrderPaymentObj", "回款明细", "package").add(
        *system_fields(),
        _ref("payment_id", "回款", "PaymentObj", required=True),
        _ref("account_id", "客户名称", "AccountObj", required=True),
        _ref("order_id", "销售订单", "SalesOrderObj"),
        _ref("payment_plan_id", "回款计划", "PaymentPlanObj"),
        _money("payment_amount", "本次回款金额", required=True),
        FieldDef("payment_time", "回款日期", DATE),
        _select("payment_term", "回款方式", list(PAYMENT_TERMS)),
        _currency(),
    )


def _personnel() -> ObjectDef:
    return ObjectDef("PersonnelObj", "人员", "package").add(
        *system_fields(),
        FieldDef("full_name", "姓名", TEXT, max_length=100),
        FieldDef("user_id", "员工ID", TEXT, readonly=True),
        FieldDef("employee_number", "员工编号", TEXT, max_length=100),
        FieldDef("phone", "手机号", TEXT, max_length=100),
        _select("status", "员工状态", [("0", "启用"), ("1", "停用")]),
        FieldDef("main_department", "主属部门", DEPARTMENT),
    )


def _schedule() -> ObjectDef:
    # 日程 ScheduleObj (official object list, fsxiaoke/sharecrm-cli-skills references/objectApiNames.md); its
    # fields as Fxiaoke's own report skill lists them for queries: participants, content, begin_time,
    # end_time, related_object_data. Which of them a tenant requires is UNVERIFIED; begin and end are
    # required here because a schedule without a time has nowhere to sit on the calendar.
    return ObjectDef("ScheduleObj", "日程", "package").add(
        *system_fields(),
        FieldDef("content", "日程内容", LONG_TEXT, max_length=2000),
        FieldDef("begin_time", "开始时间", DATE_TIME, required=True),
        FieldDef("end_time", "结束时间", DATE_TIME, required=True),
        FieldDef("participants", "参与人", EMPLOYEE),
        FieldDef("related_object_data", "关联对象", RELATED),
    )


def build_schema(seed: int) -> tuple[Schema, str, str]:
    """The tenant's objects; also the credit-note record type and the credit-file object names."""
    schema = Schema([], NameMint(seed))
    credit_note = Option(schema.mint.record_type(), "贷项通知单")
    for definition in (
        _account(schema),
        _order(schema),
        _plan(credit_note),
        _payment(),
        _order_payment(),
        _personnel(),
        _schedule(),
    ):
        schema.objects[definition.api_name] = definition
    credit_file = schema.add_custom_object(
        CREDIT_FILE_LABEL,
        [
            schema.custom_field("客户", REFERENCE, target="AccountObj", required=True),
            schema.custom_field("信用额度", CURRENCY),
            schema.custom_field("评估日期", DATE),
        ],
    )
    return schema, credit_note.value, credit_file.api_name
