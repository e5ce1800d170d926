"""Calls the running pet store example from Python clients of each protocol.

Usage: petstore.py BASE_URL   (e.g. http://127.0.0.1:8080)

Each client is the ecosystem's usual one: httpx for REST and JSON-RPC, zeep built from the served
WSDL for SOAP, gql over HTTP and graphql-transport-ws for GraphQL, websockets for the omniface
WebSocket subprotocol, httpx-sse (with a reconnect resuming by Last-Event-ID) for events. The same
invalid input, missing token and declared error are checked to map the same way on each.
"""

import asyncio
import json
import sys
import uuid

import httpx
import jsonschema
import websockets
import zeep
from gql import Client as GqlClient, gql
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from httpx_sse import connect_sse

BASE = sys.argv[1].rstrip("/")
USER = {"Authorization": "Bearer user-token"}
CHECKS = []


def check(name, condition, detail=""):
    CHECKS.append(name)
    if not condition:
        raise SystemExit(f"FAIL {name}: {detail}")
    print(f"ok   {name}")


def pet_input(name, currency="EUR"):
    return {"name": name, "species": "SPECIES_CAT", "tags": ["kitten"], "price": {"currencyCode": currency, "units": "80"}}


EXPECTED_FIELDS = ["pet.name", "pet.price.currencyCode"]


def rest():
    with httpx.Client(base_url=BASE, timeout=10) as http:
        r = http.post("/pets", json=pet_input("Tom"), headers={"Idempotency-Key": str(uuid.uuid4())})
        check("rest: missing token is 401 problem+json", r.status_code == 401 and r.headers["content-type"] == "application/problem+json", r.text)
        r = http.post("/pets", json=pet_input("Tom"), headers={**USER, "Idempotency-Key": str(uuid.uuid4())})
        check("rest: create", r.status_code == 200 and r.json()["name"] == "Tom", r.text)
        pet_id = r.json()["id"]
        r = http.get(f"/pets/{pet_id}")
        check("rest: get", r.status_code == 200 and r.json()["species"] == "SPECIES_CAT", r.text)
        r2 = http.get(f"/pets/{pet_id}", headers={"If-None-Match": r.headers["etag"]})
        check("rest: ETag gives 304", r2.status_code == 304, str(r2.status_code))
        r = http.get("/pets/999999")
        check("rest: declared error", r.status_code == 404 and r.json()["type"] == "urn:omniface:error:acme.pets.v1.PetNotFound", r.text)
        r = http.post("/pets", json=pet_input("", "eur"), headers={**USER, "Idempotency-Key": str(uuid.uuid4())})
        fields = [v["field"] for v in r.json().get("violations", [])]
        check("rest: every violation at once", r.status_code == 400 and fields == EXPECTED_FIELDS, r.text)
        return pet_id


