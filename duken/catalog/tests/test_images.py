import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from duken.catalog import images
from duken.catalog.images import save_product_image, validate_image

pytestmark = pytest.mark.django_db


def picture(fmt="PNG", size=(800, 500), color=(200, 30, 60), name=None):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    extension = {"JPEG": "jpg"}.get(fmt, fmt.lower())
    return SimpleUploadedFile(name or f"photo.{extension}", buffer.getvalue())


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_saving_an_image_makes_a_square_webp_thumbnail(make_product, fmt):
    # given
    product = make_product()

    # when
    saved = save_product_image(product, picture(fmt))

    # then
    saved.refresh_from_db()
    assert saved.image.name.startswith(f"products/{product.sku}/")
    with saved.thumbnail.open("rb") as thumb, Image.open(thumb) as image:
        assert image.format == "WEBP"
        assert image.size == images.THUMBNAIL_SIZE
    assert saved.alt == product.name
    assert list(product.images.all()) == [saved]


def test_images_are_numbered_in_upload_order(make_product):
    # given
    product = make_product()

    # when
    first = save_product_image(product, picture())
    second = save_product_image(product, picture(color=(0, 0, 0)))

    # then
    assert (first.position, second.position) == (0, 1)


def test_the_product_counts_its_images_and_listings_show_the_first(make_product):
    # given
    from duken.catalog.services import with_images
    from duken.catalog.tiles import image_html

    product = make_product()
    first = save_product_image(product, picture())
    save_product_image(product, picture(color=(0, 0, 0)))
    product.refresh_from_db()
    assert product.image_count == 2

    # when a listing prefetches, then the tile shows the first thumbnail
    [listed] = with_images([product])
    assert first.thumbnail.url in image_html(listed)

    # when both images are deleted, then the tile falls back to the placeholder
    product.images.all().delete()
    product.refresh_from_db()
    assert product.image_count == 0
    assert "<svg" in image_html(with_images([product])[0])


def test_a_file_that_is_not_an_image_is_refused(make_product):
    # given
    product = make_product()
    fake = SimpleUploadedFile("photo.jpg", b"<html>not a picture</html>")

    # when / then
    with pytest.raises(ValidationError) as refused:
        save_product_image(product, fake)
    assert refused.value.code == "not_an_image"
    assert product.images.count() == 0


def test_a_truncated_image_is_refused():
    # given
    whole = picture("PNG").read()
    broken = SimpleUploadedFile("photo.png", whole[: len(whole) // 2])

    # when / then
    with pytest.raises(ValidationError):
        validate_image(broken)


def test_other_formats_are_refused():
    # when / then
    with pytest.raises(ValidationError) as refused:
        validate_image(picture("GIF"))
    assert refused.value.code == "format"


def test_a_too_large_file_is_refused(monkeypatch):
    # given
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 1024)

    # when / then
    with pytest.raises(ValidationError) as refused:
        validate_image(_noisy_png())
    assert refused.value.code == "too_large"


def _noisy_png():
    # random pixels do not compress, so the file is well above the lowered limit
    image = Image.frombytes("RGB", (64, 64), os.urandom(64 * 64 * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("noise.png", buffer.getvalue())


def test_an_empty_file_is_refused():
    # when / then
    with pytest.raises(ValidationError) as refused:
        validate_image(SimpleUploadedFile("empty.png", b""))
    assert refused.value.code == "empty"
