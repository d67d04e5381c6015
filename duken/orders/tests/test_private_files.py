"""Attacks on paid digital files and uploaded media: nothing paid is public, nothing uploaded
runs as a page of the shop."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from duken.catalog.models import Product
from duken.catalog.tests.test_admin import product_form
from duken.customers.models import User
from duken.orders.downloads import download_url
from duken.orders.tests.test_downloads import _digital_line
from duken.testing.accounts import login_verified

pytestmark = pytest.mark.django_db

SECRET_PDF = b"%PDF-1.4 the paid guide"


def _stored_name(line) -> str:
    return Product.objects.get(pk=line.product_id).digital_file.name


def test_a_paid_file_is_not_under_the_public_media_folder(client, settings):
    # given a paid digital product, its file saved as the admin saves it
    line = _digital_line(content=SECRET_PDF)
    name = _stored_name(line)
    # then the file is in private storage, under a name nobody can guess
    assert (Path(settings.DUKEN_PRIVATE_ROOT) / name).read_bytes() == SECRET_PDF
    assert not (Path(settings.MEDIA_ROOT) / name).exists()
    assert name.startswith("digital/") and len(name.split("/")[1]) == 32
    # when an attacker asks for it at every public address it could have
    for path in (f"/media/{name}", "/media/digital/guide.pdf", f"/media/{name.split('/', 1)[1]}"):
        response = client.get(path)
        # then nothing is served
        assert response.status_code == 404, path


def test_a_file_left_in_the_old_public_folder_is_not_served(client, settings):
    # given a digital file some older installation left under MEDIA_ROOT/digital/
    folder = Path(settings.MEDIA_ROOT) / "digital"
    folder.mkdir(parents=True)
    (folder / "guide.pdf").write_bytes(SECRET_PDF)
    # when it is asked for directly, or through a path that walks into it
    for path in ("/media/digital/guide.pdf", "/media/products/../digital/guide.pdf"):
        # then it is not served
        assert client.get(path).status_code == 404, path


def test_the_download_does_not_tell_the_buyer_where_the_file_is_stored(client):
    # given a paid order's download link
    line = _digital_line(content=SECRET_PDF)
    # when the buyer downloads
    response = client.get(download_url(line))
    # then the file comes as an attachment named after the product, not the stored name
    assert b"".join(response.streaming_content) == SECRET_PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="the-guide.pdf"' in disposition
    assert _stored_name(line).split("/")[1] not in disposition
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_html_file_sold_as_a_product_is_downloaded_not_rendered(client):
    # given a "digital product" that is an HTML page with a script
    line = _digital_line(content=b"<script>alert(document.cookie)</script>")
    product = line.product
    product.digital_file.save("page.html", ContentFile(b"<script>alert(1)</script>"))
    # when the buyer opens the link
    response = client.get(download_url(line))
    # then the browser is told to save it, and could not run it if it rendered it anyway
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_uploaded_html_file_in_public_media_is_never_served_inline(client, settings):
    # given an HTML file that reached the public media folder
    folder = Path(settings.MEDIA_ROOT) / "products" / "X1"
    folder.mkdir(parents=True)
    (folder / "evil.html").write_bytes(b"<script>alert(document.cookie)</script>")
    (folder / "evil.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>")
    for name in ("evil.html", "evil.svg"):
        # when it is opened at its public address
        response = client.get(f"/media/products/X1/{name}")
        # then it is a download, locked down
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream", name
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


def test_an_uploaded_image_is_still_shown_inline(client, settings):
    folder = Path(settings.MEDIA_ROOT) / "products" / "X1"
    folder.mkdir(parents=True)
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/products/X1/photo.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.get("Content-Disposition", "inline").startswith("inline")


def test_a_very_long_media_name_is_not_found_not_an_error(client):
    # when a name longer than the file system allows is asked for
    response = client.get("/media/" + "a" * 5000)
    # then it is simply not there
    assert response.status_code == 404
    assert client.get("/media/products/" + "é" * 300 + ".png").status_code == 404


def test_the_front_web_server_can_send_the_file(client, settings):
    # given nginx in front, with an internal location for private files
    settings.DUKEN_DOWNLOAD_SERVER = "nginx"
    settings.DUKEN_DOWNLOAD_ACCEL_PREFIX = "/private-files/"
    line = _digital_line(content=SECRET_PDF)
    # when the buyer downloads
    response = client.get(download_url(line))
    # then Duken only authorises, and nginx sends the bytes
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == "/private-files/" + _stored_name(line)
    assert response["Content-Disposition"].startswith("attachment;")


def test_sendfile_gets_the_private_path(client, settings):
    settings.DUKEN_DOWNLOAD_SERVER = "sendfile"
    line = _digital_line(content=SECRET_PDF)
    response = client.get(download_url(line))
    assert response["X-Sendfile"] == str(Path(settings.DUKEN_PRIVATE_ROOT) / _stored_name(line))


def test_staff_upload_a_digital_file_to_private_storage(client, settings):
    # given a superuser on a digital product's admin page
    admin = User.objects.create_superuser("admin@duken.example", "a-long-admin-password")
    login_verified(client, admin)
    product = _digital_line().product
    url = reverse("admin:catalog_product_change", args=[product.pk])
    upload = io.BytesIO(SECRET_PDF)
    upload.name = "Guide 2026.pdf"
    # when the file is uploaded
    data = product_form(product, is_digital="on", digital_file=upload)
    response = client.post(url, data)
    # then it is stored privately and the page shows it without a link to it
    assert response.status_code == 302
    name = Product.objects.get(pk=product.pk).digital_file.name
    assert name.endswith("/Guide_2026.pdf")
    assert (Path(settings.DUKEN_PRIVATE_ROOT) / name).read_bytes() == SECRET_PDF
    assert list(Path(settings.MEDIA_ROOT).rglob("*.pdf")) == []
    page = client.get(url).content.decode()
    assert name in page and f'href="/media/{name}"' not in page


def test_the_migration_moves_old_public_files_to_private_storage(settings):
    # given a product whose file an older version stored under MEDIA_ROOT/digital/
    line = _digital_line()
    Product.objects.filter(pk=line.product_id).update(digital_file="digital/old.pdf")
    old = Path(settings.MEDIA_ROOT) / "digital" / "old.pdf"
    old.parent.mkdir(parents=True)
    old.write_bytes(SECRET_PDF)
    # when the migration step runs
    migration = __import__(
        "duken.catalog.migrations.0006_digital_files_private", fromlist=["move_to_private"]
    )
    migration.move_to_private(apps, None)
    # then the file is private, and gone from the public folder
    assert not old.exists()
    assert (Path(settings.DUKEN_PRIVATE_ROOT) / "digital" / "old.pdf").read_bytes() == SECRET_PDF
