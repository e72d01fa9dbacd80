"""A wire-level Zoho CRM v8 emulator: accounts host and API host on one HTTPS origin."""

from sandbox.zoho.sandbox import ZohoSandbox

__all__ = ["ZohoSandbox"]
