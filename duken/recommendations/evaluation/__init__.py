"""Offline evaluation of recommendation models on Online Retail-format purchase data.

``protocol`` cleans and splits the data exactly as documented in docs/recommendations.md,
``metrics`` scores ranked lists, ``tuning`` picks hyper-parameters on a split inside train, and
``runner`` fits every model on train and scores it on test in one run.
"""


class EvaluationError(Exception):
    """Bad input: the message says what is wrong in words a user can act on."""
