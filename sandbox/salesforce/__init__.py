"""A wire-level Salesforce emulator: `SalesforceSandbox` (see sandbox/salesforce/sandbox.py)."""

from sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
