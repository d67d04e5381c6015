from django.urls import path

from .views import account, cart, catalog, checkout, privacy_rights, receipts, security

app_name = "storefront"
urlpatterns = [
    # catalog and search (views/catalog.py)
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("p/<slug:slug>/", catalog.product, name="product"),
    path("search/", catalog.search, name="search"),
    # account (views/account.py)
    path("account/", account.overview, name="account"),
    path("account/login/", account.LoginView.as_view(), name="login"),
    path("account/logout/", account.LogoutView.as_view(), name="logout"),
    path("account/login/code/", security.two_factor_verify, name="two_factor_verify"),
    # security (views/security.py): second factor, log out everywhere
    path("account/security/", security.security, name="security"),
    path("account/security/two-step/", security.two_factor_setup, name="two_factor_setup"),
    path("account/security/two-step/off/", security.two_factor_off, name="two_factor_off"),
    path("account/security/recovery-codes/", security.recovery_codes, name="recovery_codes"),
    path(
        "account/security/log-out-everywhere/",
        security.log_out_everywhere,
        name="log_out_everywhere",
    ),
    path("account/privacy/export/", privacy_rights.privacy_export, name="privacy_export"),
    path(
        "account/privacy/export/download/<text:token>/",
        privacy_rights.privacy_export_download,
        name="privacy_export_download",
    ),
    path("account/privacy/delete/", privacy_rights.privacy_delete, name="privacy_delete"),
    path("account/privacy/deleted/", privacy_rights.privacy_deleted, name="privacy_deleted"),
    path("account/register/", account.register, name="register"),
    path("account/register/finish/<text:token>/", account.register_finish, name="register_finish"),
    path("account/addresses/", account.addresses, name="addresses"),
    path("account/addresses/new/", account.address_add, name="address_add"),
    path("account/addresses/<int:pk>/edit/", account.address_edit, name="address_edit"),
    path("account/addresses/<int:pk>/delete/", account.address_delete, name="address_delete"),
    path("account/addresses/<int:pk>/default/", account.address_default, name="address_default"),
    path("account/orders/", account.orders, name="orders"),
    path("account/orders/<text:number>/", account.order_detail, name="order_detail"),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/password-reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "account/password-reset/sent/",
        account.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/reset/done/",
        account.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # cart and checkout (views/cart.py, views/checkout.py)
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", cart.cart_add, name="cart_add"),
    path("cart/update/", cart.cart_update, name="cart_update"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/options/", checkout.checkout_options, name="checkout_options"),
    path(
        "checkout/done/<text:number>/",
        checkout.order_confirmation,
        name="order_confirmation",
    ),
    # a paid order's signed receipt (views/receipts.py)
    path("orders/<text:number>/receipt/", receipts.receipt, name="receipt"),
    path("orders/<text:number>/receipt.pdf", receipts.receipt_pdf, name="receipt_pdf"),
    path("orders/<text:number>/receipt.json", receipts.receipt_file, name="receipt_file"),
    path("receipts/verify/", receipts.receipt_verify, name="receipt_verify"),
]
