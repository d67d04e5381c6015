"""The conversations' business operations, in one place to import from.

Reviews live in ``reviews.py``, questions and answers in ``questions.py``, promises in
``promises.py``; this module gathers their public functions."""

from .promises import (  # noqa: F401
    PromiseClosed,
    assign,
    close_promise,
    default_owner,
    dismiss_promise,
    open_count,
    open_promise,
    open_promises,
    overdue,
    promise_for,
)
from .questions import (  # noqa: F401
    AnswerRefused,
    answer,
    answered,
    ask,
    is_visible_to,
    may_answer,
    set_hidden,
)
from .reviews import (  # noqa: F401
    AlreadyVoted,
    NotAPurchaser,
    OwnReview,
    ReviewError,
    approve,
    is_verified_buyer,
    pending,
    published,
    refresh_rating,
    reject,
    reply,
    submit_review,
    verified_lines,
    vote_helpful,
)
