"""Fxiaoke's answer envelope: always HTTP 200, success only when `errorCode` is 0.

Codes follow the published 全局返回码 table where the gateway was seen to agree with it, and the
probed behaviour where it was not (reference fxiaoke.md §1 "Envelope & errors"): bad or missing
credentials on the token call → 10006, no auth at all → 20017, a bad or expired token → 20016,
offset beyond 10,000 → 10013, an unknown path → 10006 ("… is not exists").
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response

OK = 0
SYSTEM_BUSY = -1
BAD_CREDENTIALS = 10006  # probed: missing/illegal appSecret; also the gateway's unknown-path answer
OFFSET_OUT_OF_RANGE = 10013  # deep-paging FAQ (the code table calls it "missing corpAccessToken")
EMPTY_BODY = 12004
RATE_LIMITED = 14001  # 接口调用超过限制: the per-interface 100 calls / 20 s window
TOKEN_INVALID = 20016
AUTH_MISSING = 20017  # probed: no corpAccessToken and no authorization header
EMPLOYEE_NOT_FOUND = 30027
OPEN_USER_NOT_FOUND = 20012
DAILY_QUOTA = 30002
NO_QUOTA_BOUGHT = 30003
PER_SECOND_LIMIT = 30004
PARAMETER_ERROR = 32000
SERVICE_ERROR = 50009

MESSAGES: dict[int, str] = {
    SYSTEM_BUSY: "系统繁忙",
    BAD_CREDENTIALS: "the parameter appSecret is missing or illegal",
    OFFSET_OUT_OF_RANGE: "offset out of range 10000",
    EMPTY_BODY: "POST的数据包为空",
    RATE_LIMITED: "接口调用超过限制",
    TOKEN_INVALID: "the cropId,cropAccessToken or authorization is error",
    AUTH_MISSING: "corpAccessToken为必填项，不能为空",
    EMPLOYEE_NOT_FOUND: "员工不存在",
    OPEN_USER_NOT_FOUND: "openUserId未找到",
    DAILY_QUOTA: "当天访问频次超限（0点重新统计）",
    NO_QUOTA_BOUGHT: "客户没有购买openapi配额，需要提open api订单进行购买",
    PER_SECOND_LIMIT: "秒频次超限",
    PARAMETER_ERROR: "参数错误",
    SERVICE_ERROR: "服务异常，如:超时",
}

# What a fault given only as an HTTP status means once the gateway wraps it in its envelope.
STATUS_TO_CODE = {400: PARAMETER_ERROR, 401: TOKEN_INVALID, 403: 20020, 429: RATE_LIMITED, 500: SYSTEM_BUSY}


class FxError(Exception):
    """A business error: answered as HTTP 200 with this errorCode."""

    def __init__(self, code: int, message: str | None = None, description: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message or MESSAGES.get(code, "error")
        self.description = description


def trace_id() -> str:
    """A fresh server trace id in the gateway's `E-O.` form."""
    return f"E-O.sandbox.{uuid.uuid4().hex[:16]}"


def ok(**fields: Any) -> JSONResponse:
    """A success answer: the common fields plus whatever the call returns."""
    body = {"traceId": trace_id(), "errorDescription": "success", "errorMessage": "OK", "errorCode": OK}
    body.update(fields)
    return JSONResponse(body)


def fail(error: FxError) -> JSONResponse:
    """An error answer, still HTTP 200 as the real gateway answers."""
    body: dict[str, Any] = {"traceId": trace_id(), "errorCode": error.code, "errorMessage": error.message}
    if error.description:
        body["errorDescription"] = error.description
    return JSONResponse(body)


def fault_body(status: int, code: str) -> Response:
    """The answer to an injected fault: a bare HTTP error for transport faults, else the envelope.

    A 5xx without an errorCode is a load balancer failing in front of the gateway (the only time
    Fxiaoke answers anything but 200); everything else is wrapped like a business error.
    """
    if status >= 500 and not code:
        return PlainTextResponse(f"<html><body><h1>{status} Service Unavailable</h1></body></html>", status)
    number = int(code) if code else STATUS_TO_CODE.get(status, SYSTEM_BUSY)
    return fail(FxError(number))
