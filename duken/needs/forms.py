from django import forms
from django.utils.translation import gettext_lazy as _

from duken.customers.models import CustomerFact

from .models import REQUEST_TEXT_MAX


class ProductRequestForm(forms.Form):
    text = forms.CharField(
        label=_("What are you looking for?"),
        max_length=REQUEST_TEXT_MAX,
        min_length=3,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A product, a brand, a size or colour: we read every request."),
    )
    email = forms.EmailField(
        label=_("Your e-mail (optional)"),
        required=False,
        help_text=_("We write to you when we find it."),
    )
    query = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, guest=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not guest:
            del self.fields["email"]


class BackInStockForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail"), max_length=254, required=False)


class FactForm(forms.Form):
    text = forms.CharField(
        label=_("Something we should know"),
        max_length=CustomerFact.MAX_LENGTH,
        help_text=_("For example: my shoe size is 42; I am allergic to nuts; deliver after 6 pm."),
    )
