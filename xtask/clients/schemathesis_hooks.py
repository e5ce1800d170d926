"""Schemathesis hooks: how to send an `application/x-ndjson` body (client-streaming methods over
REST take one JSON value per line; the OpenAPI schema describes one line)."""

import json

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode()
