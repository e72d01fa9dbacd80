"""SOAP `login` (partner API), answered as Salesforce does: loginResponse, or HTTP 500 with a SOAP Fault.

Any path ending in /services/Soap/u/{version} is served, so simple-salesforce's `domain=` (which
builds https://{domain}.salesforce.com/...) can be pointed at the sandbox.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element  # only for typing; parsing goes through defusedxml
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from starlette.requests import Request
from starlette.responses import Response

from sandbox.salesforce.state import API_VERSIONS, SandboxState

XML = "text/xml;charset=UTF-8"
_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
)
INVALID_LOGIN = "Invalid username, password, security token; or user locked out."


def fault(code: str, message: str, fault_type: str = "LoginFault") -> Response:
    """HTTP 500 with the SOAP Fault Salesforce sends (simple-salesforce reads sf:exceptionCode/Message)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {escape(message)}"
        f'</faultstring><detail><sf:{fault_type} xsi:type="sf:{fault_type}"><sf:exceptionCode>{code}'
        f"</sf:exceptionCode><sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:{fault_type}>"
        "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, 500, media_type=XML)


def _login_fields(payload: bytes) -> tuple[str, str] | None:
    try:
        root: Element = ElementTree.fromstring(payload)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "login":
            values = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in element}
            if "username" in values and "password" in values:
                return values["username"], values["password"]
    return None


def _user_info(state: SandboxState, username: str) -> str:
    org = state.org
    users = org.tables["user"]
    index = users.index_of(org.api_user_id)
    row = users.rows[index] if index is not None else None
    value = {f.name: (row[f.slot] if row is not None else None) for f in users.sobject.fields}
    return (
        "<userInfo><accessibilityMode>false</accessibilityMode><chatterExternal>false</chatterExternal>"
        '<currencySymbol xsi:nil="true"/><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>'
        f'<orgDefaultCurrencyIsoCode xsi:nil="true"/><orgDefaultCurrencyLocale xsi:nil="true"/>'
        "<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments><orgHasPersonAccounts>false"
        f"</orgHasPersonAccounts><organizationId>{org.org_id}</organizationId><organizationMultiCurrency>true"
        "</organizationMultiCurrency><organizationName>crm-credit Sandbox Org</organizationName>"
        f'<profileId>{value["ProfileId"]}</profileId><roleId xsi:nil="true"/><sessionSecondsValid>7200'
        f"</sessionSecondsValid><userDefaultCurrencyIsoCode>{org.corporate_currency}</userDefaultCurrencyIsoCode>"
        f"<userEmail>{escape(str(value['Email']))}</userEmail><userFullName>{escape(str(value['Name']))}"
        f"</userFullName><userId>{org.api_user_id}</userId><userLanguage>en_US</userLanguage><userLocale>en_US"
        f"</userLocale><userName>{escape(username)}</userName><userTimeZone>GMT</userTimeZone><userType>Standard"
        "</userType><userUiSkin>Theme3</userUiSkin></userInfo>"
    )


async def soap_login(request: Request, state: SandboxState) -> Response:
    """POST */services/Soap/u/{version}."""
    version = request.path_params["version"]
    if version not in API_VERSIONS:
        return fault(
            "UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}", "UnexpectedErrorFault"
        )
    fields = _login_fields(await request.body())
    if fields is None:
        return fault("INVALID_LOGIN", INVALID_LOGIN)
    username, password = fields
    if not state.credentials.password_ok(username, password):
        return fault("INVALID_LOGIN", INVALID_LOGIN)
    session = state.sessions.issue(state.org.api_user_id)
    base = f"{request.url.scheme}://{request.url.netloc}"
    org_id = state.org.org_id
    result = (
        f"<loginResponse><result><metadataServerUrl>{base}/services/Soap/m/{version}/{org_id}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{org_id}</serverUrl><sessionId>{session.token}</sessionId>"
        f"<userId>{state.org.api_user_id}</userId>{_user_info(state, username)}</result></loginResponse>"
    )
    return Response(_ENVELOPE.format(body=result), 200, media_type=XML)
