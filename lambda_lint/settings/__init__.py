"""What to report: configuration, code selection and noqa comments (no analysis)."""
