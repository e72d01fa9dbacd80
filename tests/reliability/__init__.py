"""Reliability suite (issue 9): crash-resume under kill -9, and CRM faults survived, classified and shown."""
