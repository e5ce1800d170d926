"""Calls the running pet store and chat examples over gRPC from Python, with stubs built only from
what `omniface generate --target proto` wrote, and compares every answer and error with what the
REST, GraphQL and SOAP clients of the same server get.

Usage: grpc_clients.py STUBS PROTO_DIRS PETSTORE_URL CHAT_URL BUF
  STUBS         the folder `python -m grpc_tools.protoc --python_out --grpc_python_out` wrote
  PROTO_DIRS    the generated proto folders, joined by `:` (their comments name each error's code)
  PETSTORE_URL  e.g. http://127.0.0.1:8080, the running petstore-server (gRPC on the same port)
  CHAT_URL      the running chat-server
  BUF           the `buf` executable, for `buf curl` through server reflection

What "the same answer" means here: a gRPC message equals a REST JSON body when
(a) `json_format.ParseDict(body, Message())` (unknown fields refused) equals the gRPC message, and
(b) `json_format.MessageToDict(message, always_print_fields_with_no_presence=True)` equals the body
    exactly: the same keys (REST prints empty lists and enum/scalar defaults and leaves out unset
    optional and message fields, as proto3 JSON does with that option) and the same strings,
    including RFC 3339 timestamps to the nanosecond and 64-bit integers as strings.
"The same error": the gRPC status code is the one the generated proto's comments declare (for
declared errors) or the conventional one (401 -> UNAUTHENTICATED, 403 -> PERMISSION_DENIED,
400 -> INVALID_ARGUMENT); the status message equals the problem+json `detail`; the declared error
unpacked from `grpc-status-details-bin` equals the problem's own fields; a `google.rpc.BadRequest`
lists the same violations, in the same order, as REST's `violations` (field path, description =
`message`, reason = upper-cased `constraint`).

The checks are grouped; a failing check ends its group, the other groups still run, and the script
exits 1 naming every failure. Every call has a deadline, every stream read is bounded, and only
127.0.0.1 is contacted.
"""

import base64
import gzip
import json
import os
import queue
import re
import struct
import subprocess
import sys
import time
import uuid

STUBS, PROTO_DIRS, PETSTORE, CHAT, BUF = sys.argv[1:6]
sys.path.insert(0, STUBS)

import grpc  # noqa: E402
import httpx  # noqa: E402
import zeep  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from grpc_status import rpc_status  # noqa: E402
from httpx_sse import connect_sse  # noqa: E402

from acme.chat.v1 import chat_pb2 as c, chat_pb2_grpc as c_grpc  # noqa: E402
from acme.common.v1 import common_pb2  # noqa: E402
from acme.pets.v1 import pets_pb2 as p, pets_pb2_grpc as p_grpc  # noqa: E402

TIMEOUT = 10  # seconds, for every call and every stream read
STREAM_TIMEOUT = 30  # seconds, for the streams a group keeps open while it makes other calls
USER = [("authorization", "Bearer user-token")]
ADMIN = [("authorization", "Bearer admin-token")]
REST_USER = {"Authorization": "Bearer user-token"}
REST_ADMIN = {"Authorization": "Bearer admin-token"}
COUNT = 0
RUN = uuid.uuid4().hex[:8]  # in names, so that running twice against one server finds no duplicates


class Failed(Exception):
    pass


def check(name, condition, detail=""):
    global COUNT
    COUNT += 1
    if not condition:
        raise Failed(f"FAIL {COUNT:3} {name}: {detail}")
    print(f"ok   {COUNT:3} {name}", flush=True)


def host_port(url):
    return url.split("://", 1)[1].rstrip("/")


def channel(url):
    ch = grpc.insecure_channel(host_port(url), options=[("grpc.enable_http_proxy", 0)])
    grpc.channel_ready_future(ch).result(timeout=TIMEOUT)
    return ch


def declared_codes():
    """Error message name -> gRPC code name, from the generated proto's comments
    (`// An error: gRPC status NOT_FOUND, HTTP status 404.` above `message PetNotFound {`)."""
    codes = {}
    for folder in PROTO_DIRS.split(":"):
        for root, _, files in os.walk(folder):
            for name in files:
                if name.endswith(".proto"):
                    text = open(os.path.join(root, name), encoding="utf-8").read()
                    for code, message in re.findall(r"// An error: gRPC status (\w+),[^\n]*\n(?://[^\n]*\n)*message (\w+) \{", text):
                        codes[message] = code
    return codes


CODES = declared_codes()


def to_json(message):
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


def same_as_json(name, message, body):
    """(a) and (b) of the module docstring."""
    try:
        parsed = json_format.ParseDict(body, type(message)())
    except json_format.ParseError as error:
        raise Failed(f"FAIL {name}: the REST body does not parse as {message.DESCRIPTOR.full_name}: {error}\n  body: {body}")
    check(f"{name}: equal as {message.DESCRIPTOR.full_name} messages", parsed == message, f"\n  gRPC: {to_json(message)}\n  REST: {body}")
    check(f"{name}: equal as proto3 JSON", to_json(message) == body, f"\n  gRPC: {to_json(message)}\n  REST: {body}")


def rpc_error(name, call):
    """Runs `call`, which must fail with a gRPC error; returns it."""
    try:
        result = call()
    except grpc.RpcError as error:
        return error
    raise Failed(f"FAIL {name}: the call succeeded: {result}")


def status_details(name, error):
    """The `google.rpc.Status` details; `from_call` also checks that the status' code and message
    equal the call's."""
    try:
        status = rpc_status.from_call(error)
    except ValueError as bad:
        raise Failed(f"FAIL {name}: grpc-status-details-bin disagrees with the call's status: {bad}")
    return list(status.details) if status is not None else []


def unpack(name, details, message_type):
    for detail in details:
        if detail.Is(message_type.DESCRIPTOR):
            message = message_type()
            detail.Unpack(message)
            return message
    raise Failed(f"FAIL {name}: no {message_type.DESCRIPTOR.full_name} in the status details {[d.type_url for d in details]}")


