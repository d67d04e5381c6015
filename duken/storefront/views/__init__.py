"""Shopper-facing views, one module per area; each stays thin and calls the domain services."""
