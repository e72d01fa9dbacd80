"""A wire-level Salesforce emulator for tests, the demo and benchmarks.

    with SalesforceSandbox(accounts=200, seed=7) as sf_org:
        session = requests.Session(); session.trust_env = False; session.verify = str(sf_org.ca_pem)
        creds = sf_org.credentials
        sf = Salesforce(username=creds.username, password=creds.password, security_token=creds.security_token,
                        domain=sf_org.url.removeprefix("https://") + "/login", session=session)
        # or: Salesforce(instance_url=sf_org.url, session_id=sf_org.issue_session(), session=session)

Served (every path also under any prefix for the two login endpoints, so simple-salesforce's
`domain=` can point at the sandbox): SOAP login `/services/Soap/u/{v}`, OAuth `/services/oauth2/token`
(password, client_credentials, JWT bearer, refresh_token), `/services/oauth2/userinfo`; under
`/services/data/v31.0 … v64.0`: query/queryAll (+ cursors), sobjects (global describe, describe,
CRUD, updated/, deleted/), composite/sobjects, jobs/query (Bulk 2.0), limits, and tooling
(query, sobjects/CustomField create/update/delete, sobjects/Layout read/update). Field-level
security for new fields is granted with POST sobjects/FieldPermissions (ParentId = a permission set of
the API user: its profile's own set, `IsOwnedByProfile = true`, or one assigned through
PermissionSetAssignment). The control API is `SalesforceSandbox` (sandbox.py) and, for other
processes, HTTP under /__sandbox__ (control_http.py). Data comes from sandbox/portfolio.py, where the
hidden risk formula is documented.

Not served: child subqueries, TYPEOF, HAVING, semi-joins, polymorphic (What./Who.) traversal, upsert
by external id, Bulk 1.0, Bulk 2.0 ingest, the Metadata SOAP API and X-PrettyPrint formatting.
"""

from sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