def json_rpc(pet_id):
    with httpx.Client(base_url=BASE, timeout=10) as http:
        r = http.post("/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "PetStore.get_pet", "params": {"id": pet_id}})
        check("json-rpc: named params", r.json()["result"]["id"] == pet_id, r.text)
        r = http.post("/rpc", json=[{"jsonrpc": "2.0", "id": 1, "method": "PetStore.get_pet", "params": [pet_id]},
                                    {"jsonrpc": "2.0", "id": 2, "method": "PetStore.get_pet", "params": ["999999"]}])
        replies = {reply["id"]: reply for reply in r.json()}
        check("json-rpc: batch with positional params", replies[1]["result"]["id"] == pet_id, r.text)
        check("json-rpc: declared error", replies[2]["error"]["code"] == 404 and replies[2]["error"]["data"]["code"] == "PetNotFound", r.text)
        params = {"pet": pet_input("", "eur"), "idempotencyKey": str(uuid.uuid4())}
        r = http.post("/rpc", json={"jsonrpc": "2.0", "id": 3, "method": "PetStore.create_pet", "params": params}, headers=USER)
        error = r.json()["error"]
        check("json-rpc: invalid params", error["code"] == -32602 and [v["field"] for v in error["data"]["violations"]] == EXPECTED_FIELDS, r.text)
        r = http.post("/rpc", json={"jsonrpc": "2.0", "id": 4, "method": "PetStore.create_pet", "params": params})
        check("json-rpc: missing token", r.json()["error"]["code"] == 401, r.text)


def soap(pet_id):
    client = zeep.Client(f"{BASE}/soap/PetStore?wsdl")
    pet = client.service.GetPet(id=int(pet_id))
    check("soap (zeep): GetPet", pet.name == "Tom" and pet.species == "SPECIES_CAT", str(pet))
    listed = client.service.ListPets(pageSize=10)
    check("soap (zeep): ListPets", any(p.name == "Tom" for p in listed.pets), str(listed))
    try:
        client.service.GetPet(id=999999)
        check("soap (zeep): declared fault", False, "no fault raised")
    except zeep.exceptions.Fault as fault:
        check("soap (zeep): declared fault", "PetNotFound" in zeep.helpers.etree.tostring(fault.detail).decode() if fault.detail is not None else False, str(fault))
    try:
        client.service.ListPets(pageSize=0)
        check("soap (zeep): validation fault", False, "no fault raised")
    except zeep.exceptions.Fault as fault:
        check("soap (zeep): validation fault", "pageSize" in fault.message or "pageSize" in str(zeep.helpers.etree.tostring(fault.detail)), str(fault))


async def graphql(pet_id):
    transport = HTTPXAsyncTransport(url=f"{BASE}/graphql", headers=USER, timeout=10)
    async with GqlClient(transport=transport, fetch_schema_from_transport=True) as session:
        result = await session.execute(gql("query($id: UInt64!) { getPet(id: $id) { name species price { currencyCode units } } }"), variable_values={"id": pet_id})
        check("graphql: query", result["getPet"]["name"] == "Tom" and result["getPet"]["species"] == "CAT", str(result))
        created = await session.execute(
            gql("mutation($key: UUID!) { createPet(pet: {name: \"Felix\", species: CAT, tags: []}, idempotencyKey: $key) { id name } }"),
            variable_values={"key": str(uuid.uuid4())},
        )
        check("graphql: mutation", created["createPet"]["name"] == "Felix", str(created))
        try:
            await session.execute(gql("query { getPet(id: \"999999\") { name } }"))
            check("graphql: declared error", False, "no error")
        except Exception as error:  # gql raises TransportQueryError with the errors list
            errors = getattr(error, "errors", None) or []
            codes = [e.get("extensions", {}).get("code") for e in errors]
            check("graphql: declared error", "PET_NOT_FOUND" in codes, str(error))
    ws = WebsocketsTransport(url=f"{BASE.replace('http', 'ws', 1)}/graphql/ws", init_payload={"authorization": "Bearer user-token"}, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL])
    async with GqlClient(transport=ws) as session:
        async def first_event():
            async for result in session.subscribe(gql("subscription { watchPets { __typename ... on Pet { name } } }")):
                return result
        waiting = asyncio.create_task(first_event())
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=BASE) as http:
            await http.post("/pets", json=pet_input("Garfield"), headers={**USER, "Idempotency-Key": str(uuid.uuid4())})
        event = await asyncio.wait_for(waiting, 10)
        check("graphql: subscription over graphql-transport-ws", event["watchPets"]["name"] == "Garfield", str(event))


