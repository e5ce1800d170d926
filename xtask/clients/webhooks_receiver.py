"""Receives the pet store's webhooks over HTTPS and verifies them with `standardwebhooks`.

Usage: webhooks_receiver.py BASE_URL TLS_DIR

BASE_URL is a pet store started with `--webhooks-allow-private` (so that it may post to this
receiver on 127.0.0.1) and `--webhooks-ca TLS_DIR/client.pem`; TLS_DIR holds what
`python -m trustme` wrote: that CA (`client.pem`) and a certificate it signed for localhost
(`server.pem`, `server.key`).

The receiver subscribes, sells a pet through REST (which publishes `pet_sold`), and checks that the
delivery arrives over TLS, verifies with the Standard Webhooks reference library and the secret the
subscription returned, and that the same delivery with a tampered body does not. A second HTTPS
receiver, whose certificate comes from a CA the server was not told to trust, must see its TLS
handshakes refused by the server and receive nothing.
"""

import http.server
import json
import os
import queue
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import trustme
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BASE = sys.argv[1].rstrip("/")
TLS_DIR = sys.argv[2]
USER = "Bearer user-token"


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.server.received.put((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class HttpsReceiver(http.server.ThreadingHTTPServer):
    """An HTTPS server on 127.0.0.1 that records deliveries and counts refused handshakes."""

    def __init__(self, context):
        super().__init__(("127.0.0.1", 0), Receiver)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.received = queue.Queue()
        self.failed_handshakes = 0
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def get_request(self):
        try:
            return super().get_request()
        except ssl.SSLError:
            self.failed_handshakes += 1
            raise

    def url(self):
        return f"https://localhost:{self.server_address[1]}/hook"


def call(method, path, body=None):
    """One JSON request to the server: (status, parsed body or None)."""
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "authorization": USER,
            "content-type": "application/json",
            "idempotency-key": str(uuid.uuid4()),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def main():
    trusted_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trusted_context.load_cert_chain(os.path.join(TLS_DIR, "server.pem"), os.path.join(TLS_DIR, "server.key"))
    trusted = HttpsReceiver(trusted_context)
    untrusted_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    trustme.CA().issue_cert("localhost").configure_cert(untrusted_context)
    untrusted = HttpsReceiver(untrusted_context)

    status, subscription = call("POST", "/pet-store/webhooks", {"url": trusted.url(), "events": ["pet_sold"]})
    assert status == 201, (status, subscription)
    secret = subscription["secret"]
    status, other = call("POST", "/pet-store/webhooks", {"url": untrusted.url(), "events": ["pet_sold"]})
    assert status == 201, (status, other)
    status, listed = call("GET", "/pet-store/webhooks")
    assert status == 200 and all("secret" not in item for item in listed["webhooks"]), listed

    pet = {"name": "Webhook", "species": "SPECIES_CAT", "price": {"currencyCode": "EUR", "units": "30"}}
    status, created = call("POST", "/pets", pet)
    assert status == 200, (status, created)
    pet["status"] = "PET_STATUS_SOLD"
    status, sold = call("PUT", f"/pets/{created['id']}", pet)
    assert status == 200, (status, sold)

    headers, body = trusted.received.get(timeout=15)
    verified = Webhook(secret).verify(body, headers)
    assert verified["type"] == "PetStore.pet_sold", verified
    assert verified["data"]["id"] == created["id"], verified
    assert verified["data"]["price"]["currencyCode"] == "EUR", verified
    assert {k.lower(): v for k, v in headers.items()}["content-type"] == "application/json", headers

    tampered = body.replace(b'"EUR"', b'"USD"')
    assert tampered != body
    try:
        Webhook(secret).verify(tampered, headers)
    except WebhookVerificationError:
        pass
    else:
        raise AssertionError("a tampered body was accepted")

    # The first attempt to the untrusted receiver is made at once, like the trusted one's.
    deadline = time.monotonic() + 15
    while untrusted.failed_handshakes == 0:
        assert time.monotonic() < deadline, "the server never tried the untrusted receiver"
        time.sleep(0.05)
    assert untrusted.received.empty(), "a delivery went to a certificate from an untrusted CA"

    for item in (subscription, other):
        status, _ = call("DELETE", f"/pet-store/webhooks/{item['id']}")
        assert status == 204, status
    trusted.shutdown()
    untrusted.shutdown()
    print(
        "webhooks: HTTPS delivery verified by standardwebhooks; tampered body rejected;"
        f" untrusted certificate refused ({untrusted.failed_handshakes} handshake(s)); unsubscribed"
    )


if __name__ == "__main__":
    main()
