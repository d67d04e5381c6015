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


# --- what is stored is an image Pillow wrote, never the uploaded bytes --------------------

GPS = 0x8825
ORIENTATION = 0x0112
PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _zip_archive() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", PAYLOAD)
    return buffer.getvalue()


def _stored(saved) -> bytes:
    with saved.image.open("rb") as stored:
        return stored.read()


def test_a_photo_loses_its_gps_position_and_camera_but_keeps_its_colour_profile(make_product):
    # given a phone photo taken on its side, with where it was taken and its colour profile
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° clockwise to show it upright
    exif[0x010F] = "Phone maker"
    exif[GPS] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 54.0, 0.0)}
    icc = b"\x00" * 128 + b"profile"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (200, 30, 60)).save(buffer, "JPEG", exif=exif, icc_profile=icc)
    assert b"Phone maker" in buffer.getvalue()

    # when
    saved = save_product_image(make_product(), SimpleUploadedFile("me.jpg", buffer.getvalue()))

    # then
    data = _stored(saved)
    assert b"Phone maker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert image.size == (400, 600)  # stored upright
        assert not image.getexif()
        assert image.info.get("icc_profile") == icc


def test_html_and_a_zip_appended_to_a_png_are_not_stored(make_product):
    # given a real PNG with a web page and an archive after its end (a polyglot)
    upload = picture("PNG").read() + PAYLOAD + _zip_archive()

    # when
    saved = save_product_image(make_product(), SimpleUploadedFile("photo.png", upload))

    # then only the picture is kept
    data = _stored(saved)
    assert b"<script" not in data and b"PK\x03\x04" not in data
    assert data.endswith(b"IEND\xaeB`\x82")
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (800, 500)


def test_html_hidden_in_a_jpeg_comment_is_not_stored(make_product):
    # given a JPEG whose comment segment is a web page, with an archive after its end
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (0, 90, 200)).save(buffer, "JPEG", comment=PAYLOAD)
    upload = buffer.getvalue() + _zip_archive()
    assert PAYLOAD in upload

    # when
    saved = save_product_image(make_product(), SimpleUploadedFile("photo.jpg", upload))

    # then
    data = _stored(saved)
    assert b"<script" not in data and b"PK\x03\x04" not in data
    assert data.endswith(b"\xff\xd9")


def test_an_oversized_image_is_stored_downscaled(make_product):
    # given an image wider than the stored maximum
    upload = picture("PNG", size=(images.MAX_IMAGE_SIDE + 1000, 1500), name="wide.png")

    # when
    saved = save_product_image(make_product(), upload)

    # then its long side is the maximum, the proportions kept
    with saved.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (images.MAX_IMAGE_SIDE, round(1500 * images.MAX_IMAGE_SIDE / 3560))


def test_a_transparent_png_stays_transparent(make_product):
    # given
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (10, 20, 30, 0)).save(buffer, "PNG")

    # when
    saved = save_product_image(make_product(), SimpleUploadedFile("logo.png", buffer.getvalue()))

    # then
    with saved.image.open("rb") as stored, Image.open(stored) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def test_a_truncated_jpeg_is_refused_and_nothing_is_stored(make_product):
    # given a JPEG cut off in the middle of its picture data
    buffer = io.BytesIO()
    Image.frombytes("RGB", (256, 256), os.urandom(256 * 256 * 3)).save(buffer, "JPEG")
    whole = buffer.getvalue()
    product = make_product()

    # when / then
    with pytest.raises(ValidationError) as refused:
        save_product_image(product, SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2]))
    assert refused.value.code == "not_an_image"
    assert product.images.count() == 0


def _png_bomb(width: int, height: int) -> bytes:
    """A valid greyscale PNG of width × height black pixels: a few kilobytes that would decode
    to width × height bytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte and one byte per pixel
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_and_nothing_is_stored(make_product):
    # given a small file that would decode to 64 million pixels
    bomb = _png_bomb(8000, 8000)
    assert len(bomb) < 200_000
    product = make_product()

    # when / then
    with pytest.raises(ValidationError) as refused:
        save_product_image(product, SimpleUploadedFile("bomb.png", bomb))
    assert refused.value.code == "too_many_pixels"
    assert product.images.count() == 0