def screaming(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def declared_error(name, error, error_type, problem):
    """A declared IDL error: its code, its detail, its ErrorInfo, and REST's problem+json for the
    same request (`problem` is the parsed body, `None` when there is no REST twin)."""
    error_name = error_type.DESCRIPTOR.name
    package = error_type.DESCRIPTOR.file.package
    expected = CODES.get(error_name)
    check(f"{name}: the proto comments declare {error_name}'s code", expected is not None, f"{sorted(CODES)}")
    check(f"{name}: status {expected}", error.code().name == expected, f"got {error.code()} {error.details()!r}")
    details = status_details(name, error)
    type_urls = [d.type_url for d in details]
    check(f"{name}: detail type URL type.googleapis.com/{package}.{error_name}", f"type.googleapis.com/{package}.{error_name}" in type_urls, str(type_urls))
    detail = unpack(name, details, error_type)
    info = unpack(name, details, error_details_pb2.ErrorInfo)
    check(f"{name}: ErrorInfo reason {screaming(error_name)}, domain {package}", info.reason == screaming(error_name) and info.domain == package, str(info))
    if problem is not None:
        check(f"{name}: REST problem type names the same error", problem.get("type") == f"urn:omniface:error:{package}.{error_name}", str(problem))
        check(f"{name}: message equals REST's detail", error.details() == problem.get("detail"), f"gRPC {error.details()!r}, REST {problem.get('detail')!r}")
        own = {k: v for k, v in problem.items() if k not in ("type", "title", "status", "detail", "code", "instance")}
        check(f"{name}: {error_name} fields equal REST's", to_json(detail) == own, f"gRPC {to_json(detail)}, REST {own}")
    return detail


def violations_of(name, error):
    check(f"{name}: INVALID_ARGUMENT", error.code() == grpc.StatusCode.INVALID_ARGUMENT, f"got {error.code()} {error.details()!r}")
    bad = unpack(name, status_details(name, error), error_details_pb2.BadRequest)
    return [(v.field, v.description, v.reason) for v in bad.field_violations]


def rest_violations(body):
    return [(v["field"], v["message"], v["constraint"].upper()) for v in body.get("violations", [])]


def same_violations(name, error, rest_response, compare_descriptions=True):
    grpc_side = violations_of(name, error)
    check(f"{name}: REST answers 400", rest_response.status_code == 400, f"{rest_response.status_code} {rest_response.text}")
    rest_side = rest_violations(rest_response.json())
    if not compare_descriptions:
        grpc_side = [(f, r) for f, _, r in grpc_side]
        rest_side = [(f, r) for f, _, r in rest_side]
    check(f"{name}: BadRequest lists REST's violations {[v[0] for v in rest_side]}", grpc_side == rest_side, f"\n  gRPC: {grpc_side}\n  REST: {rest_side}")
    if compare_descriptions:
        check(f"{name}: message equals REST's detail", error.details() == rest_response.json()["detail"], f"gRPC {error.details()!r}, REST {rest_response.json()['detail']!r}")
    return grpc_side


def pet_input(name, species=p.SPECIES_CAT, **fields):
    return p.PetInput(name=name, species=species, **fields)


def new_key():
    return str(uuid.uuid4())


def pet_json(pet_input_message):
    """The REST body for a PetInput: proto3 JSON with empty strings and lists kept (an empty name
    must reach the validator, not be a missing field) and UNSPECIFIED enums left out, as a JSON
    client leaves out a field it has no value for."""
    body = to_json(pet_input_message)
    return {k: v for k, v in body.items() if not (isinstance(v, str) and v.endswith("_UNSPECIFIED"))}


class Petstore:
    def __init__(self):
        self.channel = channel(PETSTORE)
        self.stub = p_grpc.PetStoreServiceStub(self.channel)
        self.http = httpx.Client(base_url=PETSTORE, timeout=TIMEOUT, trust_env=False)

    def create(self, pet, metadata=USER, key=None):
        request = p.CreatePetRequest(pet=pet, idempotency_key=key or new_key())
        return self.stub.CreatePet(request, metadata=metadata, timeout=TIMEOUT).pet

    def rest_pet(self, pet_id):
        r = self.http.get(f"/pets/{pet_id}")
        if r.status_code != 200:
            raise Failed(f"FAIL GET /pets/{pet_id}: {r.status_code} {r.text}")
        return r.json()


# --- pet store: unary methods -------------------------------------------------------------------


def unary(ps):
    tom = ps.create(pet_input(f"gRPC Tom {RUN}", tags=["kitten", "grpc"], price=common_pb2.Money(currency_code="EUR", units=80, nanos=500000000)))
    check("CreatePet answers the new pet", tom.id > 0 and tom.name == f"gRPC Tom {RUN}" and list(tom.tags) == ["kitten", "grpc"] and tom.status == p.PET_STATUS_AVAILABLE, str(tom))
    got = ps.stub.GetPet(p.GetPetRequest(id=tom.id), timeout=TIMEOUT).pet
    check("GetPet answers what CreatePet answered", got == tom, f"{got} vs {tom}")
    same_as_json("GetPet vs REST GET /pets/{id}", got, ps.rest_pet(tom.id))

    query = "query($id: UInt64!) { getPet(id: $id) { id name tags createdAt updatedAt price { currencyCode units nanos } } }"
    r = ps.http.post("/graphql", json={"query": query, "variables": {"id": str(tom.id)}})
    gql = r.json()["data"]["getPet"]
    mine = to_json(got)
    check("GetPet vs GraphQL getPet: id, name, tags, price, timestamps",
          gql == {k: mine[k] for k in ("id", "name", "tags", "createdAt", "updatedAt", "price")}, f"GraphQL {gql}, gRPC {mine}")
    soap = zeep.Client(f"{PETSTORE}/soap/PetStore?wsdl").service.GetPet(id=tom.id)
    check("GetPet vs SOAP (zeep) GetPet: id, name, species, tags, price",
          (soap.id, soap.name, soap.species, list(soap.tags), soap.price.currencyCode, soap.price.units, soap.price.nanos)
          == (got.id, got.name, p.Species.Name(got.species), list(got.tags), got.price.currency_code, got.price.units, got.price.nanos), str(soap))

    key = new_key()
    first = ps.create(pet_input(f"gRPC Idem {RUN}", species=p.SPECIES_BIRD), key=key)
    again = ps.create(pet_input(f"gRPC Idem {RUN}", species=p.SPECIES_BIRD), key=key)
    check("CreatePet repeated with the same idempotency key answers the same pet", again == first, f"{again} vs {first}")

    body = pet_input(f"gRPC Tom {RUN}", tags=["kitten", "grpc", "house"], price=common_pb2.Money(currency_code="EUR", units=90), status=p.PET_STATUS_PENDING)
    updated = ps.stub.UpdatePet(p.UpdatePetRequest(id=tom.id, pet=body), metadata=USER, timeout=TIMEOUT).pet
    check("UpdatePet answers the replaced pet", updated.status == p.PET_STATUS_PENDING and updated.price.units == 90
          and list(updated.tags) == ["kitten", "grpc", "house"] and updated.created_at == tom.created_at, str(updated))
    same_as_json("UpdatePet vs REST GET /pets/{id} afterwards", updated, ps.rest_pet(tom.id))

    for request, params in [
        (p.ListPetsRequest(page_size=2), {"pageSize": 2}),
        (p.ListPetsRequest(), {}),
        (p.ListPetsRequest(species=p.SPECIES_CAT, tag="kitten", page_size=100), {"species": "SPECIES_CAT", "tag": "kitten", "pageSize": 100}),
        (p.ListPetsRequest(status=p.PET_STATUS_PENDING), {"status": "PET_STATUS_PENDING"}),
    ]:
        listed = ps.stub.ListPets(request, timeout=TIMEOUT)
        r = ps.http.get("/pets", params=params)
        same_as_json(f"ListPets {params or '(defaults)'} vs REST GET /pets", listed, r.json())
    page1 = ps.stub.ListPets(p.ListPetsRequest(page_size=1), timeout=TIMEOUT)
    check("ListPets page_size 1 has a next_page_token", page1.HasField("next_page_token") and len(page1.pets) == 1, str(page1))
    page2 = ps.stub.ListPets(p.ListPetsRequest(page_size=1, page_token=page1.next_page_token), timeout=TIMEOUT)
    r = ps.http.get("/pets", params={"pageSize": 1, "pageToken": page1.next_page_token})
    same_as_json("ListPets second page vs REST", page2, r.json())
    check("ListPets second page follows the first", page2.pets[0].id < page1.pets[0].id, f"{page1.pets[0].id} then {page2.pets[0].id}")

    listed = ps.stub.ListPets(p.ListPetsRequest(status=p.PET_STATUS_PENDING), timeout=TIMEOUT)
    check("ListPets status filter finds the updated pet", any(x.id == tom.id for x in listed.pets), str([x.id for x in listed.pets]))

    health = health_pb2_grpc.HealthStub(ps.channel)
    for service in ["", "acme.pets.v1.PetStoreService"]:
        answer = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
        check(f"grpc.health.v1 Check {service!r} is SERVING", answer.status == health_pb2.HealthCheckResponse.SERVING, str(answer))
    error = rpc_error("health of an unknown service", lambda: health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=TIMEOUT))
    check("grpc.health.v1 Check of an unknown service is NOT_FOUND", error.code() == grpc.StatusCode.NOT_FOUND, str(error.code()))
    return tom


