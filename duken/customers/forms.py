import uuid

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm as DjangoAdminUserCreationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from duken.outbox import services as outbox
from duken.shipping import regions

from . import registration, services
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
        help_text=_("At least 12 characters, not only digits and not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def register(self, *, language="") -> str | None:
        """Keep the sign-up and e-mail its address (``registration``); returns the address.
        On bad input the errors land on the form and None is returned."""
        try:
            return registration.request_registration(
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
    """Django's password reset form, with the e-mail sent by a background task: the request
    does the same work whether or not the address has an account, so its timing does not tell
    (the page is the same either way). Each e-mail sent is kept on the customer's timeline."""

    subject_template = "registration/password_reset_subject.txt"
    email_template = "registration/password_reset_email.txt"
    html_email_template = "registration/password_reset_email.html"

    def save(self, domain_override=None, use_https=False, request=None, **kwargs):
        from .tasks import send_password_reset

        domain = domain_override or (request.get_host() if request is not None else "")
        send_password_reset.enqueue(
            email=self.cleaned_data["email"],
            domain=domain,
            use_https=bool(use_https),
            language=get_language() or "",
        )

    def send_now(self, *, domain: str, use_https: bool) -> None:
        """Send the reset e-mail to the accounts with the address (none: nothing is sent)."""
        super().save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=self.subject_template,
            email_template_name=self.email_template,
            html_email_template_name=self.html_email_template,
        )

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Queue the reset e-mail in the outbox (Django's form would send it at once)."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        message = EmailMultiAlternatives(
            subject=subject,
            body=loader.render_to_string(email_template_name, context),
            from_email=from_email,
            to=[to_email],
        )
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        outbox.email(
            message,
            key=f"password-reset:{uuid.uuid4().hex}",
            kind="password_reset",
            user=context.get("user"),
        )
