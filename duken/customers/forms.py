from django import forms
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from duken.checkout import regions

from . import services
from .models import Address, User


class RegistrationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=User._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not only digits and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def register(self, *, language="") -> User | None:
        """Create the account; on bad input the errors land on the form and None is returned."""
        try:
            return services.register_customer(
                email=self.cleaned_data["email"],
                password=self.cleaned_data["password"],
                first_name=self.cleaned_data["first_name"],
                last_name=self.cleaned_data.get("last_name", ""),
                language=language,
            )
        except ValidationError as exc:
            self.add_error(None, exc)
            return None


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [
            "full_name",
            "phone",
            "country",
            "region",
            "city",
            "street",
            "postcode",
            "is_default",
        ]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "country": forms.TextInput(attrs={"autocomplete": "country-name", "list": "countries"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1", "list": "regions"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "street": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Countries and regions are stored in English and shown in the reader's language.
        if not self.is_bound:
            self.initial["country"] = regions.country_label(
                self.initial.get("country") or regions.HOME_COUNTRY
            )
            self.initial["region"] = regions.region_label(self.initial.get("region") or "")

    def country_names(self):
        return [str(label) for _value, label in regions.COUNTRIES]

    def region_names(self):
        return [str(label) for _group, choices in regions.REGION_CHOICES for _v, label in choices]

    def clean_country(self):
        return regions.country_value(self.cleaned_data.get("country", ""))

    def clean_region(self):
        return regions.region_value(self.cleaned_data.get("region", ""))

    def clean(self):
        data = super().clean()
        region = data.get("region") or ""
        if data.get("country") == regions.HOME_COUNTRY and region:
            if region not in regions.REGION_VALUES:
                self.add_error("region", _("Choose a region from the list."))
        return data

    def save(self, commit=True, *, user=None):
        """Persist through customers.services; validation errors land on the form."""
        fields = {name: self.cleaned_data[name] for name in services.ADDRESS_FIELDS}
        is_default = self.cleaned_data.get("is_default", False)
        try:
            if self.instance.pk:
                return services.update_address(self.instance, is_default=is_default, **fields)
            return services.add_address(user, is_default=is_default, **fields)
        except ValidationError as exc:
            self.add_error(None, exc)
            return None


class AdminUserCreationForm(DjangoAdminUserCreationForm):
    """The admin's "add customer/staff" form for our e-mail-based user."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail address already exists."))
        return email


class AdminUserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("An account with this e-mail address already exists."))
        return email


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's password reset form; each e-mail it sends is kept on the customer's timeline."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            to_email,
            html_email_template_name,
        )
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        services.record_sent_email(
            to=to_email, subject=subject, kind="password_reset", user=context.get("user")
        )