def declared_errors(ps, tom):
    name = "GetPet of an unknown id"
    error = rpc_error(name, lambda: ps.stub.GetPet(p.GetPetRequest(id=987654321), timeout=TIMEOUT))
    detail = declared_error(name, error, p.PetNotFound, ps.http.get("/pets/987654321").json())
    check(f"{name}: PetNotFound.id is the id asked for", detail.id == 987654321, str(detail))

    r = ps.http.post("/graphql", json={"query": 'query { getPet(id: "987654321") { name } }'})
    extensions = r.json()["errors"][0]["extensions"]
    check(f"{name}: GraphQL has the same code, message and error fields",
          extensions["code"] == "PET_NOT_FOUND" and extensions["error"] == to_json(detail) and r.json()["errors"][0]["message"] == error.details(), r.text)
    try:
        zeep.Client(f"{PETSTORE}/soap/PetStore?wsdl").service.GetPet(id=987654321)
        raise Failed(f"FAIL {name}: SOAP GetPet raised no fault")
    except zeep.exceptions.Fault as fault:
        text = zeep.helpers.etree.tostring(fault.detail).decode() if fault.detail is not None else ""
        check(f"{name}: SOAP fault has the same message and a PetNotFound with the id",
              fault.message == error.details() and "PetNotFound" in text and "<id>987654321</id>" in text, f"{fault.message!r} {text}")

    name = "UpdatePet of an unknown id"
    body = pet_input("Nobody")
    error = rpc_error(name, lambda: ps.stub.UpdatePet(p.UpdatePetRequest(id=987654321, pet=body), metadata=USER, timeout=TIMEOUT))
    r = ps.http.put("/pets/987654321", json=pet_json(body), headers=REST_USER)
    check(f"{name}: detail id", declared_error(name, error, p.PetNotFound, r.json()).id == 987654321)

    name = "DeletePet (admin) of an unknown id"
    error = rpc_error(name, lambda: ps.stub.DeletePet(p.DeletePetRequest(id=987654321), metadata=ADMIN, timeout=TIMEOUT))
    r = ps.http.delete("/pets/987654321", headers=REST_ADMIN)
    check(f"{name}: detail id", declared_error(name, error, p.PetNotFound, r.json()).id == 987654321)

    name = "CreatePet of a duplicate (same name and species, new key)"
    dup = pet_input(tom.name, species=tom.species)
    error = rpc_error(name, lambda: ps.create(dup))
    r = ps.http.post("/pets", json=pet_json(dup), headers={**REST_USER, "Idempotency-Key": new_key()})
    detail = declared_error(name, error, p.PetAlreadyExists, r.json())
    check(f"{name}: PetAlreadyExists.existing_id is the first pet's", detail.existing_id == tom.id, str(detail))
    check(f"{name}: the proto declares ALREADY_EXISTS for PetAlreadyExists (http_status 409)", CODES.get("PetAlreadyExists") == "ALREADY_EXISTS", str(CODES))


