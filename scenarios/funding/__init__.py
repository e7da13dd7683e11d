"""Season funding plans and stress runs on scenarios: sampling, evaluation, reports."""
