"""The receipt as people see it: the customer's page, PDF and file (only for whoever may see
the order), and the public verification page, attacked with garbled and altered uploads."""

import io
import json

import pytest
import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from duken.orders import services
from duken.orders.models import Receipt
from duken.orders.receipts import rendering
from duken.testing.accounts import login_verified
from duken.testing.factories import make_order, make_product

pytestmark = pytest.mark.django_db


def _customer(email="dana@example.kz"):
    return get_user_model().objects.create_user(email)


def _paid_order(user=None):
    product = make_product(price="12500.00", name="Кесе «Алатау»")
    order = make_order(lines=[(product, 2, 0)], user=user)
    return services.mark_paid(order)


def _pages(number):
    base = f"/orders/{number}/receipt"
    return [f"{base}/", f"{base}.json"]


def test_the_pdf_is_rendered_by_weasyprint_with_the_order_and_its_qr_code(client):
    # given a customer's paid order
    customer = _customer()
    order = _paid_order(customer)
    receipt = Receipt.objects.get(order=order)
    client.force_login(customer)
    # when they download the PDF
    response = client.get(f"/orders/{order.number}/receipt.pdf")
    # then it is a real PDF with the order's number, the Kazakh text and the total
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdf = PdfReader(io.BytesIO(response.content))
    assert pdf.metadata["/Producer"].startswith("WeasyPrint")
    text = pdf.pages[0].extract_text()
    assert order.number in text and "Кесе «Алатау»" in text and "25\u00a0000\u00a0₸" in text
    # with the signed receipt file attached, exactly as the customer downloads it
    attached = pdf.attachments[f"receipt-{order.number}.json"][0]
    assert json.loads(attached) == json.loads(client.get(_pages(order.number)[1]).content)
    # and the QR code that leads to the shop's verification of this very receipt
    image = pdf.pages[0].images[0].image.convert("L")
    modules = segno.make(rendering.verify_url(receipt), error="m").matrix
    size = image.width / (len(modules) + 4)
    drawn = [
        [image.getpixel((int((x + 2.5) * size), int((y + 2.5) * size))) < 128 for x in row_range]
        for y, row_range in ((y, range(len(modules))) for y in range(len(modules)))
    ]
    assert drawn == [[bool(m) for m in row] for row in modules]


def test_the_receipt_page_and_file_are_the_owners(client):
    # given a customer's paid order
    customer = _customer()
    order = _paid_order(customer)
    client.force_login(customer)
    # when they open the receipt page and its file
    page = client.get(_pages(order.number)[0])
    data = client.get(_pages(order.number)[1])
    # then
    assert page.status_code == 200
    assert "Receipt for order № " + order.number in page.content.decode()
    assert "data:image/png;base64," in page.content.decode()  # the QR code
    assert data.status_code == 200 and "attachment" in data["Content-Disposition"]
    assert json.loads(data.content)["signature"] == Receipt.objects.get(order=order).signature
    # and the order page links it
    assert (
        f"/orders/{order.number}/receipt/"
        in client.get(f"/account/orders/{order.number}/").content.decode()
    )


def test_another_customer_or_a_stranger_gets_404(client):
    # given a customer's paid order
    order = _paid_order(_customer())
    # when another customer, then an anonymous visitor, asks for its receipt
    client.force_login(_customer("other@example.kz"))
    as_other = [client.get(url).status_code for url in _pages(order.number)]
    as_other.append(client.get(f"/orders/{order.number}/receipt.pdf").status_code)
    client.logout()
    as_stranger = [client.get(url).status_code for url in _pages(order.number)]
    # then
    assert as_other == [404, 404, 404] and as_stranger == [404, 404]


def test_the_guest_who_placed_the_order_and_staff_see_it(client):
    # given a guest's paid order, placed from this browser
    order = _paid_order()
    session = client.session
    session["placed_orders"] = [order.number]
    session.save()
    # then the guest sees its receipt
    assert [client.get(url).status_code for url in _pages(order.number)] == [200, 200]
    # and so does an order handler in another browser
    client.logout()
    handler = _customer("handler@duken.example")
    handler.is_staff = True
    handler.save()
    handler.groups.add(Group.objects.get(name="Order handlers"))
    client.force_login(handler)
    # (not before their session passed the second factor)
    assert [client.get(url).status_code for url in _pages(order.number)] == [404, 404]
    login_verified(client, handler)
    assert [client.get(url).status_code for url in _pages(order.number)] == [200, 200]
    admin_page = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()
    assert f"/orders/{order.number}/receipt/" in admin_page


