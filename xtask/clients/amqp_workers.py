"""Producers and event consumers of the telemetry example over AMQP 0-9-1, with pika, through a
real RabbitMQ that two telemetry-server instances share.

usage: amqp_workers.py BROKER_PORT PID_OF_ONE_INSTANCE ASYNCAPI_URL

Checks, each printed as it passes:
- the work queue, the exchange and the routing keys are the ones the served AsyncAPI document
  lists, and both instances consume the work queue;
- a job published with reply_to and correlation_id is answered with the method's result, and its
  readings reach a queue bound to the exchange under the document's routing key; a device coming
  online is published under the status routing key filled with the new status;
- jobs that cannot succeed are answered with the header `error` naming the failure, and wait in
  the dead-letter queue;
- one instance is killed while jobs keep coming: every job is still answered, and the readings of
  every job are published, those of the jobs the killed instance had done or was doing included
  (a job is acknowledged only once the broker confirmed its events); a job answered twice (its
  acknowledgement died with the instance) was done once, since the instances share a job log
  (`--job-log`).
"""

import json
import os
from collections import Counter
import signal
import sys
import time
import urllib.request
import uuid

import pika

PORT = int(sys.argv[1])
VICTIM = int(sys.argv[2])
ASYNCAPI_URL = sys.argv[3]
DEVICE = {"X-Device-Key": "device-key"}
checks = 0


def require(condition, message):
    if not condition:
        print(f"FAIL: {message}", flush=True)
        sys.exit(1)


def check(condition, message):
    global checks
    require(condition, message)
    checks += 1
    print(f"ok {checks} - {message}", flush=True)


document = json.load(urllib.request.urlopen(ASYNCAPI_URL, timeout=10))
channels = document["channels"]
queue_channel = channels["Telemetry.ingest_batch.job"]
QUEUE = queue_channel["bindings"]["amqp"]["queue"]["name"]
require(queue_channel["address"] == QUEUE, "the work queue's channel address is the queue")
readings_channel = channels["Telemetry.reading_reported.amqp"]
EXCHANGE = readings_channel["bindings"]["amqp"]["exchange"]["name"]
READINGS_KEY = readings_channel["address"]
STATUS_KEY = channels["Telemetry.device_status_changed.amqp"]["address"]
check(
    (QUEUE, EXCHANGE, readings_channel["bindings"]["amqp"]["exchange"]["type"]) ==
    ("telemetry.ingest", "acme.telemetry.v1", "topic"),
    f"the AsyncAPI document lists the work queue {QUEUE} and the topic exchange {EXCHANGE}",
)

connection = pika.BlockingConnection(
    pika.ConnectionParameters("127.0.0.1", PORT, credentials=pika.PlainCredentials("guest", "guest"))
)
channel = connection.channel()
channel.confirm_delivery()
replies = channel.queue_declare("", exclusive=True).method.queue
readings = channel.queue_declare("", exclusive=True).method.queue
channel.queue_bind(readings, EXCHANGE, routing_key=READINGS_KEY)
statuses = channel.queue_declare("", exclusive=True).method.queue
# The document's template with its placeholder as the one-word wildcard: every status.
channel.queue_bind(statuses, EXCHANGE, routing_key=STATUS_KEY.replace("{status}", "*"))

consumers = 0
for _ in range(100):
    consumers = channel.queue_declare(QUEUE, passive=True).method.consumer_count
    if consumers == 2:
        break
    connection.sleep(0.1)
check(consumers == 2, f"both instances consume {QUEUE} (competing consumers)")


def send(payload, headers, correlation):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    # With publisher confirms, a job the broker did not take raises here.
    channel.basic_publish(
        "",
        QUEUE,
        body,
        pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            reply_to=replies,
            correlation_id=correlation,
            # The job's identity, by which the instances' shared job log knows it again.
            message_id=correlation,
            headers=headers,
        ),
        mandatory=True,
    )


def take(queue, count, seconds=15):
    """Up to `count` messages from `queue`, waiting up to `seconds` for them."""
    taken = []
    deadline = time.monotonic() + seconds
    while len(taken) < count and time.monotonic() < deadline:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            connection.sleep(0.02)
            continue
        taken.append((method, properties, body))
    return taken


def call(payload, headers):
    correlation = uuid.uuid4().hex
    send(payload, headers, correlation)
    answered = take(replies, 1)
    require(answered, f"a reply to job {correlation} within 15 s")
    _, properties, body = answered[0]
    require(properties.correlation_id == correlation, "the reply carries the job's correlation id")
    error = (properties.headers or {}).get("error")
    return json.loads(body), error


