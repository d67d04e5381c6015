"""Signed receipts: one per paid order, signed with the shop's published key, verifiable after
a key rotation; a tampered or foreign receipt is refused and what was altered is named.
Real Ed25519 throughout."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.utils import timezone

from duken.orders import services
from duken.orders.models import OrderStatus, Receipt
from duken.orders.receipts import documents, issuing, keyring, verification
from duken.testing.factories import make_order, make_product

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _paid_order(**kw):
    teacup = make_product(price="12500.00", name="Кесе «Алатау»")
    order = make_order(lines=[(teacup, 1, 0)], **kw)
    return services.mark_paid(order)


def _file(order) -> dict:
    return json.loads(documents.receipt_file_bytes(Receipt.objects.get(order=order)))


def _check(data: dict, **kw):
    return verification.verify(verification.read_receipt_file(json.dumps(data)), **kw)


def test_a_paid_order_gets_exactly_one_receipt_of_canonical_signed_json():
    # given an order awaiting payment
    order = make_order(lines=[(make_product(price="12500.00", name="Кесе"), 2, 0)])
    assert not Receipt.objects.filter(order=order).exists()
    # when it is paid, and the payment is reported again
    services.mark_paid(order)
    services.mark_paid(order)
    issuing.issue(order)
    # then it has one receipt, whose document is exactly the canonical bytes that were signed
    receipt = Receipt.objects.get(order=order)
    assert Receipt.objects.filter(order=order).count() == 1
    document = json.loads(receipt.document)
    assert receipt.document.encode() == documents.canonical(document)
    assert receipt.document.startswith('{"currency":"KZT","delivery":{')
    assert "Кесе" in receipt.document  # UTF-8, not \u escapes
    assert document["order"] == order.number
    assert document["total"] == "25000.00"
    assert document["lines"] == [
        {
            "name": "Кесе",
            "quantity": 2,
            "sku": order.lines.get().sku,
            "total": "25000.00",
            "unit_price": "12500.00",
        }
    ]
    assert document["paid_at"].endswith("+05:00")  # ISO 8601 with the shop's offset
    assert document["shop"]["bin"] == "000000000000"


def test_a_cash_on_delivery_order_gets_its_receipt_when_the_money_is_collected():
    # given a cash-on-delivery order on its way
    order = make_order(lines=[(make_product(), 1, 0)], payment="cash_on_delivery")
    for status in (OrderStatus.PACKED, OrderStatus.SHIPPED):
        services.transition(order, status)
    assert not Receipt.objects.filter(order=order).exists()
    # when it is delivered (paid at the door)
    services.transition(order, OrderStatus.DELIVERED)
    # then
    assert Receipt.objects.get(order=order).order.paid_at is not None


def test_the_signature_verifies_with_the_key_published_at_receipts_keys(client):
    # given a paid order's receipt
    receipt = Receipt.objects.get(order=_paid_order())
    # when anyone fetches the published keys
    published = client.get("/receipts/keys/").json()
    # then the key the receipt names is there and verifies its signature over the document
    entry = next(k for k in published["keys"] if k["key_id"] == receipt.key_id)
    public = serialization.load_pem_public_key(entry["pem"].encode())
    public.verify(base64.b64decode(receipt.signature), receipt.document.encode("utf-8"))
    assert published["current"] == receipt.key_id
    assert _check(_file(receipt.order)).valid


def test_after_a_rotation_old_receipts_verify_and_new_ones_use_the_new_key(settings, capsys):
    # given a receipt signed with the first key
    old_order = _paid_order()
    old_key = Receipt.objects.get(order=old_order).key_id
    key_file_before = settings.DUKEN_RECEIPT_KEY_FILE.read_bytes()
    # when the key is rotated and another order is paid
    call_command("receipts", "rotate-key")
    new_order = _paid_order()
    # then the new receipt names a new key, the old private key is gone, both receipts verify
    new_key = Receipt.objects.get(order=new_order).key_id
    assert new_key != old_key
    assert settings.DUKEN_RECEIPT_KEY_FILE.read_bytes() != key_file_before
    assert settings.DUKEN_RECEIPT_KEY_FILE.stat().st_mode & 0o777 == 0o600
    assert _check(_file(old_order)).valid and _check(_file(new_order)).valid
    assert {old_key, new_key} <= set(keyring.published_keys())
    assert f"signed with key {new_key}" in capsys.readouterr().out


def test_a_tampered_total_is_detected_and_named():
    # given a customer's receipt file whose total was lowered
    data = _file(_paid_order())
    data["receipt"]["total"] = "1250.00"
    # when
    verdict = _check(data)
    # then
    assert not verdict.valid and not verdict.signature_matches
    assert verdict.differences == [f"total changed from 12{NBSP}500{NBSP}₸ to 1{NBSP}250{NBSP}₸"]
    assert "The signature does not match" in verdict.problems[0]


def test_an_added_line_and_a_changed_order_number_are_named():
    # given a receipt file with a line added and another order's number
    data = _file(_paid_order())
    genuine_number = data["receipt"]["order"]
    data["receipt"]["lines"].append(
        {"name": "Gold watch", "quantity": 1, "sku": "X", "total": "900000.00", "unit_price": "0"}
    )
    data["receipt"]["order"] = "DK-FORGED01"
    # when
    verdict = _check(data)
    # then
    assert not verdict.valid
    assert verdict.differences == [
        f"order number changed from “{genuine_number}” to “DK-FORGED01”",
        f"a line was added: Gold watch × 1 = 900{NBSP}000{NBSP}₸",
    ]


def test_a_changed_quantity_names_the_line():
    data = _file(_paid_order())
    data["receipt"]["lines"][0]["quantity"] = 3
    verdict = _check(data)
    assert verdict.differences == ["line 1 (Кесе «Алатау»): quantity changed from 1 to 3"]


def test_a_receipt_signed_by_another_key_is_refused():
    # given the genuine document signed again by someone else's key
    data = _file(_paid_order())
    forger = Ed25519PrivateKey.generate()
    signature = forger.sign(documents.canonical(data["receipt"]))
    forged = {
        **data,
        "signature": base64.b64encode(signature).decode(),
        "key_id": keyring.key_id_of(forger.public_key()),
    }
    # when it names its own key, or claims the shop's key
    own = _check(forged)
    claimed = _check({**forged, "key_id": data["key_id"]})
    # then both are refused
    assert not own.valid and not claimed.valid
    assert "not one of the shop's published keys" in own.problems[0]
    assert "The signature does not match" in claimed.problems[0]
    assert "never issued a receipt with this signature" in claimed.problems[1]
    # and they learn nothing of the shop's receipt of that order
    assert own.differences == [] and claimed.differences == []


def test_a_validly_signed_document_the_shop_never_issued_is_not_valid():
    # given the shop's own key signing a document the shop has no record of (a leaked key)
    data = _file(_paid_order())
    data["receipt"]["order"] = "DK-NOTISSUED"
    private, _key = keyring.signing_key()
    data["signature"] = base64.b64encode(
        private.sign(documents.canonical(data["receipt"]))
    ).decode()
    # when
    verdict = _check(data)
    # then the signature checks out, but the shop says it has no record of it
    assert verdict.signature_matches and not verdict.valid
    assert verdict.problems == ["The signature is genuine, but the shop has no record of it."]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "it is not text"),
        (b'{"format": "duken-receipt", "receipt": {', "not valid JSON"),
        (b'["a", "list"]', "not a Duken receipt file"),
        (b'{"format": "duken-receipt", "receipt": {"order": "X"}}', "“signature” is missing"),
        (b"[" * 100_000, "not valid JSON"),
        (b" " * (verification.MAX_FILE_BYTES + 1), "too large"),
        (
            b'{"format": "duken-receipt", "receipt": {"order": "DK-\\u0000"}, "signature": "x",'
            b' "key_id": "k"}',
            "the order number is missing",
        ),
    ],
)
def test_a_garbled_file_is_not_a_receipt(content, message):
    with pytest.raises(verification.ReceiptFileError) as error:
        verification.read_receipt_file(content)
    assert message in error.value.message


def test_verify_command_prints_what_was_altered_and_exits_1(tmp_path, capsys):
    # given a genuine receipt file and a copy with the total lowered
    data = _file(_paid_order())
    genuine, altered = tmp_path / "genuine.json", tmp_path / "altered.json"
    genuine.write_text(json.dumps(data, ensure_ascii=False))
    data["receipt"]["total"] = "1250.00"
    altered.write_text(json.dumps(data, ensure_ascii=False))
    # when both are checked
    call_command("receipts", "verify", str(genuine))
    valid_output = capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        call_command("receipts", "verify", str(altered))
    # then
    assert valid_output.startswith(f"VALID: the receipt for order {data['receipt']['order']}")
    assert exit_.value.code == 1
    output = capsys.readouterr().out
    assert output.startswith("NOT VALID")
    assert f"total changed from 12{NBSP}500{NBSP}₸ to 1{NBSP}250{NBSP}₸" in output


def test_verify_command_works_offline_with_a_saved_keys_file(tmp_path, client, capsys):
    # given the published keys saved from the shop's site, and a receipt file
    keys_file = tmp_path / "keys.pem"
    data = _file(_paid_order())
    keys_file.write_bytes(client.get("/receipts/keys.pem").content)
    receipt_file = tmp_path / "receipt.json"
    receipt_file.write_text(json.dumps(data))
    # when it is checked with that file alone, then altered and checked again
    call_command("receipts", "verify", str(receipt_file), "--keys", str(keys_file))
    assert "Checked offline" in capsys.readouterr().out
    data["receipt"]["lines"][0]["unit_price"] = "1.00"
    receipt_file.write_text(json.dumps(data))
    with pytest.raises(SystemExit) as exit_:
        call_command("receipts", "verify", str(receipt_file), "--keys", str(keys_file))
    # then
    assert exit_.value.code == 1
    assert "The signature does not match" in capsys.readouterr().out


def test_verify_command_refuses_a_file_that_is_not_a_receipt(tmp_path, capsys):
    garbled = tmp_path / "receipt.json"
    garbled.write_bytes(b"not json at all")
    with pytest.raises(SystemExit) as exit_:
        call_command("receipts", "verify", str(garbled))
    assert exit_.value.code == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_orders_paid_before_receipts_existed_get_theirs_once(capsys):
    # given an order paid before receipts existed (or imported history)
    order = make_order(lines=[(make_product(), 1, 0)], status=OrderStatus.COMPLETED)
    order.paid_at = timezone.now()
    order.save(update_fields=["paid_at"])
    unpaid = make_order(lines=[(make_product(), 1, 0)])
    # when the receipts are issued twice
    call_command("receipts", "issue")
    call_command("receipts", "issue")
    # then the paid order has one, the unpaid none
    assert capsys.readouterr().out == "1 receipt(s) issued.\n0 receipt(s) issued.\n"
    assert _check(_file(order)).valid
    assert not Receipt.objects.filter(order=unpaid).exists()


def test_rotation_is_refused_when_the_key_comes_from_the_environment(settings):
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    settings.DUKEN_RECEIPT_SIGNING_KEY = base64.b64encode(pem).decode()
    with pytest.raises(keyring.KeyRotationRefused):
        keyring.rotate()
    # and receipts are signed with the configured key
    receipt = Receipt.objects.get(order=_paid_order())
    configured = serialization.load_pem_private_key(pem, None).public_key()
    assert receipt.key_id == keyring.key_id_of(configured)
