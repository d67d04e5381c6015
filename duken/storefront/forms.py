"""The storefront's forms that belong to no single app: the one-page checkout."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duken.customers import services as customers
from duken.customers.models import Address
from duken.shipping import regions


class CheckoutForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32)
    saved_address = forms.CharField(required=False)
    full_name = forms.CharField(label=gettext_lazy("Recipient"), max_length=120, required=False)
    country = forms.CharField(
        label=gettext_lazy("Country"), max_length=64, initial=regions.HOME_COUNTRY
    )
    region = forms.CharField(label=gettext_lazy("Region"), max_length=64, required=False)
    city = forms.CharField(label=gettext_lazy("City or settlement"), max_length=80, required=False)
    street = forms.CharField(
        label=gettext_lazy("Street, house, flat"), max_length=200, required=False
    )
    postcode = forms.CharField(label=gettext_lazy("Postcode"), max_length=12, required=False)
    delivery_method = forms.CharField(max_length=50, required=False)
    pickup_point = forms.CharField(max_length=20, required=False)
    payment_method = forms.CharField(max_length=32, required=False)
    accept_backorder = forms.BooleanField(required=False)
    note = forms.CharField(
        label=gettext_lazy("Note for the shop"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    checkout_token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_phone(self):
        phone = customers.normalize_phone(self.cleaned_data["phone"])
        customers.validate_phone(phone)
        return phone

    def saved(self):
        """The customer's saved address chosen on the form, if any."""
        pk = (self.data.get("saved_address") or "").strip()
        if not pk.isdecimal() or self.user is None or not self.user.is_authenticated:
            return None
        try:
            return customers.get_address(self.user, int(pk))
        except Address.DoesNotExist:  # someone else's or a deleted address
            return None

    def clean(self):
        data = super().clean()
        address = self.saved()
        if address is not None:
            for key, value in customers.address_as_dict(address).items():
                if key != "phone":
                    data[key] = value
        country = regions.country_value(data.get("country") or "")
        data["country"] = country
        region = (data.get("region") or "").strip()
        if country.casefold() == regions.HOME_COUNTRY.casefold():
            if region and region not in regions.REGION_VALUES:
                self.add_error("region", _("Choose a region from the list."))
            if region in regions.CITY_REGIONS and not (data.get("city") or "").strip():
                data["city"] = region
        return data

    def address(self) -> dict:
        data = self.cleaned_data
        keys = ("full_name", "country", "region", "city", "street", "postcode")
        return {key: (data.get(key) or "").strip() for key in keys}
