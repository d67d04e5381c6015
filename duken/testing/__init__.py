"""Helpers shared by tests across apps (never imported by the running shop)."""
