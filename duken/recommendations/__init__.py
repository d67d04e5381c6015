"""Recommendations: models, training, serving, offline evaluation."""