def validation(ps, tom):
    long_name = "x" * 65
    cases = [
        ("CreatePet with a 65-character name", pet_input(long_name), "create", True),
        ("CreatePet with an empty name and a lower-case currency", pet_input("", price=common_pb2.Money(currency_code="eur", units=80)), "create", True),
        ("UpdatePet with a 65-character name and 21 tags", pet_input(long_name, tags=["t"] * 21), "update", True),
    ]
    for name, body, method, descriptions in cases:
        if method == "create":
            error = rpc_error(name, lambda: ps.create(body))
            r = ps.http.post("/pets", json=pet_json(body), headers={**REST_USER, "Idempotency-Key": new_key()})
        else:
            error = rpc_error(name, lambda: ps.stub.UpdatePet(p.UpdatePetRequest(id=tom.id, pet=body), metadata=USER, timeout=TIMEOUT))
            r = ps.http.put(f"/pets/{tom.id}", json=pet_json(body), headers=REST_USER)
        same_violations(name, error, r, descriptions)

    violations = violations_of("65-character name", rpc_error("65-character name", lambda: ps.create(pet_input(long_name))))
    check("CreatePet with a 65-character name: exactly pet.name, LENGTH", violations == [("pet.name", "must be between 1 and 64 characters long, not 65", "LENGTH")], str(violations))

    for name, request, params in [
        ("ListPets page_size 101", p.ListPetsRequest(page_size=101), {"pageSize": 101}),
        ("ListPets tag 'Not A Tag'", p.ListPetsRequest(tag="Not A Tag"), {"tag": "Not A Tag"}),
    ]:
        error = rpc_error(name, lambda: ps.stub.ListPets(request, timeout=TIMEOUT))
        same_violations(name, error, ps.http.get("/pets", params=params))

    # Type errors come from each protocol's decoder, so only the field and reason must agree.
    name = "CreatePet with an idempotency key that is not a UUID"
    body = pet_input("Keyless")
    error = rpc_error(name, lambda: ps.create(body, key="not-a-uuid"))
    r = ps.http.post("/pets", json=pet_json(body), headers={**REST_USER, "Idempotency-Key": "not-a-uuid"})
    check(f"{name}: idempotencyKey, TYPE", [(f, why) for f, _, why in violations_of(name, error)] == [("idempotencyKey", "TYPE")], error.details())
    same_violations(name, error, r, compare_descriptions=False)

    # proto3 cannot leave an enum out: SPECIES_UNSPECIFIED is "no value" (the proto comment says it
    # is rejected on input), the same as a JSON body without `species`.
    name = "CreatePet without a species"
    error = rpc_error(name, lambda: ps.create(p.PetInput(name="Speciesless")))
    r = ps.http.post("/pets", json={"name": "Speciesless", "tags": []}, headers={**REST_USER, "Idempotency-Key": new_key()})
    check(f"{name}: pet.species, REQUIRED", [(f, why) for f, _, why in violations_of(name, error)] == [("pet.species", "REQUIRED")], error.details())
    same_violations(name, error, r, compare_descriptions=False)


def auth(ps, tom):
    body = pet_input("Anonymous")
    for name, metadata, headers in [
        ("CreatePet without a token", None, {}),
        ("CreatePet with an unknown token", [("authorization", "Bearer nobody-token")], {"Authorization": "Bearer nobody-token"}),
    ]:
        error = rpc_error(name, lambda: ps.create(body, metadata=metadata))
        r = ps.http.post("/pets", json=pet_json(body), headers={**headers, "Idempotency-Key": new_key()})
        check(f"{name}: UNAUTHENTICATED, like REST's 401", error.code() == grpc.StatusCode.UNAUTHENTICATED and r.status_code == 401, f"{error.code()} {r.status_code}")
        check(f"{name}: message equals REST's detail", error.details() == r.json()["detail"], f"{error.details()!r} vs {r.json()['detail']!r}")
    name = "DeletePet with user-token (no pets:admin scope)"
    error = rpc_error(name, lambda: ps.stub.DeletePet(p.DeletePetRequest(id=tom.id), metadata=USER, timeout=TIMEOUT))
    r = ps.http.delete(f"/pets/{tom.id}", headers=REST_USER)
    check(f"{name}: PERMISSION_DENIED, like REST's 403", error.code() == grpc.StatusCode.PERMISSION_DENIED and r.status_code == 403, f"{error.code()} {r.status_code}")
    check(f"{name}: message equals REST's detail", error.details() == r.json()["detail"], f"{error.details()!r} vs {r.json()['detail']!r}")
    error = rpc_error("UploadPhoto without a token", lambda: ps.stub.UploadPhoto(iter([p.UploadPhotoRequest(chunks=p.PhotoChunk(pet_id=tom.id, content_type="image/png", data=b"x"))]), timeout=TIMEOUT))
    check("UploadPhoto (client stream) without a token: UNAUTHENTICATED", error.code() == grpc.StatusCode.UNAUTHENTICATED, str(error.code()))
    error = rpc_error("SubscribePetSold without a token", lambda: next(ps.stub.SubscribePetSold(p.SubscribePetSoldRequest(), timeout=TIMEOUT)))
    check("SubscribePetSold (event stream) without a token: UNAUTHENTICATED", error.code() == grpc.StatusCode.UNAUTHENTICATED, str(error.code()))

    victim = ps.create(pet_input(f"gRPC Doomed {RUN}", species=p.SPECIES_FISH))
    answer = ps.stub.DeletePet(p.DeletePetRequest(id=victim.id), metadata=ADMIN, timeout=TIMEOUT)
    check("DeletePet with admin-token answers DeletePetResponse {}", answer == p.DeletePetResponse(), str(answer))
    error = rpc_error("GetPet after DeletePet", lambda: ps.stub.GetPet(p.GetPetRequest(id=victim.id), timeout=TIMEOUT))
    check("GetPet after DeletePet: NOT_FOUND, and REST 404", error.code() == grpc.StatusCode.NOT_FOUND and ps.http.get(f"/pets/{victim.id}").status_code == 404, str(error.code()))


# --- pet store: streams --------------------------------------------------------------------------


def next_item(name, iterator):
    try:
        return next(iterator)
    except StopIteration:
        raise Failed(f"FAIL {name}: the stream ended")
    except grpc.RpcError as error:
        raise Failed(f"FAIL {name}: the stream failed: {error.code()} {error.details()!r}")


