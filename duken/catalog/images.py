"""Product images: validated, re-encoded uploads and generated thumbnails.

An upload must be a real image that Pillow can decode (not just a file with an image name), in
JPEG, PNG or WebP, at most ``MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``. What is stored is never
the uploaded bytes: Pillow decodes the image and writes it again in the same format, turned
upright by its EXIF orientation, its long side at most ``MAX_IMAGE_SIDE`` pixels, without its
metadata (EXIF with GPS position and camera, XMP, text chunks; the ICC colour profile stays). So
the shop never serves an attacker's file: no HTML or ZIP hidden in or after the image (a
polyglot), no location of a photo taken at home. Each saved image also gets a square WebP
thumbnail (``THUMBNAIL_SIZE``) for listings, so pages never ship the original.
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
# The long side of a stored original: a product photo zoomed on a large screen needs no more,
# and a smaller file is quicker for every shopper.
MAX_IMAGE_SIDE = 2560
JPEG_QUALITY = WEBP_QUALITY = 88


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


def reencode(uploaded_file, image_format: str) -> bytes:
    """The image of a validated upload as Pillow writes it in ``image_format``: upright, at most
    MAX_IMAGE_SIDE pixels on its long side, with its ICC profile and transparency and nothing
    else of the uploaded file. Refuses an image that cannot be decoded to the end."""
    uploaded_file.seek(0)
    try:
        with Image.open(uploaded_file) as source:
            source.load()  # decodes every pixel: a truncated or forged image fails here
            icc_profile = source.info.get("icc_profile")
            transparency = source.info.get("transparency")
            image = ImageOps.exif_transpose(source)
        if max(image.size) > MAX_IMAGE_SIDE:
            if image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK"):
                image = image.convert("RGBA" if _has_alpha(image, transparency) else "RGB")
                transparency = None
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
        # Only what is passed to save() below is written: no EXIF, XMP or text chunks.
        image.info = {}
        buffer = io.BytesIO()
        image.save(buffer, image_format, **_save_options(image_format, icc_profile, transparency))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not an image that can be read (use JPEG, PNG or WebP)."),
            code="not_an_image",
        ) from None
    finally:
        uploaded_file.seek(0)
    return buffer.getvalue()


def _has_alpha(image, transparency) -> bool:
    return "A" in image.getbands() or transparency is not None


def _save_options(image_format: str, icc_profile, transparency) -> dict:
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if image_format == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif image_format == "WEBP":
        options.update(quality=WEBP_QUALITY, method=4)
    elif transparency is not None:
        options["transparency"] = transparency
    return options


def prepare_upload(uploaded_file) -> ContentFile:
    """Validate an upload and return the file to store: the re-encoded image, named after the
    upload with the extension of its real format."""
    image_format = validate_image(uploaded_file)
    base = os.path.splitext(os.path.basename(getattr(uploaded_file, "name", "") or "image"))[0]
    name = f"{base or 'image'}.{ALLOWED_FORMATS[image_format]}"
    return ContentFile(reencode(uploaded_file, image_format), name=name)


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
    """Validate an upload, store it re-encoded as the product's image and generate its
    thumbnail."""
    prepared = prepare_upload(uploaded_file)
    if position is None:
        last = product.images.order_by("-position").values_list("position", flat=True).first()
        position = 0 if last is None else last + 1
    with transaction.atomic():
        product_image = ProductImage(product=product, alt=alt or product.name, position=position)
        product_image.image.save(prepared.name, prepared, save=False)
        product_image.save()
        make_thumbnail(product_image)
    return product_image
