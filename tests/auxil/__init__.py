"""Shared builders for the tests (PTB's own test layout keeps them in tests/auxil/)."""
