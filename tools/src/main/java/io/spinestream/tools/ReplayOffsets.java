package io.spinestream.tools;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Positions new consumer groups (the application ids of a replay's services) at a point in time on the
 * topics they read, so the replay starts there instead of at the beginning. Must run before the services
 * start: Kafka only moves the offsets of a group without active members.
 */
final class ReplayOffsets {
  private ReplayOffsets() {}

  static void position(Properties adminProperties, List<String> groups, List<String> topics, Instant from)
      throws Exception {
    try (Admin admin = Admin.create(adminProperties)) {
      Map<TopicPartition, OffsetSpec> query = new HashMap<>();
      for (var description : admin.describeTopics(topics).allTopicNames().get(60, TimeUnit.SECONDS).values()) {
        description.partitions().forEach(p -> query.put(new TopicPartition(description.name(), p.partition()),
            OffsetSpec.forTimestamp(from.toEpochMilli())));
      }
      var found = admin.listOffsets(query).all().get(60, TimeUnit.SECONDS);
      Map<TopicPartition, Long> latest = new HashMap<>();
      var ends = admin.listOffsets(query.keySet().stream().collect(java.util.stream.Collectors.toMap(p -> p,
          p -> OffsetSpec.latest()))).all().get(60, TimeUnit.SECONDS);
      ends.forEach((p, info) -> latest.put(p, info.offset()));
      Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
      found.forEach((partition, info) -> offsets.put(partition,
          new OffsetAndMetadata(info.offset() >= 0 ? info.offset() : latest.get(partition))));
      for (String group : groups) {
        admin.alterConsumerGroupOffsets(group, offsets).all().get(60, TimeUnit.SECONDS);
        System.out.printf("group %s starts at %s on %s%n", group, from, topics);
      }
    }
  }
}
