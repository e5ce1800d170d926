"""Devices and operators of the telemetry example over MQTT 5, with paho-mqtt, through a real
mosquitto that two telemetry-server instances share.

usage: mqtt_devices.py BROKER_PORT PID_OF_INSTANCE_A ASYNCAPI_URL

Checks, each printed as it passes:
- request/response with Response Topic and Correlation Data for the unary methods, on the topics
  the served AsyncAPI document lists (request topics with placeholders filled by the device id);
- a device subscribed to its command topics receives the command an operator sends;
- a declared error comes back as its fields with the user property `error` naming it;
- a device's readings (sent as an `ingest_batch` request with the device key) reach a subscriber
  of `devices/+/readings`, and status changes are retained on `devices/<id>/status`;
- the two instances split the requests; after instance A is killed, every request is still
  answered, each exactly once.
"""

import json
import os
import signal
import sys
import threading
import time
import urllib.request
import uuid

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

PORT = int(sys.argv[1])
INSTANCE_A = int(sys.argv[2])
ASYNCAPI_URL = sys.argv[3]
OPERATOR = [("X-API-Key", "operator-key")]
DEVICE = [("X-Device-Key", "device-key")]
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


class Peer:
    """One MQTT 5 connection; every message received is queued by topic."""

    def __init__(self, name):
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv5)
        self.messages = []
        self.lock = threading.Condition()
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.subscribed = 0
        self.client.connect("127.0.0.1", PORT)
        self.client.loop_start()
        self.replies = f"replies/{name}/{uuid.uuid4().hex[:8]}"
        self.subscribe(self.replies)

    def _on_message(self, client, userdata, message):
        with self.lock:
            self.messages.append(message)
            self.lock.notify_all()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        with self.lock:
            self.subscribed += 1
            self.lock.notify_all()

    def subscribe(self, topic, qos=1):
        with self.lock:
            before = self.subscribed
        self.client.subscribe(topic, qos=qos)
        with self.lock:
            if not self.lock.wait_for(lambda: self.subscribed > before, timeout=5):
                raise TimeoutError(f"no SUBACK for {topic}")

    def take(self, predicate, timeout=5.0):
        with self.lock:
            found = []

            def ready():
                for message in self.messages:
                    if predicate(message):
                        found.append(message)
                        self.messages.remove(message)
                        return True
                return False

            if not self.lock.wait_for(ready, timeout=timeout):
                return None
            return found[0]

    def send(self, topic, payload, headers, correlation):
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = self.replies
        properties.CorrelationData = correlation.encode()
        properties.ContentType = "application/json"
        properties.UserProperty = headers
        self.client.publish(topic, json.dumps(payload), qos=1, properties=properties).wait_for_publish(5)

    def call(self, topic, payload, headers, timeout=5.0):
        correlation = uuid.uuid4().hex
        self.send(topic, payload, headers, correlation)
        reply = self.take(lambda m: m.topic == self.replies and
                          getattr(m.properties, "CorrelationData", b"") == correlation.encode(), timeout)
        if reply is None:
            return None, None
        require(reply.properties.ContentType == "application/json" and reply.properties.PayloadFormatIndicator == 1,
                f"the reply on {topic} is UTF-8 JSON (content type and payload format indicator)")
        error = dict(getattr(reply.properties, "UserProperty", []) or []).get("error")
        return json.loads(reply.payload), error


def request_topics():
    """Each unary method's request topic, from the AsyncAPI document the server serves."""
    document = json.load(urllib.request.urlopen(ASYNCAPI_URL))
    topics = {}
    for name, channel in document["channels"].items():
        if name.endswith(".request"):
            method = name.split(".")[1]
            topics[method] = channel["address"]
    return topics


def wait_for_servers(peer, topic):
    deadline = time.time() + 20
    while time.time() < deadline:
        result, _ = peer.call(topic, {"deviceId": "thermo-1"}, OPERATOR, timeout=0.5)
        if result is not None:
            return
    raise TimeoutError("no telemetry server answered over MQTT within 20 s")