def server_stream(ps):
    """WatchPets: opened over gRPC and over REST's SSE at once; the same changes arrive on both."""
    watch = ps.stub.WatchPets(p.WatchPetsRequest(), timeout=STREAM_TIMEOUT)
    dogs = ps.stub.WatchPets(p.WatchPetsRequest(species=p.SPECIES_DOG), timeout=STREAM_TIMEOUT)
    watch.initial_metadata()  # the server has subscribed once its headers are back
    dogs.initial_metadata()
    with connect_sse(ps.http, "GET", "/pet-store/watch-pets") as source:
        check("REST SSE /pet-store/watch-pets opened", source.response.status_code == 200, str(source.response.status_code))
        sse = source.iter_sse()
        cat = ps.create(pet_input(f"gRPC Streamed Cat {RUN}"))
        event = next_item("WatchPets after CreatePet", watch).pet_event
        check("WatchPets: CreatePet arrives as `added` with the created pet", event.WhichOneof("pet_event") == "added" and event.added == cat, str(event))
        check("WatchPets `added` equals REST's SSE item", to_json(event) == json.loads(next(sse).data), "")

        body = pet_input(f"gRPC Streamed Cat {RUN}", tags=["sleepy"], status=p.PET_STATUS_PENDING)
        changed = ps.stub.UpdatePet(p.UpdatePetRequest(id=cat.id, pet=body), metadata=USER, timeout=TIMEOUT).pet
        event = next_item("WatchPets after UpdatePet", watch).pet_event
        check("WatchPets: UpdatePet arrives as `changed` with the new pet and changed_fields [status, tags]",
              event.WhichOneof("pet_event") == "changed" and event.changed.pet == changed and list(event.changed.changed_fields) == ["status", "tags"], str(event))
        same_as_json("WatchPets `changed` vs REST's SSE item", event, json.loads(next(sse).data))

        dog = ps.create(pet_input(f"gRPC Streamed Dog {RUN}", species=p.SPECIES_DOG))
        event = next_item("WatchPets(species DOG)", dogs).pet_event
        check("WatchPets(species: DOG) skips the cat and sends the dog", event.WhichOneof("pet_event") == "added" and event.added.id == dog.id, str(event))
        check("WatchPets: the dog on the unfiltered stream too", next_item("WatchPets", watch).pet_event.added == dog)
        next(sse)

        ps.stub.DeletePet(p.DeletePetRequest(id=cat.id), metadata=ADMIN, timeout=TIMEOUT)
        event = next_item("WatchPets after DeletePet", watch).pet_event
        check("WatchPets: DeletePet arrives as `removed` with the id", event.WhichOneof("pet_event") == "removed" and event.removed.id == cat.id and event.removed.removed_at.seconds > 0, str(event))
        check("WatchPets `removed` equals REST's SSE item", to_json(event) == json.loads(next(sse).data), "")
        event = next_item("WatchPets(species DOG) after DeletePet", dogs).pet_event
        check("WatchPets(species: DOG) also sends removals", event.WhichOneof("pet_event") == "removed" and event.removed.id == cat.id, str(event))
    watch.cancel()
    dogs.cancel()
    check("WatchPets cancelled by the client ends as CANCELLED", watch.code() == grpc.StatusCode.CANCELLED, str(watch.code()))


def client_stream(ps, tom):
    chunks = [p.PhotoChunk(pet_id=tom.id, content_type="image/png", data=b"\x89PNG\r\n"), p.PhotoChunk(pet_id=tom.id, data=b"\x00" * 1000), p.PhotoChunk(pet_id=tom.id, data=b"end")]
    photo = ps.stub.UploadPhoto(iter([p.UploadPhotoRequest(chunks=x) for x in chunks]), metadata=USER, timeout=TIMEOUT).photo
    size = sum(len(x.data) for x in chunks)
    check("UploadPhoto (client stream, 3 chunks) answers the photo", photo.pet_id == tom.id and photo.content_type == "image/png" and photo.url == f"/photos/{tom.id}/{size}" and uuid.UUID(photo.id), str(photo))
    pet = ps.stub.GetPet(p.GetPetRequest(id=tom.id), timeout=TIMEOUT).pet
    check("GetPet lists the uploaded photo last", pet.photos[-1] == photo, str(pet.photos))
    same_as_json("GetPet with a photo vs REST", pet, ps.rest_pet(tom.id))

    name = "UploadPhoto without content_type in the first chunk"
    error = rpc_error(name, lambda: ps.stub.UploadPhoto(iter([p.UploadPhotoRequest(chunks=p.PhotoChunk(pet_id=tom.id, data=b"x"))]), metadata=USER, timeout=TIMEOUT))
    r = ps.http.post("/pet-store/upload-photo", content=json.dumps({"petId": str(tom.id), "data": "eA=="}) + "\n", headers={**REST_USER, "Content-Type": "application/x-ndjson"})
    detail = declared_error(name, error, p.InvalidPhoto, r.json())
    check(f"{name}: InvalidPhoto.reason", detail.reason == "the first chunk must carry `content_type`", str(detail))

    name = "UploadPhoto of no chunks"
    error = rpc_error(name, lambda: ps.stub.UploadPhoto(iter([]), metadata=USER, timeout=TIMEOUT))
    detail = declared_error(name, error, p.InvalidPhoto, None)
    check(f"{name}: InvalidPhoto.reason", detail.reason == "the upload has no chunks", str(detail))

    name = "UploadPhoto for an unknown pet"
    error = rpc_error(name, lambda: ps.stub.UploadPhoto(iter([p.UploadPhotoRequest(chunks=p.PhotoChunk(pet_id=987654321, content_type="image/png", data=b"x"))]), metadata=USER, timeout=TIMEOUT))
    r = ps.http.post("/pet-store/upload-photo", content=json.dumps({"petId": "987654321", "contentType": "image/png", "data": "eA=="}) + "\n", headers={**REST_USER, "Content-Type": "application/x-ndjson"})
    check(f"{name}: detail id", declared_error(name, error, p.PetNotFound, r.json()).id == 987654321)

    name = "UploadPhoto with content_type text/plain"
    error = rpc_error(name, lambda: ps.stub.UploadPhoto(iter([p.UploadPhotoRequest(chunks=p.PhotoChunk(pet_id=tom.id, content_type="text/plain", data=b"x"))]), metadata=USER, timeout=TIMEOUT))
    r = ps.http.post("/pet-store/upload-photo", content=json.dumps({"petId": str(tom.id), "contentType": "text/plain", "data": "eA=="}) + "\n", headers={**REST_USER, "Content-Type": "application/x-ndjson"})
    same_violations(name, error, r)


