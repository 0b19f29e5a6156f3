"""Thin HTTP routers: parse, resolve the caller, call one action or query, return a schema."""
