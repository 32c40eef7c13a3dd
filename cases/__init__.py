"""Cases, users, roles and the tamper-evident audit trail (SQLite in the workspace)."""
