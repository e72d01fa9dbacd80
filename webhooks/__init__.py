"""`crm-credit serve`: verify CRM notifications, deduplicate them and enqueue jobs (DESIGN §5).

Webhooks never write to a CRM: they hand changes to `sync.queue`, whose worker fetches, evaluates
and pushes. `webhooks.app.create_app` builds the FastAPI application.
"""
