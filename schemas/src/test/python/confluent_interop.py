#!/usr/bin/python3
"""Confluent's own Python Avro serde (python3-confluent-kafka, legacy confluent_kafka.avro API) against
our topics, for ConfluentInteropIT. Prints one JSON object per line on stdout.

  reencode  read N records of a topic we wrote, decode them with Confluent's deserializer, re-encode
            them with Confluent's serializer under the same schema id, and report whether the bytes
            are identical.
  produce   write one record with Confluent's serializer (registering the schema under <topic>-value),
            keyed by a plain string, for our deserializer to read.
"""
import argparse
import base64
import datetime
import json
import struct
import sys
import uuid

import avro.schema
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer


def plain(value):
    """JSON-friendly form of a decoded Avro value."""
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode()}
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def reencode(args):
    registry = CachedSchemaRegistryClient(args.registry)
    serde = MessageSerializer(registry)
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": "interop-" + uuid.uuid4().hex,
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition(args.topic, 0, 0)])
    seen = 0
    while seen < args.count:
        message = consumer.poll(15)
        if message is None:
            sys.exit("timed out after %d of %d records" % (seen, args.count))
        if message.error():
            sys.exit("consumer error: %s" % message.error())
        raw = message.value()
        magic, schema_id = struct.unpack(">bI", raw[:5])
        record = serde.decode_message(raw)
        again = serde.encode_record_with_schema_id(schema_id, record)
        print(json.dumps({"offset": message.offset(), "key": message.key().decode(), "magic": magic,
                          "schema_id": schema_id, "identical": again == raw,
                          "reencoded": base64.b64encode(again).decode(), "record": plain(record)}))
        seen += 1
    consumer.close()


def from_plain(schema, value):
    """Turns the JSON form back into what Confluent's serializer expects for this schema."""
    if isinstance(schema, avro.schema.UnionSchema):
        if value is None:
            return None
        branch = next(s for s in schema.schemas if s.type != "null")
        return from_plain(branch, value)
    if isinstance(schema, avro.schema.RecordSchema):
        return {f.name: from_plain(f.type, value[f.name]) for f in schema.fields}
    if isinstance(schema, avro.schema.ArraySchema):
        return [from_plain(schema.items, v) for v in value]
    if schema.type == "bytes":
        return base64.b64decode(value["base64"])
    if schema.get_prop("logicalType") == "timestamp-millis":
        return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.timezone.utc)
    return value


def produce(args):
    with open(args.schema) as f:
        schema = avro.schema.parse(f.read())
    with open(args.record) as f:
        record = from_plain(schema, json.load(f))
    serde = MessageSerializer(CachedSchemaRegistryClient(args.registry))
    value = serde.encode_record_with_schema(args.topic, schema, record)
    producer = Producer({"bootstrap.servers": args.bootstrap})
    producer.produce(args.topic, key=args.key.encode(), value=value)
    if producer.flush(15) != 0:
        sys.exit("record not delivered")
    print(json.dumps({"produced": len(value), "schema_id": struct.unpack(">bI", value[:5])[1]}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["reencode", "produce"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--schema")
    parser.add_argument("--record")
    parser.add_argument("--key", default="")
    args = parser.parse_args()
    {"reencode": reencode, "produce": produce}[args.command](args)


if __name__ == "__main__":
    main()
