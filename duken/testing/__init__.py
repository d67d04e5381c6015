"""What the tests share: factories that build real rows (no mocks), the URL walk and the fuzzer
(never imported by the running shop)."""
