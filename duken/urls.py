from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from duken.backoffice.views.login import AdminLoginView
from duken.core.files import serve_media
from duken.core.views import healthz, security_txt

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own: the login lockout and the second step of the shop's login.
    path("admin/login/", AdminLoginView.as_view(), name="admin_login"),
    path("admin/", admin.site.urls),
    path("backoffice/", include("duken.backoffice.urls")),
    path("", include("duken.conversations.urls")),
    path("", include("duken.needs.urls")),
    path("", include("duken.recommendations.urls")),
    path("", include("duken.payments.urls")),
    path("", include("duken.orders.urls")),
    path("", include("duken.privacy.urls")),
    path("", include("duken.storefront.urls")),
]

if settings.DEBUG or settings.MEDIA_URL.startswith("/"):
    # Uploaded media from local disk (images inline, anything else only as a download); a
    # production deployment puts object storage or the front web server in front of MEDIA_URL.
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media))

admin.site.site_header = "Duken"
admin.site.site_title = "Duken back office"
admin.site.index_title = "Back office"
