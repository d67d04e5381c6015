"""The admin's login page (``/admin/login/``): Django's admin login with the shop's login
lockout and, for staff with a second factor, the code page after the password. Staff without
one are sent to set it up before the first admin page opens (``core.second_factor``)."""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from duken.core.redirects import safe_next
from duken.customers import twofactor


class AdminLoginView(auth_views.LoginView):
    authentication_form = AdminAuthenticationForm
    template_name = "admin/login.html"

    def dispatch(self, request, *args, **kwargs):
        request.current_app = admin.site.name
        if request.method == "GET" and admin.site.has_permission(request):
            return redirect(safe_next(request, reverse("admin:index")))
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        return reverse("admin:index")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            admin.site.each_context(self.request),
            title=_("Log in"),
            subtitle=None,
            app_path=self.request.get_full_path(),
            username=self.request.user.get_username(),
        )
        if not context.get(REDIRECT_FIELD_NAME):
            context[REDIRECT_FIELD_NAME] = reverse("admin:index")
        return context

    def form_valid(self, form):
        user = form.get_user()
        return twofactor.second_step(self.request, user, self.get_success_url()) or (
            super().form_valid(form)
        )