def batch(device, sequences):
    return {
        "batch": {
            "readings": [
                {
                    "deviceId": device,
                    "reading": {
                        "sequence": str(sequence),
                        "observedAt": "2026-11-28T09:00:00Z",
                        "values": {"temperature_c": 20.5},
                    },
                }
                for sequence in sequences
            ]
        }
    }


# A job and its reply; its readings on the exchange; meter-3 (offline in the demo fleet) online.
result, error = call(batch("meter-3", [1, 2]), DEVICE)
check(result == {"accepted": 2, "duplicates": 0} and error is None, f"a job is answered with its result: {result}")
published = take(readings, 2)
check(
    [json.loads(body)["reading"]["sequence"] for _, _, body in published] == ["1", "2"]
    and all(method.routing_key == READINGS_KEY for method, _, _ in published)
    and all(properties.delivery_mode == 2 for _, properties, _ in published),
    f"its two readings are published, persistent, under {READINGS_KEY}",
)
status = take(statuses, 1)
require(status, "a status event within 15 s")
method, properties, body = status[0]
check(
    method.routing_key == STATUS_KEY.replace("{status}", "DEVICE_STATUS_ONLINE")
    and json.loads(body)["deviceId"] == "meter-3"
    and properties.type == "Telemetry.device_status_changed",
    f"meter-3 coming online is published under {method.routing_key}",
)

# Jobs that cannot succeed: answered with the error, then dead-lettered.
problem, error = call(batch("meter-3", [3]), {})
check(error == "UNAUTHENTICATED" and problem["status"] == 401, "a job without the device key: UNAUTHENTICATED")
problem, error = call(b"[1, 2]", DEVICE)
check(error == "INVALID_ARGUMENT", f"a job that is not an object of arguments: INVALID_ARGUMENT ({problem['detail']})")
dead = take(f"{QUEUE}.dead", 2)
check(len(dead) == 2 and dead[1][2] == b"[1, 2]", f"both wait in {QUEUE}.dead")

# One instance dies while jobs keep coming: nothing is lost.
TOTAL, KILL_AFTER = 300, 100
answered, replies_seen, killed_at = Counter(), 0, None
sent_after_kill = set()
for sequence in range(TOTAL):
    correlation = f"job-{sequence}"
    send(batch("thermo-1", [1000 + sequence]), DEVICE, correlation)
    if killed_at is not None:
        sent_after_kill.add(1000 + sequence)
    for _, properties, body in take(replies, TOTAL, seconds=0.005):
        replies_seen += 1
        answered[properties.correlation_id] += 1
    if killed_at is None and replies_seen >= KILL_AFTER:
        os.kill(VICTIM, signal.SIGKILL)
        killed_at = sequence
        print(f"   killed instance {VICTIM} after {replies_seen} replies, {sequence + 1} jobs sent", flush=True)
    connection.sleep(0.005)
deadline = time.monotonic() + 60
while len(answered) < TOTAL and time.monotonic() < deadline:
    for _, properties, body in take(replies, TOTAL, seconds=0.5):
        replies_seen += 1
        answered[properties.correlation_id] += 1
require(killed_at is not None, "the instance was killed during the run")
check(len(answered) == TOTAL, f"all {TOTAL} jobs answered despite the kill")
print(f"   {replies_seen - TOTAL} job(s) answered twice (done, then redelivered because the "
      "acknowledgement died with the instance)", flush=True)
every_reading = {1000 + sequence for sequence in range(TOTAL)}
seen_readings = Counter()
for _ in range(20):
    for _, _, body in take(readings, 10_000, seconds=0.5):
        seen_readings[int(json.loads(body)["reading"]["sequence"])] += 1
    if every_reading <= set(seen_readings):
        break
missing = sorted(every_reading - set(seen_readings))
check(
    not missing,
    f"the readings of all {TOTAL} jobs are published, the {len(sent_after_kill)} sent after the kill "
    f"and those the killed instance had done (missing: {missing[:10]})",
)
# A job answered twice was finished, recorded in the shared job log, answered, and redelivered
# because its acknowledgement died with the instance: the other instance answers it from the log,
# so its reading is published once. (A job the killed instance was still doing is done again,
# and may be published twice: reported, not failed.)
answered_twice = [int(c.removeprefix("job-")) + 1000 for c, n in answered.items() if n > 1]
check(
    all(seen_readings[sequence] == 1 for sequence in answered_twice),
    f"the {len(answered_twice)} job(s) answered twice were done once (the instances share a job log)",
)
done_twice = sorted(sequence for sequence, count in seen_readings.items() if count > 1)
print(f"   {len(done_twice)} reading(s) published twice (jobs in progress when the instance died): {done_twice[:10]}",
      flush=True)

connection.close()
print(f"{checks} checks passed", flush=True)
