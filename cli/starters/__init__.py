"""Starter configs `crm-credit init` writes, one per CRM kind (package data)."""
