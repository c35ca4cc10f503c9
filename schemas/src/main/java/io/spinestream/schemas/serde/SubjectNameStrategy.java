package io.spinestream.schemas.serde;

import java.util.Locale;
import org.apache.avro.Schema;

/**
 * How a serializer names the registry subject of a record, as Confluent's strategies do. The config
 * value may be Confluent's class name ({@code io.confluent.kafka.serializers.subject.TopicNameStrategy}),
 * its simple name, or this enum's name.
 */
public enum SubjectNameStrategy {
  /** {@code <topic>-key} / {@code <topic>-value}: one schema lineage per topic. The default. */
  TOPIC_NAME,
  /** The record's full name: one lineage per record type across topics. */
  RECORD_NAME,
  /** {@code <topic>-<record full name>}: several record types in one topic. */
  TOPIC_RECORD_NAME;

  public String subjectName(String topic, boolean isKey, Schema schema) {
    return switch (this) {
      case TOPIC_NAME -> topic + (isKey ? "-key" : "-value");
      case RECORD_NAME -> recordName(schema);
      case TOPIC_RECORD_NAME -> topic + "-" + recordName(schema);
    };
  }

  private static String recordName(Schema schema) {
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException("record-name subject strategies need a record schema, got " + schema.getType());
    }
    return schema.getFullName();
  }

  public static SubjectNameStrategy parse(String value) {
    if (value == null || value.isBlank()) {
      return TOPIC_NAME;
    }
    String simple = value.substring(value.lastIndexOf('.') + 1).trim();
    return switch (simple.toUpperCase(Locale.ROOT).replace("_", "")) {
      case "TOPICNAMESTRATEGY", "TOPICNAME" -> TOPIC_NAME;
      case "RECORDNAMESTRATEGY", "RECORDNAME" -> RECORD_NAME;
      case "TOPICRECORDNAMESTRATEGY", "TOPICRECORDNAME" -> TOPIC_RECORD_NAME;
      default -> throw new IllegalArgumentException("unknown subject name strategy '" + value
          + "': use TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
    };
  }
}
