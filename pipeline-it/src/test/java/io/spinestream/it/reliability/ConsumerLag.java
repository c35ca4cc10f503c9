package io.spinestream.it.reliability;

import io.spinestream.schemas.ItStack;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer lag of the stream services: per consumer group (application id), the sum over its input
 * partitions of the last stable offset minus the committed offset, as {@code kafka-consumer-groups}
 * reports it. A partition with nothing committed yet counts from its start.
 */
final class ConsumerLag implements AutoCloseable {
  private final Admin admin;
  private final Map<String, List<String>> groups;

  ConsumerLag(Map<String, List<String>> groups) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ItStack.BOOTSTRAP_SERVERS);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    this.admin = Admin.create(props);
    this.groups = groups;
  }

  /** Lag per group; empty for a group whose lag could not be read now (broker restarting). */
  Map<String, OptionalLong> lag() {
    Map<String, OptionalLong> lags = new LinkedHashMap<>();
    groups.forEach((group, topics) -> lags.put(group, lagOf(group, topics)));
    return lags;
  }

  private OptionalLong lagOf(String group, List<String> topics) {
    try {
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, description) ->
          description.partitions().forEach(p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request,
          new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
      long lag = 0;
      for (var entry : ends.entrySet()) {
        OffsetAndMetadata done = committed.get(entry.getKey());
        lag += Math.max(0, entry.getValue().offset() - (done == null ? 0 : done.offset()));
      }
      return OptionalLong.of(lag);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return OptionalLong.empty();
    }
  }

  /** "segmenter 12, cropper 0, classifier 3" with the prefix taken off the group names. */
  String describe(String prefix) {
    StringBuilder out = new StringBuilder("lag");
    lag().forEach((group, value) -> out.append(' ').append(group.substring(prefix.length())).append(' ')
        .append(value.isPresent() ? String.valueOf(value.getAsLong()) : "?"));
    return out.toString();
  }

  @Override
  public void close() {
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
