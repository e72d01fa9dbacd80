"""Jinja2 templates of the report and the admin pages (package data)."""