async def websocket(pet_id):
    async with websockets.connect(f"{BASE.replace('http', 'ws', 1)}/ws", subprotocols=["omniface.jsonrpc.v1"], additional_headers=USER) as ws:
        check("websocket: subprotocol", ws.subprotocol == "omniface.jsonrpc.v1", str(ws.subprotocol))
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "PetStore.get_pet", "params": {"id": pet_id}}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check("websocket: unary call", reply["result"]["name"] == "Tom", str(reply))
        params = {"pet": pet_input("", "eur"), "idempotencyKey": str(uuid.uuid4())}
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "PetStore.create_pet", "params": params}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check("websocket: invalid params", [v["field"] for v in reply["error"]["data"]["violations"]] == EXPECTED_FIELDS, str(reply))
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "PetStore.upload_photo"}))
        for item in [{"petId": pet_id, "contentType": "image/png", "data": "AAEC"}, {"petId": pet_id, "data": "AwQ="}]:
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "stream.item", "params": {"id": 3, "item": item}}))
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "stream.end", "params": {"id": 3}}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check("websocket: client stream", reply["id"] == 3 and reply["result"]["contentType"] == "image/png", str(reply))
        # A server stream: each item is the `stream.item` message the AsyncAPI document describes.
        asyncapi = httpx.get(f"{BASE}/asyncapi.json").json()
        await ws.send(json.dumps({"jsonrpc": "2.0", "id": "watch", "method": "PetStore.watch_pets", "params": {}}))
        await asyncio.sleep(0.3)
        async with httpx.AsyncClient(base_url=BASE) as http:
            await http.post("/pets", json=pet_input("Streamy"), headers={**USER, "Idempotency-Key": str(uuid.uuid4())})
        item = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check("websocket: server stream item", item["method"] == "stream.item" and item["params"]["item"]["added"]["name"] == "Streamy", str(item))
        for message in ["PetStore.watch_pets.output", "PetStore.watch_pets.input"]:
            payload = asyncapi["components"]["messages"][message]["payload"]
            sample = item if message.endswith("output") else {"jsonrpc": "2.0", "id": "watch", "method": "PetStore.watch_pets", "params": {}}
            # Validate against the payload with the whole document as the root, so `$ref`s resolve.
            schema = {**asyncapi, **payload}
            errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(sample)]
            check(f"websocket: {message} matches the AsyncAPI document", not errors, "; ".join(errors))
            broken = {**sample, "method": "not.the.method"}
            check(f"websocket: {message} schema rejects a wrong method", any(True for _ in jsonschema.Draft7Validator(schema).iter_errors(broken)), "accepted")


def sell(http, pet_id, name):
    body = pet_input(name)
    body["status"] = "PET_STATUS_SOLD"
    http.put(f"/pets/{pet_id}", json=body, headers=USER).raise_for_status()


def sse(pet_id):
    with httpx.Client(base_url=BASE, timeout=10) as http:
        second = http.post("/pets", json=pet_input("Kitty"), headers={**USER, "Idempotency-Key": str(uuid.uuid4())}).json()["id"]
        seen = []
        with connect_sse(http, "GET", "/pet-store/events/pet-sold", headers=USER) as source:
            check("sse: content type", source.response.headers["content-type"].startswith("text/event-stream"), str(source.response.headers))
            with httpx.Client(base_url=BASE, timeout=10) as seller:
                sell(seller, pet_id, "Tom")
            for event in source.iter_sse():
                seen.append(event)
                break
        check("sse: event received", json.loads(seen[0].data)["id"] == pet_id, seen[0].data)
        last_id = seen[0].id
        sell(http, second, "Kitty")  # published while disconnected
        with connect_sse(http, "GET", "/pet-store/events/pet-sold", headers={**USER, "Last-Event-ID": last_id}) as source:
            for event in source.iter_sse():
                resumed = event
                break
        check("sse: reconnect resumes by Last-Event-ID", json.loads(resumed.data)["id"] == second and int(resumed.id) > int(last_id), resumed.data)


def main():
    pet_id = rest()
    json_rpc(pet_id)
    soap(pet_id)
    asyncio.run(websocket(pet_id))
    asyncio.run(graphql(pet_id))
    sse(pet_id)
    print(f"{len(CHECKS)} checks passed")


main()
