"""What the tests share: factories that build real rows (no mocks)."""
