"""Receives the pet store's webhooks and verifies them with the `standardwebhooks` package.

Usage: webhooks_receiver.py BASE_URL   (a pet store started with --webhooks-allow-private, so
that it may post to this receiver on 127.0.0.1)

The receiver subscribes over HTTP, sells a pet through REST (which publishes `pet_sold`), checks
that the delivery verifies with the Standard Webhooks reference library and the secret the
subscription returned, and that the same delivery with a tampered body does not.
"""

import http.server
import json
import queue
import sys
import threading
import urllib.error
import urllib.request
import uuid

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

BASE = sys.argv[1].rstrip("/")
USER = "Bearer user-token"
received = queue.Queue()


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        received.put((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


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
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"

    status, subscription = call("POST", "/pet-store/webhooks", {"url": hook, "events": ["pet_sold"]})
    assert status == 201, (status, subscription)
    secret = subscription["secret"]
    status, listed = call("GET", "/pet-store/webhooks")
    assert status == 200 and all("secret" not in item for item in listed["webhooks"]), listed

    pet = {"name": "Webhook", "species": "SPECIES_CAT", "price": {"currencyCode": "EUR", "units": "30"}}
    status, created = call("POST", "/pets", pet)
    assert status == 200, (status, created)
    pet["status"] = "PET_STATUS_SOLD"
    status, sold = call("PUT", f"/pets/{created['id']}", pet)
    assert status == 200, (status, sold)

    headers, body = received.get(timeout=15)
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

    status, _ = call("DELETE", f"/pet-store/webhooks/{subscription['id']}")
    assert status == 204, status
    server.shutdown()
    print("webhooks: delivery verified by standardwebhooks; tampered body rejected; unsubscribed")


if __name__ == "__main__":
    main()
