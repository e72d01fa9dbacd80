"""A wire-level Zoho CRM v8 emulator: accounts host and API host on one HTTPS origin.

    with ZohoSandbox(accounts=500, seed=7) as zoho:        # or ZohoSandbox(...).start() / .stop()
        settings = dict(api_domain=zoho.url, accounts_url=zoho.url, ca_bundle=str(zoho.ca_pem),
                        client_id=zoho.client_id, client_secret=zoho.client_secret,
                        refresh_token=zoho.refresh_token)
        zoho.update_record("Accounts", zoho.ids("Accounts")[0], {"Phone": "1"})   # a user edit
        zoho.reject("Accounts", ids=[...], code="RECORD_LOCKED")                  # per-record 207s
        zoho.faults.add(Fault(status=429, times=2))                                 # bursts, latency
        zoho.expire_tokens(); zoho.revoke_token(); zoho.advance(3600)
        zoho.calls.count("PUT", "/crm/v8/Accounts"); zoho.credits_used; zoho.deliveries

Other processes use the same controls over HTTP under `/__sandbox__/` (see `control.py`).
"""

from sandbox.zoho.sandbox import ZohoSandbox

__all__ = ["ZohoSandbox"]