def event_stream(ps):
    sold = ps.stub.SubscribePetSold(p.SubscribePetSoldRequest(), metadata=USER, timeout=STREAM_TIMEOUT)
    sold.initial_metadata()
    pet = ps.create(pet_input(f"gRPC Sold Cat {RUN}", price=common_pb2.Money(currency_code="USD", units=120, nanos=250000000)))
    with connect_sse(ps.http, "GET", "/pet-store/events/pet-sold", headers=REST_USER) as source:
        sse = source.iter_sse()
        body = pet_input(pet.name, price=pet.price, status=p.PET_STATUS_SOLD)
        updated = ps.stub.UpdatePet(p.UpdatePetRequest(id=pet.id, pet=body), metadata=USER, timeout=TIMEOUT).pet
        event = next_item("SubscribePetSold after UpdatePet status SOLD", sold)
        check("SubscribePetSold: the sale arrives with the pet's id, price and sold_at = updated_at",
              event.id == pet.id and event.price == pet.price and event.sold_at == updated.updated_at, f"{event} for {updated}")
        same_as_json("SubscribePetSold event vs REST's SSE /pet-store/events/pet-sold", event, json.loads(next(sse).data))
    sold.cancel()


def deadline_and_compression(ps, tom):
    started = time.monotonic()
    error = rpc_error("WatchPets with timeout=0.3", lambda: list(ps.stub.WatchPets(p.WatchPetsRequest(), timeout=0.3)))
    took = time.monotonic() - started
    check(f"WatchPets with timeout=0.3: DEADLINE_EXCEEDED after {took:.2f} s", error.code() == grpc.StatusCode.DEADLINE_EXCEEDED and took < 3, f"{error.code()} after {took:.2f} s")

    # grpcio enforces its own deadline too; over gRPC-Web (HTTP/1.1, httpx, no client deadline
    # but a 5 s read timeout) only the server can end the call when `grpc-timeout` passes.
    started = time.monotonic()
    r = ps.http.post("/acme.pets.v1.PetStoreService/WatchPets", content=frame(p.WatchPetsRequest().SerializeToString()),
                     headers={"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "grpc-timeout": "300m"}, timeout=5)
    took = time.monotonic() - started
    trailers = web_trailers(web_frames(r.content))
    check(f"gRPC-Web WatchPets with grpc-timeout 300m: the server ends it with grpc-status 4 (DEADLINE_EXCEEDED) after {took:.2f} s",
          trailers.get("grpc-status") == "4" and took < 3, f"{trailers} after {took:.2f} s")

    pet = ps.stub.GetPet(p.GetPetRequest(id=tom.id), timeout=TIMEOUT, compression=grpc.Compression.Gzip).pet
    check("GetPet with a gzip-compressed request", pet.id == tom.id, str(pet))
    created = ps.stub.CreatePet(p.CreatePetRequest(pet=pet_input(f"gRPC Gzip {RUN} " + "z" * 40), idempotency_key=new_key()), metadata=USER, timeout=TIMEOUT, compression=grpc.Compression.Gzip).pet
    check("CreatePet with a gzip-compressed request", created.name.startswith("gRPC Gzip"), str(created))

    request = gzip.compress(p.GetPetRequest(id=tom.id).SerializeToString())
    r = ps.http.post("/acme.pets.v1.PetStoreService/GetPet", content=frame(request, compressed=True),
                     headers={"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip"})
    frames = web_frames(r.content)
    data = [body for flags, body in frames if not flags & 0x80]
    check("gRPC-Web GetPet, gzip both ways: grpc-encoding gzip and a compressed message frame",
          r.headers.get("grpc-encoding") == "gzip" and len(data) == 1 and frames[0][0] == 1, f"{r.headers} {frames}")
    check("gRPC-Web GetPet, gzip: grpc-status 0", web_trailers(frames).get("grpc-status") == "0", str(frames))
    answer = p.GetPetResponse.FromString(gzip.decompress(data[0]))
    check("gRPC-Web GetPet, gzip: the same pet as over gRPC", answer.pet == pet, str(answer))


def frame(message, compressed=False):
    return struct.pack(">BI", 1 if compressed else 0, len(message)) + message


def web_frames(body):
    frames, at = [], 0
    while at + 5 <= len(body):
        flags, length = struct.unpack(">BI", body[at:at + 5])
        frames.append((flags, body[at + 5:at + 5 + length]))
        at += 5 + length
    return frames


def web_trailers(frames):
    trailers = {}
    for flags, body in frames:
        if flags & 0x80:
            for line in body.decode().split("\r\n"):
                if ":" in line:
                    key, value = line.split(":", 1)
                    trailers[key.strip().lower()] = value.strip()
    return trailers


# --- buf curl, through server reflection ---------------------------------------------------------


def buf(*args):
    command = [BUF, "curl", "--connect-timeout", "5", *args]
    print(f"     $ buf curl {' '.join(args)}", flush=True)
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def buf_curl(ps, tom):
    expected = {f"acme.pets.v1.PetStoreService/{m}" for m in p.DESCRIPTOR.services_by_name["PetStoreService"].methods_by_name}
    for version in ["grpc-v1", "grpc-v1alpha"]:
        out = buf("--protocol", "grpc", "--http2-prior-knowledge", "--reflect-protocol", version, "--list-methods", PETSTORE)
        listed = set(out.stdout.split())
        check(f"buf curl --list-methods (reflection {version}) lists every rpc of the proto and grpc.health.v1.Health/Check",
              out.returncode == 0 and expected <= listed and "grpc.health.v1.Health/Check" in listed, f"missing {sorted(expected - listed)}; {out.stdout}{out.stderr}")
    pet = ps.stub.GetPet(p.GetPetRequest(id=tom.id), timeout=TIMEOUT)
    for protocol in ["grpc", "grpcweb"]:
        extra = ["--http2-prior-knowledge"] if protocol == "grpc" else []
        out = buf("--protocol", protocol, *extra, "-d", json.dumps({"id": str(tom.id)}), f"{PETSTORE}/acme.pets.v1.PetStoreService/GetPet")
        check(f"buf curl --protocol {protocol} GetPet exits 0", out.returncode == 0, out.stderr)
        answer = json.loads(out.stdout)
        check(f"buf curl --protocol {protocol} GetPet: the JSON equals the Python client's message as proto3 JSON",
              answer == json_format.MessageToDict(pet), f"\n  buf: {answer}\n  grpcio: {json_format.MessageToDict(pet)}")
        check(f"buf curl --protocol {protocol} GetPet: equal as messages", json_format.ParseDict(answer, p.GetPetResponse()) == pet)
    out = buf("--protocol", "grpc", "--http2-prior-knowledge", "-d", '{"id":"987654321"}', f"{PETSTORE}/acme.pets.v1.PetStoreService/GetPet")
    check("buf curl GetPet of an unknown id exits 40 (8 x NOT_FOUND)", out.returncode == 40, f"{out.returncode} {out.stderr}")
    error = json.loads(out.stderr)
    details = {d["type"]: d["value"] for d in error.get("details", [])}
    raw = details.get("acme.pets.v1.PetNotFound", "")
    raw = raw.replace("-", "+").replace("_", "/")
    detail = p.PetNotFound.FromString(base64.b64decode(raw + "=" * (-len(raw) % 4)))
    check("buf curl GetPet of an unknown id: not_found, with a PetNotFound detail holding the id",
          error["code"] == "not_found" and detail.id == 987654321 and "google.rpc.ErrorInfo" in details, out.stderr)
    out = buf("--protocol", "grpc", "--http2-prior-knowledge", "-d", '{"service":"acme.pets.v1.PetStoreService"}', f"{PETSTORE}/grpc.health.v1.Health/Check")
    check("buf curl grpc.health.v1.Health/Check: SERVING", out.returncode == 0 and json.loads(out.stdout) == {"status": "SERVING"}, out.stdout + out.stderr)
    out = buf("--protocol", "grpc", "--http2-prior-knowledge", "-H", "Authorization: Bearer user-token",
              "-d", json.dumps({"pet": {"name": f"buf Cat {RUN}", "species": "SPECIES_CAT"}, "idempotencyKey": new_key()}), f"{PETSTORE}/acme.pets.v1.PetStoreService/CreatePet")
    check("buf curl CreatePet with an Authorization header", out.returncode == 0 and json.loads(out.stdout)["pet"]["name"] == f"buf Cat {RUN}", out.stdout + out.stderr)


# --- chat ----------------------------------------------------------------------------------------


def chat():
    ch = channel(CHAT)
    stub = c_grpc.ChatServiceStub(ch)
    http = httpx.Client(base_url=CHAT, timeout=TIMEOUT, trust_env=False)
    alice, bob = [("authorization", "Bearer alice-token")], [("authorization", "Bearer bob-token")]
    rest_alice = {"Authorization": "Bearer alice-token"}

    error = rpc_error("CreateRoom without a token", lambda: stub.CreateRoom(c.CreateRoomRequest(name="x"), timeout=TIMEOUT))
    check("chat CreateRoom without a token: UNAUTHENTICATED", error.code() == grpc.StatusCode.UNAUTHENTICATED, str(error.code()))
    room = stub.CreateRoom(c.CreateRoomRequest(name=f"grpc-lounge-{RUN}", topic="tests", visibility=c.ROOM_VISIBILITY_PUBLIC), metadata=alice, timeout=TIMEOUT).room
    check("chat CreateRoom answers the room", room.id and room.name == f"grpc-lounge-{RUN}" and room.topic == "tests", str(room))
    listed = stub.ListRooms(c.ListRoomsRequest(name_contains=f"grpc-lounge-{RUN}"), metadata=alice, timeout=TIMEOUT).room_page
    check("chat ListRooms finds it", [r.id for r in listed.rooms] == [room.id], str(listed))
    same_as_json("chat ListRooms vs REST GET /rooms?q=", listed, http.get("/rooms", params={"q": f"grpc-lounge-{RUN}"}, headers=rest_alice).json())
    joined = stub.JoinRoom(c.JoinRoomRequest(room_id=room.id), metadata=bob, timeout=TIMEOUT).room
    check("chat JoinRoom answers the room", joined == room, str(joined))
    name = "chat JoinRoom of an unknown room"
    error = rpc_error(name, lambda: stub.JoinRoom(c.JoinRoomRequest(room_id="no-such-room"), metadata=bob, timeout=TIMEOUT))
    r = http.put("/rooms/no-such-room/members/me", headers=rest_alice)
    check(f"{name}: detail room_id", declared_error(name, error, c.RoomNotFound, r.json()).room_id == "no-such-room")

    posted_events = stub.SubscribeMessagePosted(c.SubscribeMessagePostedRequest(), metadata=alice, timeout=STREAM_TIMEOUT)
    presence_events = stub.SubscribePresenceChanged(c.SubscribePresenceChangedRequest(), metadata=alice, timeout=STREAM_TIMEOUT)
    posted_events.initial_metadata()
    presence_events.initial_metadata()

    # The bidirectional stream: each side's requests come from a queue (None closes that side).
    def opened(metadata):
        outbox = queue.Queue()

        def requests():
            while True:
                item = outbox.get(timeout=TIMEOUT)
                if item is None:
                    return
                yield c.ChatRequest(messages=item)

        return outbox, stub.Chat(requests(), metadata=metadata, timeout=STREAM_TIMEOUT)

    def enter():
        return c.ClientMessage(enter=c.EnterRoom(room_id=room.id))

    def say(text):
        return c.ClientMessage(send=c.SendMessage(room_id=room.id, text=text))

    def received(name, call):
        return next_item(name, call).server_message

    def presence(user, status):
        return c.ServerMessage(presence=c.PresenceUpdate(room_id=room.id, user_id=user, status=status))

    a_out, a_in = opened(alice)
    a_out.put(enter())
    got = received("Chat: alice enters", a_in)
    check("Chat (bidirectional): alice enters the room and sees herself online", got == presence("alice", c.PRESENCE_STATUS_ONLINE), str(got))
    b_out, b_in = opened(bob)
    b_out.put(enter())
    check("Chat: bob enters; bob sees himself online", received("Chat: bob enters", b_in) == presence("bob", c.PRESENCE_STATUS_ONLINE))
    check("Chat: alice sees bob online", received("Chat: alice sees bob", a_in) == presence("bob", c.PRESENCE_STATUS_ONLINE))
    b_out.put(say(""))  # breaks #[length(1..=4000)]: skipped, the chat goes on
    b_out.put(say("hello from bob"))
    to_alice, to_bob = received("Chat: bob's message to alice", a_in), received("Chat: bob's message to bob", b_in)
    check("Chat: bob's message reaches alice (the empty one was skipped)",
          to_alice.WhichOneof("server_message") == "posted" and to_alice.posted.text == "hello from bob" and to_alice.posted.author_id == "bob"
          and to_alice.posted.room_id == room.id, str(to_alice))
    check("Chat: and bob himself, identical", to_bob == to_alice, f"{to_bob} vs {to_alice}")
    a_out.put(say("hi bob"))
    reply = received("Chat: alice's reply to bob", b_in)
    check("Chat: alice's reply reaches bob", reply.posted.text == "hi bob" and reply.posted.author_id == "alice", str(reply))
    check("Chat: and alice, identical", received("Chat: alice's own reply", a_in) == reply)
    a_out.put(None)  # alice closes her side: her response stream ends, bob sees her go offline
    rest = []
    try:
        for item in a_in:
            rest.append(item.server_message)
    except grpc.RpcError as error:
        raise Failed(f"FAIL Chat: alice's stream failed after she closed her side: {error.code()} {error.details()!r}")
    check("Chat: alice's stream ends with OK after she closes her side", a_in.code() == grpc.StatusCode.OK
          and all(m == presence("alice", c.PRESENCE_STATUS_OFFLINE) for m in rest), f"{a_in.code()} {rest}")
    check("Chat: bob sees alice offline", received("Chat: alice offline", b_in) == presence("alice", c.PRESENCE_STATUS_OFFLINE))
    b_out.put(None)
    list(b_in)
    check("Chat: bob's stream ends with OK", b_in.code() == grpc.StatusCode.OK, str(b_in.code()))

    history = stub.GetHistory(c.GetHistoryRequest(room_id=room.id), metadata=alice, timeout=TIMEOUT).history_page
    check("chat GetHistory has both messages", [m.text for m in history.messages] == ["hello from bob", "hi bob"] and history.messages[0] == to_alice.posted, str(history))
    same_as_json("chat GetHistory vs REST GET /rooms/{id}/messages", history, http.get(f"/rooms/{room.id}/messages", headers=rest_alice).json())
    name = "chat GetHistory of an unknown room"
    error = rpc_error(name, lambda: stub.GetHistory(c.GetHistoryRequest(room_id="no-such-room"), metadata=alice, timeout=TIMEOUT))
    check(f"{name}: detail room_id", declared_error(name, error, c.RoomNotFound, http.get("/rooms/no-such-room/messages", headers=rest_alice).json()).room_id == "no-such-room")
    name = "chat GetHistory page_size 101"
    error = rpc_error(name, lambda: stub.GetHistory(c.GetHistoryRequest(room_id=room.id, page_size=101), metadata=alice, timeout=TIMEOUT))
    same_violations(name, error, http.get(f"/rooms/{room.id}/messages", params={"pageSize": 101}, headers=rest_alice))

    answer = stub.ReportMessage(c.ReportMessageRequest(room_id=room.id, message_id=to_alice.posted.id, reason=c.REPORT_REASON_SPAM), metadata=alice, timeout=TIMEOUT)
    check("chat ReportMessage answers ReportMessageResponse {}", answer == c.ReportMessageResponse(), str(answer))
    name = "chat ReportMessage in an unknown room"
    error = rpc_error(name, lambda: stub.ReportMessage(c.ReportMessageRequest(room_id="no-such-room", message_id="m1", reason=c.REPORT_REASON_SPAM), metadata=alice, timeout=TIMEOUT))
    check(f"{name}: detail room_id", declared_error(name, error, c.RoomNotFound, None).room_id == "no-such-room")

    event = next_item("SubscribeMessagePosted", posted_events)
    check("chat SubscribeMessagePosted: the first message, as posted", event.room_id == room.id and event.message == to_alice.posted, str(event))
    event = next_item("SubscribePresenceChanged", presence_events)
    check("chat SubscribePresenceChanged: alice online first", (event.room_id, event.user_id, event.status) == (room.id, "alice", c.PRESENCE_STATUS_ONLINE), str(event))
    posted_events.cancel()
    presence_events.cancel()


def main():
    started = time.monotonic()
    print(f"declared error codes from the proto comments: {CODES}", flush=True)
    ps = Petstore()
    failures = []

    def group(title, run, *args):
        print(f"  -- {title}", flush=True)
        try:
            return run(*args)
        except Failed as failure:
            print(str(failure), flush=True)
            failures.append(str(failure))
        except Exception as error:  # a crash in a group is a failure of that group, not the end
            message = f"FAIL {title}: {type(error).__name__}: {error}"
            print(message, flush=True)
            failures.append(message)

    tom = group("pet store: unary rpcs, answers equal REST, GraphQL and SOAP", unary, ps)
    if tom is None:
        raise SystemExit("the first group failed; the others need its pet")
    group("pet store: declared errors", declared_errors, ps, tom)
    group("pet store: constraint violations", validation, ps, tom)
    group("pet store: authentication and scopes", auth, ps, tom)
    group("pet store: server stream WatchPets", server_stream, ps)
    group("pet store: client stream UploadPhoto", client_stream, ps, tom)
    group("pet store: event stream SubscribePetSold", event_stream, ps)
    group("pet store: deadlines and gzip", deadline_and_compression, ps, tom)
    group("pet store: buf curl through server reflection", buf_curl, ps, tom)
    group("chat: every rpc, the bidirectional Chat stream", chat)
    if failures:
        print(f"\n{len(failures)} group(s) failed ({COUNT} checks run in {time.monotonic() - started:.1f} s):", flush=True)
        for failure in failures:
            print(f"  {failure}", flush=True)
        raise SystemExit(1)
    print(f"{COUNT} checks passed in {time.monotonic() - started:.1f} s", flush=True)


main()
