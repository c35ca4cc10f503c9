package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.fail;

import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The real Kafka broker and schema registry that {@code ./spine test} (or {@code ./spine stack up})
 * started, as integration tests reach them. Each test names its topics with a fresh run id, so tests
 * never see each other's data even on a long-lived development stack.
 */
public final class ItStack {
  public static final String BOOTSTRAP_SERVERS =
      System.getProperty("spine.it.bootstrap.servers", "127.0.0.1:9092");
  public static final String REGISTRY_URL =
      System.getProperty("spine.it.schema.registry.url", "http://127.0.0.1:8081/apis/ccompat/v7");

  /** The stack's SASL_SSL listener (SCRAM-SHA-512), and the folder with its trust store and credentials. */
  public static final String SECURE_BOOTSTRAP_SERVERS =
      System.getProperty("spine.it.secure.bootstrap.servers", "127.0.0.1:9094");
  public static final Path SECURITY_DIR =
      Path.of(System.getProperty("spine.it.security.dir", "../build/stack/security")).toAbsolutePath().normalize();
  public static final String SCRAM_USER = "spine";

  private ItStack() {}

  /** The secure listener's files (see scripts/stack.sh), failing the test when the stack has none. */
  public static Path securityFile(String name) {
    Path file = SECURITY_DIR.resolve(name);
    if (!Files.isRegularFile(file)) {
      fail("no " + name + " under " + SECURITY_DIR + ": run the tests with ./spine test (its stack has the SASL_SSL "
          + "listener), or pass -Dspine.it.security.dir");
    }
    return file;
  }

  /** The password of the stack's key and trust stores. */
  public static String storePassword() {
    try {
      return Files.readString(securityFile("store.password")).trim();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String runId() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  public static Map<String, Object> registryConfig() {
    return Map.of(RegistryClientConfig.URL, REGISTRY_URL, RegistryClientConfig.MAX_RETRIES, 2,
        RegistryClientConfig.RETRIES_WAIT_MS, 200);
  }

  public static SchemaRegistryClient registry() {
    return new SchemaRegistryClient(RegistryClientConfig.fromMap(registryConfig()));
  }

  public static Admin admin() {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    Admin admin = Admin.create(props);
    try {
      admin.describeCluster().clusterId().get(15, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      admin.close(Duration.ZERO);
      fail("no Kafka broker at " + BOOTSTRAP_SERVERS + " (" + e + "); run the tests with ./spine test, "
          + "or start a stack with ./spine stack up");
    }
    return admin;
  }

  /** Creates the topic with explicit settings, as the services do, and waits until it exists. */
  public static void createTopic(String name, int partitions, int maxMessageBytes) {
    try (Admin admin = admin()) {
      NewTopic topic = new NewTopic(name, partitions, (short) 1)
          .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(maxMessageBytes)));
      admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot create topic " + name, e);
    }
  }

  public static <K, V> KafkaProducer<K, V> producer(Serializer<K> keys, Serializer<V> values) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 5 * 1024 * 1024);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    return new KafkaProducer<>(props, keys, values);
  }

  public static <K, V> KafkaConsumer<K, V> consumer(Deserializer<K> keys, Deserializer<V> values) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP_SERVERS);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(props, keys, values);
  }

  /** Reads from the start of every partition of the topic until {@code count} records arrived. */
  public static <K, V> List<ConsumerRecord<K, V>> readAll(KafkaConsumer<K, V> consumer, String topic, int count) {
    var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(15)).stream()
        .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    List<ConsumerRecord<K, V>> records = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (records.size() < count && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    if (records.size() < count) {
      fail("expected " + count + " record(s) on " + topic + ", got " + records.size() + " in 30 s");
    }
    return records;
  }
}