def main():
    topics = request_topics()
    check(set(topics) >= {"get_device", "list_devices", "reboot_device", "set_sampling_rate", "ingest_batch"},
          f"the AsyncAPI document lists a request topic for every unary method: {sorted(topics)}")
    operator = Peer("operator")
    wait_for_servers(operator, topics["get_device"])

    device, error = operator.call(topics["get_device"], {"deviceId": "thermo-1"}, OPERATOR)
    check(error is None and device["id"] == "thermo-1", "get_device answers with the device")
    page, error = operator.call(topics["list_devices"], {"status": "DEVICE_STATUS_ONLINE"}, OPERATOR)
    check(error is None and [d["id"] for d in page["devices"]] == ["air-2", "thermo-1"],
          "list_devices filters by status")
    # The device listens on its own command topics, as devices do: it receives the operator's
    # command while the service records it and acknowledges it to the operator.
    thermostat = Peer("thermo-1")
    thermostat.subscribe("devices/thermo-1/commands/+")
    reboot = topics["reboot_device"].replace("{device_id}", "thermo-1")
    ack, error = operator.call(reboot, {"delay": "5s"}, OPERATOR)
    check(error is None and "commandId" in ack, f"reboot_device on {reboot} takes the device from the topic")
    command = thermostat.take(lambda m: m.topic == reboot, 5)
    check(command is not None and json.loads(command.payload) == {"delay": "5s"},
          f"the device receives the reboot command on {reboot}")
    missing, error = operator.call(topics["reboot_device"].replace("{device_id}", "ghost"), {}, OPERATOR)
    check(error == "DeviceNotFound" and missing == {"deviceId": "ghost"},
          "a declared error is its fields, named by the user property `error`")
    _, error = operator.call(topics["get_device"], {"deviceId": "thermo-1"}, [])
    check(error == "UNAUTHENTICATED", "a request without a key is refused as over HTTP")

    # Devices: readings in, events out.
    dashboard = Peer("dashboard")
    dashboard.subscribe("devices/+/readings")
    sensor = Peer("air-2")
    batch = {"batch": {"readings": [{"deviceId": "air-2", "reading": {
        "sequence": str(int(time.time() * 1000)), "observedAt": "2026-11-28T10:00:00Z",
        "values": {"pm25": 8.5}}}]}}
    result, error = sensor.call(topics["ingest_batch"], batch, DEVICE)
    check(error is None and result["accepted"] == 1, "a device's batch is accepted with the device key")
    reading = dashboard.take(lambda m: m.topic == "devices/air-2/readings")
    check(reading is not None and json.loads(reading.payload)["reading"]["values"] == {"pm25": 8.5},
          "the reading is published on devices/air-2/readings")
    late = Peer("late")
    late.subscribe("devices/thermo-1/status")
    status = late.take(lambda m: m.topic == "devices/thermo-1/status")
    check(status is not None and status.retain and json.loads(status.payload)["deviceId"] == "thermo-1",
          "the last status change is retained for late subscribers")

    # Two instances, then one.
    answered = []
    for _ in range(20):
        result, error = operator.call(topics["get_device"], {"deviceId": "air-2"}, OPERATOR)
        answered.append(result is not None and error is None)
    check(all(answered), "20 requests answered while both instances run")
    os.kill(INSTANCE_A, signal.SIGKILL)
    time.sleep(0.5)
    correlations = [uuid.uuid4().hex for _ in range(30)]
    for correlation in correlations:
        operator.send(topics["get_device"], {"deviceId": "air-2"}, OPERATOR, correlation)
    seen = []
    deadline = time.time() + 10
    while len(seen) < len(correlations) and time.time() < deadline:
        reply = operator.take(lambda m: m.topic == operator.replies, timeout=1)
        if reply is not None:
            seen.append(reply.properties.CorrelationData.decode())
    check(sorted(seen) == sorted(correlations),
          f"after instance A was killed, all 30 requests were answered once ({len(seen)} replies)")
    print(f"all {checks} MQTT checks passed", flush=True)


if __name__ == "__main__":
    main()
