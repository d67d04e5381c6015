from django import forms
from django.utils.translation import gettext_lazy as _

from .models import (
    ANSWER_TEXT_MAX,
    QUESTION_TEXT_MAX,
    REASON_MAX,
    REVIEW_TEXT_MAX,
    REVIEW_TITLE_MAX,
)

STAR_CHOICES = [
    (5, _("5 stars — excellent")),
    (4, _("4 stars — good")),
    (3, _("3 stars — average")),
    (2, _("2 stars — poor")),
    (1, _("1 star — bad")),
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose from 1 to 5 stars.")},
    )
    title = forms.CharField(label=_("Title"), max_length=REVIEW_TITLE_MAX, required=False)
    text = forms.CharField(
        label=_("Your review"),
        max_length=REVIEW_TEXT_MAX,
        min_length=3,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What did you like or dislike? How do you use it?"),
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        max_length=QUESTION_TEXT_MAX,
        min_length=3,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("We will e-mail you the answer."),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        max_length=ANSWER_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Public reply"),
        max_length=ANSWER_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
