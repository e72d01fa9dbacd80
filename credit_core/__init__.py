"""Pure credit domain: canonical records and policy in, decisions out. No I/O, no CRM names."""
