package io.spinestream.common.kafka;

import io.spinestream.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the pipeline's topics with explicit settings (partitions, replication, the largest record
 * each must take) and checks that existing ones can take the records the services will write.
 */
public final class TopicAdmin {
  private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private TopicAdmin() {}

  /**
   * Makes sure every topic exists and accepts its largest record. Missing topics are created when
   * {@code create} is set; an existing topic whose max.message.bytes is too small is raised.
   *
   * @throws IllegalStateException when a topic is missing and may not be created, or Kafka fails
   */
  public static void ensureTopics(Properties adminProperties, Collection<Topic<?>> topics, int partitions,
      short replication, boolean create) {
    try (Admin admin = Admin.create(adminProperties)) {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (Topic<?> topic : topics) {
        if (!existing.contains(topic.name())) {
          missing.add(new NewTopic(topic.name(), partitions, replication).configs(Map.of(
              TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(topic.maxMessageBytes()),
              // Compression happens on the producer (zstd); the broker keeps batches as they come.
              TopicConfig.COMPRESSION_TYPE_CONFIG, "producer")));
        }
      }
      if (!missing.isEmpty()) {
        if (!create) {
          throw new IllegalStateException("topics missing and topics.create=false: "
              + missing.stream().map(NewTopic::name).toList());
        }
        createAll(admin, missing);
      }
      raiseMessageLimits(admin, topics);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot check or create topics: " + KafkaErrors.explain(e, adminProperties), e);
    }
  }

  /**
   * Topics read together by key must have the same number of partitions, or one study's records land in
   * different tasks. Kafka Streams checks this for joins only; the services check it at start.
   */
  public static void requireCoPartitioned(Properties adminProperties, Collection<Topic<?>> topics) {
    try (Admin admin = Admin.create(adminProperties)) {
      var descriptions = admin.describeTopics(topics.stream().map(Topic::name).toList()).allTopicNames()
          .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Map<String, Integer> counts = new java.util.TreeMap<>();
      descriptions.forEach((name, description) -> counts.put(name, description.partitions().size()));
      if (counts.values().stream().distinct().count() > 1) {
        throw new IllegalStateException("topics read together must have the same partition count, but have " + counts
            + ": recreate them (or add partitions) so they match");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe topics " + topics.stream().map(Topic::name).toList() + ": "
          + KafkaErrors.explain(e, adminProperties), e);
    }
  }

  /** A topic just created may not be in the broker's metadata for a moment: ask again until it is. */
  private static Map<ConfigResource, Config> describeWhenKnown(Admin admin, List<ConfigResource> resources)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      try {
        return admin.describeConfigs(resources).all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  private static void createAll(Admin admin, List<NewTopic> missing)
      throws InterruptedException, ExecutionException, TimeoutException {
    var results = admin.createTopics(missing).values();
    for (var entry : results.entrySet()) {
      try {
        entry.getValue().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        LOG.info("created topic {}", entry.getKey());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
        // Another instance created it at the same moment: fine.
      }
    }
  }

  private static void raiseMessageLimits(Admin admin, Collection<Topic<?>> topics)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<ConfigResource> resources = topics.stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
    Map<ConfigResource, Config> configs = describeWhenKnown(admin, resources);
    for (Topic<?> topic : topics) {
      var entry = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()))
          .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      int current = entry == null ? 0 : Integer.parseInt(entry.value());
      if (current < topic.maxMessageBytes()) {
        LOG.warn("topic {} takes records up to {} bytes, needs {}: raising max.message.bytes",
            topic.name(), current, topic.maxMessageBytes());
        AlterConfigOp op = new AlterConfigOp(
            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(topic.maxMessageBytes())),
            AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()), List.of(op)))
            .all().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    }
  }
}