def test_an_unpaid_order_has_no_receipt(client):
    customer = _customer()
    order = make_order(lines=[(make_product(), 1, 0)], user=customer)
    client.force_login(customer)
    assert client.get(_pages(order.number)[0]).status_code == 404


def test_the_verify_page_answers_a_garbled_upload_with_400_and_a_message(client):
    # when someone uploads something that is not a receipt
    garbage = SimpleUploadedFile("receipt.json", b"\x00\xff garbage", "application/json")
    response = client.post("/receipts/verify/", {"file": garbage})
    # then
    assert response.status_code == 400
    assert "This is not a receipt file: it is not text." in response.content.decode()
    # and an empty form, or a JSON file of the wrong shape, too
    assert client.post("/receipts/verify/", {"text": " "}).status_code == 400
    wrong = client.post("/receipts/verify/", {"text": '{"total": "1"}'})
    assert wrong.status_code == 400 and "not a Duken receipt file" in wrong.content.decode()


def test_the_verify_page_names_what_was_altered(client):
    # given the receipt file a customer downloaded, with the total lowered
    customer = _customer()
    order = _paid_order(customer)
    client.force_login(customer)
    data = json.loads(client.get(_pages(order.number)[1]).content)
    data["receipt"]["total"] = "2500.00"
    client.logout()
    # when anyone uploads it
    upload = SimpleUploadedFile("receipt.json", json.dumps(data).encode(), "application/json")
    response = client.post("/receipts/verify/", {"file": upload})
    # then it is not valid, and the change is named; the altered document is not displayed
    body = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="invalid"' in body
    assert "Total changed from 25\u00a0000\u00a0₸ to 2\u00a0500\u00a0₸" in body
    assert "Кесе" not in body


def test_the_verify_page_confirms_a_genuine_pasted_receipt(client):
    customer = _customer()
    order = _paid_order(customer)
    client.force_login(customer)
    text = client.get(_pages(order.number)[1]).content.decode()
    client.logout()
    response = client.post("/receipts/verify/", {"text": text})
    body = response.content.decode()
    assert 'data-verdict="valid"' in body and "Кесе «Алатау»" in body


def test_the_qr_link_shows_the_shops_verification(client):
    # given a paid order's receipt
    receipt = Receipt.objects.get(order=_paid_order(_customer()))
    # when anyone follows its QR code
    response = client.get("/receipts/verify/", {"r": receipt.code})
    # then the shop confirms it
    body = response.content.decode()
    assert response.status_code == 200 and 'data-verdict="valid"' in body
    assert receipt.order.number in body and receipt.key_id in body
    # and a made-up code finds nothing
    assert client.get("/receipts/verify/", {"r": "made-up"}).status_code == 404


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ru", "Это не файл чека: его содержимое — не корректный JSON."),
        ("kk", "Бұл чек файлы емес: мазмұны жарамды JSON емес."),
    ],
)
def test_the_verify_page_refuses_a_garbled_file_in_the_visitors_language(client, language, message):
    response = client.post(
        "/receipts/verify/", {"text": "{not json"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_verify_page_names_an_altered_total_in_russian(client):
    # given a genuine receipt file with the total lowered
    customer = _customer()
    order = _paid_order(customer)
    client.force_login(customer)
    data = json.loads(client.get(_pages(order.number)[1]).content)
    data["receipt"]["total"] = "2500.00"
    # when a Russian-speaking visitor checks it
    response = client.post(
        "/receipts/verify/", {"text": json.dumps(data)}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    # then the verdict and the change are in Russian
    body = response.content.decode()
    assert f"Чек по заказу № {order.number} НЕДЕЙСТВИТЕЛЕН" in body
    assert "Подпись не соответствует содержимому" in body
    assert "было 25\u00a0000\u00a0₸, стало 2\u00a0500\u00a0₸" in body
