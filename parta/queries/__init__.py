"""Read-only queries, always scoped to what the caller may see."""
