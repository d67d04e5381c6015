"""The customer's own profile facts, corrected from the "What we remember" page."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from duken.customers.services import normalize_phone, validate_phone


class ProfileForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Not chosen"))] + list(settings.LANGUAGES),
        help_text=_("The language of the shop and of our e-mails to you."),
    )

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone:
            try:
                validate_phone(phone)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return phone

    def clean(self):
        cleaned = super().clean()
        for name in ("first_name", "last_name", "country"):
            if name in cleaned:
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned

    @classmethod
    def for_user(cls, user, data=None):
        initial = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "country": user.country,
            "language": user.language,
        }
        return cls(data=data, initial=initial)
