import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from duken.outbox.models import Message
from duken.privacy import export
from duken.privacy.models import DataExport
from duken.privacy.tests.rights_data import rich_customer

KINDS = [
    "profile",
    "addresses",
    "orders",
    "order_lines",
    "payments",
    "interactions",
    "searches",
    "consents",
    "facts",
    "forgotten",
    "second_factor",
    "emails",
    "reviews",
    "questions",
    "chats",
    "chat_messages",
    "wishlist",
    "back_in_stock",
    "product_requests",
]


@pytest.fixture
def aliya(db):
    return rich_customer("aliya@example.kz", name="Aliya", visitor="v-aliya")[0]


@pytest.fixture
def daulet(db):
    return rich_customer("daulet@example.kz", name="Daulet", visitor="v-daulet")[0]


def _ask(client, user, capture):
    client.force_login(user)
    with capture(execute=True):
        response = client.post("/account/privacy/export/")
    assert response.status_code == 302
    return DataExport.objects.get(user=user)


def _link(message: Message) -> str:
    return re.search(r"https?://\S+/account/privacy/export/download/\S+/", message.text).group(0)


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_customer_gets_an_email_with_a_link_to_a_zip_of_all_their_data(
    client, aliya, daulet, django_capture_on_commit_callbacks
):
    # given Aliya and Daulet each with orders, events, reviews, chats, ...
    # when Aliya asks for her data (the worker's task runs on the commit)
    made = _ask(client, aliya, django_capture_on_commit_callbacks)
    # then the export is ready in private storage, never under media
    assert made.status == DataExport.Status.READY and made.size > 0
    path = made.file.path
    assert path.startswith(str(settings.DUKEN_PRIVATE_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    # and the outbox holds her e-mail with the link
    mail = Message.objects.get(kind="data_export_ready")
    assert mail.to == "aliya@example.kz" and mail.user == aliya
    link = _link(mail)
    # when she follows it, logged in
    response = client.get(link[link.index("/account/") :])
    # then the zip holds every kind, as JSON and CSV, and a README
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    archive = _zip(response)
    names = set(archive.namelist())
    assert "README.txt" in names
    for kind in KINDS:
        assert {f"{kind}.json", f"{kind}.csv"} <= names, kind
        assert kind in archive.read("README.txt").decode()
    everything = "".join(archive.read(name).decode() for name in names)
    # with her data and nothing of Daulet's
    assert "Daulet" not in everything and "daulet@example.kz" not in everything
    assert "v-daulet" not in everything
    for kind in ["profile", "addresses", "orders", "searches", "reviews", "questions", "facts"]:
        assert "Aliya" in archive.read(f"{kind}.json").decode(), kind
    for kind in ["order_lines", "payments", "wishlist", "back_in_stock", "chats", "consents"]:
        assert json.loads(archive.read(f"{kind}.json")), kind
    assert "Aliya needs help" in archive.read("chat_messages.csv").decode()
    assert "Aliya wants red boots" in archive.read("product_requests.csv").decode()
    interactions = json.loads(archive.read("interactions.json"))
    # her own events and her browser's events from before she logged in
    assert {row["kind"] for row in interactions} == {"search", "page_view"}
    # and no secret
    assert aliya.password not in everything
    assert "session_key" not in everything and "checkout_token" not in everything
    second = json.loads(archive.read("second_factor.json"))
    assert second == [
        {"two_step_verification_on": False, "authenticator_app": False, "recovery_codes_left": 0}
    ]


def test_the_readme_is_in_the_customers_language(client, aliya, django_capture_on_commit_callbacks):
    # when Aliya asks in Russian
    client.force_login(aliya)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/privacy/export/")
    made = DataExport.objects.get(user=aliya)
    # then the README is written in Russian (the language of the request)
    assert made.language == "ru"
    with zipfile.ZipFile(made.file.open("rb")) as archive:
        readme = archive.read("README.txt").decode()
    assert "profile.json" in readme
    with_cyrillic = any("\u0400" <= ch <= "\u04ff" for ch in readme)
    assert with_cyrillic or settings.LANGUAGE_CODE == "ru"


def test_the_page_shows_the_status_and_refuses_a_second_request_while_one_is_prepared(
    client, aliya
):
    # given a request the worker has not made yet (its commit never ran)
    client.force_login(aliya)
    client.post("/account/privacy/export/")
    assert DataExport.objects.get(user=aliya).status == DataExport.Status.REQUESTED
    page = client.get("/account/privacy/export/")
    assert 'id="export-status"' in page.content.decode()
    assert "export-download" not in page.content.decode()
    # when she asks again
    response = client.post("/account/privacy/export/")
    # then it is refused with a message, and nothing more is queued
    assert response.status_code == 400
    assert "already being prepared" in response.content.decode()
    assert DataExport.objects.filter(user=aliya).count() == 1


def test_a_link_works_only_for_its_customer_and_not_when_tampered_or_expired(
    client, aliya, daulet, django_capture_on_commit_callbacks
):
    # given Aliya's ready export and its link
    made = _ask(client, aliya, django_capture_on_commit_callbacks)
    url = export.download_url(made)
    # when Daulet follows it
    client.force_login(daulet)
    response = client.get(url)
    # then he gets nothing
    assert response.status_code == 404 and not response.has_header("Content-Disposition")
    # when the link is tampered with
    client.force_login(aliya)
    response = client.get(url[:-3] + "AAA/")
    assert response.status_code == 404 and not response.has_header("Content-Disposition")
    # when nobody is logged in, it asks for the login first
    client.logout()
    assert client.get(url).status_code == 302
    # when the export has expired
    client.force_login(aliya)
    DataExport.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(url)
    # then a clear message and nothing else
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not response.has_header("Content-Disposition")


def test_a_link_older_than_its_days_is_refused_even_if_the_row_says_ready(
    client, aliya, settings, django_capture_on_commit_callbacks
):
    # given a ready export whose link was signed 8 days ago
    made = _ask(client, aliya, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=made.pk).update(expires_at=timezone.now() + timedelta(days=30))
    from django.core import signing

    old = signing.TimestampSigner(salt=export.TOKEN_SALT)
    old.timestamp = lambda: signing.b62_encode(int(timezone.now().timestamp()) - 8 * 86400)
    token = old.sign_object({"export": made.pk, "user": aliya.pk})
    # when / then
    assert client.get(f"/account/privacy/export/download/{token}/").status_code == 410


def test_expired_exports_lose_their_files_to_the_periodic_work(
    client, aliya, django_capture_on_commit_callbacks
):
    # given a ready export
    made = _ask(client, aliya, django_capture_on_commit_callbacks)
    path = made.file.path
    # when its time is over and the hourly task runs
    DataExport.objects.filter(pk=made.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    from duken.privacy.tasks import expire_data_exports

    expire_data_exports.call()
    # then the file is gone and the page says so
    import os

    assert not os.path.exists(path)
    made.refresh_from_db()
    assert made.status == DataExport.Status.EXPIRED and not made.file
    assert "has expired" in client.get("/account/privacy/export/").content.decode()


def test_building_twice_makes_one_zip_and_one_email(
    client, aliya, django_capture_on_commit_callbacks
):
    # given a made export
    made = _ask(client, aliya, django_capture_on_commit_callbacks)
    # when the task runs again (a retried job)
    assert export.build(made.pk) is False
    # then still one e-mail
    assert Message.objects.filter(kind="data_export_ready").count() == 1


def test_the_account_pages_link_to_the_export(client, aliya):
    client.force_login(aliya)
    for page in ["/account/", "/account/memory/"]:
        assert "/account/privacy/export/" in client.get(page).content.decode(), page


def test_an_export_that_fails_says_so_and_may_be_asked_again(client, aliya, monkeypatch):
    # given a request whose zip cannot be written (a source that breaks)
    client.force_login(aliya)
    client.post("/account/privacy/export/")
    made = DataExport.objects.get(user=aliya)

    def broken(user, visitor_ids):
        raise OSError("disk full")

    monkeypatch.setitem(export._sources, "broken", export.Source("broken", broken, "broken"))
    # when the worker runs it
    with pytest.raises(OSError):
        export.build(made.pk)
    # then the page says so, and a new request is accepted
    made.refresh_from_db()
    assert made.status == DataExport.Status.FAILED
    assert "could not prepare" in client.get("/account/privacy/export/").content.decode()
    assert client.post("/account/privacy/export/").status_code == 302
