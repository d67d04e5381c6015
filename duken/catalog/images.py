"""Product images: validated uploads and generated thumbnails.

An upload must be a real image that Pillow can decode (not just a file with an image name), in
JPEG, PNG or WebP, at most ``MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``. Each saved image gets a
square WebP thumbnail (``THUMBNAIL_SIZE``) for listings, so pages never ship the original.
"""

import io
import os

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import ProductImage

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
THUMBNAIL_SIZE = (400, 400)


def validate_image(uploaded_file) -> str:
    """Check an uploaded file and return its image format; raise ValidationError otherwise."""
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
    if size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"size": round(size / 1024 / 1024), "limit": MAX_IMAGE_BYTES // 1024 // 1024},
            code="too_large",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    uploaded_file.seek(0)
    try:
        with Image.open(uploaded_file) as image:
            image_format = image.format
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels (%(w)d×%(h)d).") % {"w": width, "h": height},
                    code="too_many_pixels",
                )
            image.verify()  # reads the whole file: a truncated or forged image fails here
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image that can be read (use JPEG, PNG or WebP)."),
            code="not_an_image",
        ) from None
    finally:
        uploaded_file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            _("Images must be JPEG, PNG or WebP, not %(format)s.") % {"format": image_format},
            code="format",
        )
    return image_format


def render_thumbnail(source) -> bytes:
    """A THUMBNAIL_SIZE WebP of the image, centred and cropped to a square, EXIF-rotated."""
    source.seek(0)
    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image)
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        thumb = ImageOps.fit(image, THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        thumb.save(buffer, "WEBP", quality=82, method=4)
    return buffer.getvalue()


def make_thumbnail(product_image: ProductImage) -> ProductImage:
    """(Re)generate the thumbnail of a saved product image."""
    with product_image.image.open("rb") as source:
        data = render_thumbnail(source)
    base = os.path.splitext(os.path.basename(product_image.image.name))[0]
    name = f"{product_image.product.sku}-{product_image.pk}-{base}.webp"
    if product_image.thumbnail:
        product_image.thumbnail.delete(save=False)
    product_image.thumbnail.save(name, ContentFile(data), save=False)
    ProductImage.objects.filter(pk=product_image.pk).update(thumbnail=product_image.thumbnail.name)
    return product_image


def save_product_image(product, uploaded_file, *, alt="", position=None) -> ProductImage:
    """Validate an upload, store it as the product's image and generate its thumbnail."""
    image_format = validate_image(uploaded_file)
    if position is None:
        last = product.images.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    base = os.path.splitext(os.path.basename(getattr(uploaded_file, "name", "") or "image"))[0]
    filename = f"{base or 'image'}.{ALLOWED_FORMATS[image_format]}"
    with transaction.atomic():
        product_image = ProductImage(product=product, alt=alt or product.name, position=position)
        uploaded_file.seek(0)
        product_image.image.save(filename, uploaded_file, save=False)
        product_image.save()
        make_thumbnail(product_image)
    return product_image
