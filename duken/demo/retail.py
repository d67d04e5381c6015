"""Rules for reading the Online Retail data set's descriptions.

**Which lines are products.** The retailer typed real products in capitals ("WHITE HANGING
HEART T-LIGHT HOLDER"); everything else in the Description column is bookkeeping. A line is
skipped when its description

1. is empty or has no letter at all ("?", "20713");
2. is a service line (``SERVICE_LINES``: POSTAGE, DOTCOM POSTAGE, CARRIAGE, Manual, Discount,
   AMAZON FEE, Bank Charges, SAMPLES, Adjust bad debt, PACKING CHARGE, CRUK Commission, ...);
3. is a gift voucher ("Dotcomgiftshop Gift Voucher £20.00");
4. is a stock-keeping note: it starts with a lower-case letter ("damaged", "?lost",
   "thrown away", "wrongly sold as sets"), or it is not written mostly in capitals and
   mentions a bookkeeping word (``NOTE_WORDS``: "Thrown away-rusty", "Dotcom sales",
   "Water damaged", "Not rcvd in 10/11/2010 delivery").

Mixed-case product names that are real ("Dr. Jam's Arouzer Stress Ball", "FLOWERS HANDBAG blue
and orange") pass, because they carry no bookkeeping word. Lines with a unit price of 0 or less
are skipped separately by the importer.

**Identity.** A product is its description with spacing and case normalized (``product_key``);
its SKU is "DK-" and the first 8 hex digits of the SHA-1 of that key, so every machine and every
re-import agrees on it.
"""

import hashlib
import re
import unicodedata

from django.utils.text import slugify

SERVICE_LINES = frozenset(
    {
        "POSTAGE",
        "DOTCOM POSTAGE",
        "CARRIAGE",
        "NEXT DAY CARRIAGE",
        "MANUAL",
        "DISCOUNT",
        "AMAZON FEE",
        "BANK CHARGES",
        "SAMPLES",
        "SHOW SAMPLES",
        "ADJUST BAD DEBT",
        "PACKING CHARGE",
        "CRUK COMMISSION",
        "DAMAGED",
        "DAMAGES",
        "FOUND",
        "FBA",
        "MIA",
        "POSSIBLE DAMAGES OR LOST?",
        "MERCHANT CHANDLER CREDIT ERROR, STO",
    }
)
NOTE_WORDS = re.compile(
    r"dotcom|amazon|ebay|asos|thrown|throw away|damage|adjust|found|missing|display|"
    r"sold as|sold in|sample|rcvd|credit|mystery|given away|commission|mailout|wrong|"
    r"faulty|showroom|counted|check|wet|rust|crushed|smashed|cracked|broken|unsaleable|"
    r"barcode|lost|mould|returned|stock|label|mix up|came coded|cargo|\bsales?\b",
    re.IGNORECASE,
)
VOUCHER = re.compile(r"gift ?voucher", re.IGNORECASE)

# Skip reasons, as reported by the importer.
NO_DESCRIPTION = "no description"
NOT_A_PRODUCT = "service line (postage, fees, adjustments)"
GIFT_VOUCHER = "gift voucher"
NOTE = "stock-keeping note"
NO_PRICE = "price 0 or less"


def product_key(description: str) -> str:
    """The product's identity: upper case, single spaces, no trailing dots or commas."""
    text = unicodedata.normalize("NFKC", description or "")
    text = re.sub(r"\s+", " ", text).strip().strip(".,").strip()
    return text.upper()


def skip_reason(description) -> str | None:
    """Why a description is not a product, or None for a real product."""
    if description is None or not isinstance(description, str):
        return NO_DESCRIPTION
    text = re.sub(r"\s+", " ", description).strip()
    if not re.search(r"[^\W\d_]", text):
        return NO_DESCRIPTION
    first_letter = re.search(r"[^\W\d_]", text).group()
    if first_letter.islower():
        return NOTE
    if product_key(text) in SERVICE_LINES:
        return NOT_A_PRODUCT
    if VOUCHER.search(text):
        return GIFT_VOUCHER
    upper = sum(1 for c in text if c.isupper())
    lower = sum(1 for c in text if c.islower())
    if lower >= upper and NOTE_WORDS.search(text):
        return NOTE
    return None


def make_sku(key: str) -> str:
    return "DK-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8].upper()


# Words kept in capitals; everything else is title-cased word by word.
ACRONYMS = frozenset({"USB", "LED", "UK", "USA", "DVD", "CD", "TV", "DIY", "PVC", "ABC", "3D"})
EXPANSIONS = {"ASSTD": "Assorted", "ASST": "Assorted", "NECKL": "Necklace", "W/": "with"}
_UNIT = r"(?:mm|cm|m|g|kg|ml|l|cl|pc|pcs)"
_MEASURE = re.compile(
    rf"^\d+(?:[.,]\d+)?{_UNIT}?(?:x\d+(?:[.,]\d+)?{_UNIT}?)+$|^\d+(?:[.,]\d+)?{_UNIT}$",
    re.IGNORECASE,
)


def _title_word(word: str) -> str:
    upper = word.upper()
    if upper in EXPANSIONS:
        return EXPANSIONS[upper]
    if upper in ACRONYMS:
        return upper
    if _MEASURE.match(word):
        return word.lower()
    if "-" in word and len(word) > 1:
        return "-".join(_title_word(part) if part else part for part in word.split("-"))
    if "/" in word and len(word) > 1:
        return "/".join(_title_word(part) if part else part for part in word.split("/"))
    # capitalize() lower-cases the rest, so "DAD'S" becomes "Dad's", not "Dad'S".
    lead = re.match(r"^[^\w]*", word).group()
    return lead + word[len(lead) :].capitalize()


def clean_name(description: str) -> str:
    """A readable title-case name: "WHITE HANGING HEART T-LIGHT HOLDER" becomes
    "White Hanging Heart T-Light Holder", "POLYESTER FILLER PAD 45x30cm" keeps its size."""
    text = unicodedata.normalize("NFKC", description)
    text = text.strip().lstrip("*").strip().rstrip(".,").strip()
    text = re.sub(r"\s*,\s*", ", ", text)  # "TEA,COFFEE,SUGAR" reads "Tea, Coffee, Sugar"
    text = re.sub(r"\s*&\s*", " & ", text)
    text = re.sub(r"\s+", " ", text)
    return " ".join(_title_word(word) for word in text.split(" "))[:200]


def make_slug(name: str) -> str:
    return slugify(name)[:120].strip("-") or "product"
