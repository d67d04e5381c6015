"""Signed receipts: every paid order gets one, a document the customer can show anywhere and
anyone can check against the shop's published public keys (docs/receipts.md).

- ``documents``: what a receipt says, as canonical JSON (exactly the bytes that are signed),
  and the receipt file a customer downloads (document + signature + key id);
- ``keyring``: the Ed25519 signing key, its rotation, and every public key ever used;
- ``issuing``: writing the receipt when an order becomes paid (and for orders paid before);
- ``verification``: checking a receipt file and naming what was altered;
- ``rendering``: the verification QR code and the PDF.
"""
