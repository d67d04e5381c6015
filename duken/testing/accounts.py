"""Staff in tests: a real authenticator device (django-otp's TOTP) and a session that passed
it, as after entering a code. No mock: the middleware, ``staff_permission`` and the chat read
the same session keys and device rows as in the shop."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator app, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app")


def login_verified(client, user):
    """``client.force_login(user)`` with the session verified by the user's authenticator
    (made if needed): staff pass the second factor. Returns the client."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
    return client


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` periods later: a code is
    accepted once, and one step of clock drift either way)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(page, user) -> None:
    """In a browser test, on the code page after the password: type the code the user's
    authenticator app shows (the device must exist before the password step)."""
    page.fill("#id_code", totp_code(authenticator(user)))
    page.locator("main form button.btn-primary").click()
