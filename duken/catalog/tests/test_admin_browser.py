"""In headless Chromium, under the shop's Content-Security-Policy: a catalog editor adds a product
in the admin with every script the form uses (the slug filled in from the name, the two-box
category picker, the date shortcuts, the search-as-you-type main category, another image row)
and uploads a photo with a web page hidden after its end; what the shop stores is the photo
alone."""

import io

import pytest
from PIL import Image

from duken.catalog.models import Product
from duken.customers.models import User
from duken.testing.accounts import authenticator, pass_second_factor
from duken.testing.factories import make_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    editor = User.objects.create_superuser("editor@duken.example", "Steppe-Winds-2026")
    authenticator(editor)  # staff pass a second factor after the password
    return make_category(name="Footwear", slug="footwear")


def _polyglot(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 90)).save(buffer, "PNG")
    path = tmp_path / "slippers.png"
    path.write_bytes(buffer.getvalue() + b"<html><script>alert(document.cookie)</script></html>")
    return path


def test_an_editor_adds_a_product_with_a_photo_in_the_admin(live_server, browser, shop, tmp_path):
    from playwright.sync_api import expect

    page = browser.new_context(locale="en-US").new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server.url + "/admin/login/?next=/admin/catalog/product/add/")
    page.fill("#id_username", "editor@duken.example")
    page.fill("#id_password", "Steppe-Winds-2026")
    page.click("input[type=submit]")
    pass_second_factor(page, User.objects.get(email="editor@duken.example"))

    # the slug follows the name as it is typed
    page.locator("#id_name").press_sequentially("Felt Slippers")
    expect(page.locator("#id_slug")).to_have_value("felt-slippers")
    page.fill("#id_sku", "DK-FELT01")

    # the main category is found by typing; the two-box picker moves every category across
    page.locator("#id_primary_category + .select2").click()
    page.locator(".select2-search__field").fill("Foot")
    page.locator(".select2-results__option", has_text="Footwear").click()
    page.click("#id_categories_add_all")
    expect(page.locator("#id_categories_to option")).to_have_count(1)

    # the date shortcuts fill in the creation time
    page.fill("#id_price", "4990")
    page.fill("#id_stock", "12")
    page.locator(".field-created_at .datetimeshortcuts a", has_text="Today").click()
    page.locator(".field-created_at .datetimeshortcuts a", has_text="Now").click()
    expect(page.locator("#id_created_at_0")).not_to_have_value("")

    # a second image row can be added; the photo goes in the first
    page.locator("#images-group .add-row a").click()
    expect(page.locator(".dynamic-images")).to_have_count(2)
    page.set_input_files("#id_images-0-image", _polyglot(tmp_path))
    page.click("input[name=_save]")

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    assert dialogs == []
    product = Product.objects.get(sku="DK-FELT01")
    assert product.slug == "felt-slippers"
    assert list(product.categories.values_list("slug", flat=True)) == ["footwear"]
    with product.images.get().image.open("rb") as stored:
        data = stored.read()
    assert b"<script" not in data and data.endswith(b"IEND\xaeB`\x82")
