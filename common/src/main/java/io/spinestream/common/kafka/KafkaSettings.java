package io.spinestream.common.kafka;

import io.spinestream.common.config.Setting;
import io.spinestream.common.config.Settings;
import io.spinestream.schemas.registry.RegistryClientConfig;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every service reaches Kafka and the schema registry, and how topics are created. Any Kafka client
 * setting can be given under {@code kafka.} (e.g. {@code kafka.security.protocol=SASL_SSL}) and reaches
 * every client the service makes; registry client settings go under {@code registry.} with Confluent's
 * names ({@code registry.basic.auth.user.info}; {@code registry.ssl.truststore.location} stands for
 * Confluent's {@code schema.registry.ssl.truststore.location}).
 */
public final class KafkaSettings {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSettings.class);
  public static final Setting<String> BOOTSTRAP_SERVERS = Setting.string("kafka.bootstrap.servers", null,
      "Kafka brokers, host:port[,host:port]");
  public static final Setting<String> REGISTRY_URL = Setting.string("registry.url", null,
      "schema registry base URL(s), e.g. http://127.0.0.1:8081/apis/ccompat/v7");
  public static final Setting<Integer> TOPIC_PARTITIONS = Setting.integer("topics.partitions", 6,
      "partitions of topics this service creates; the unit of parallelism of every stage").between(1, 10_000);
  public static final Setting<Integer> TOPIC_REPLICATION = Setting.integer("topics.replication.factor", 1,
      "replication factor of topics this service creates (3 in production)").between(1, 32);
  public static final Setting<Boolean> TOPIC_CREATE = Setting.bool("topics.create", true,
      "create missing topics at start (else they must exist)");
  public static final Setting<String> TOPIC_PREFIX = Setting.string("topics.prefix", "",
      "prepended to every topic name, e.g. 'replay-v2.' for a separate set of topics")
      .must(p -> p.isEmpty() || p.matches("[a-zA-Z0-9._-]+"), "may use only letters, digits, '.', '_' and '-'");

  public static final Setting<String> TOPIC_SOURCE_PREFIX = Setting.string("topics.source.prefix", null,
      "prefix of the producer's topics (slices, series) when it differs from topics.prefix: a replay reads the "
          + "live slices and writes its own topics; empty = the unprefixed topics").optionalValue().blankIsAValue()
      .must(p -> p.isEmpty() || p.matches("[a-zA-Z0-9._-]+"), "may use only letters, digits, '.', '_' and '-'");

  /** Declared settings every service has (with the credentials of {@link KafkaSecurity}). */
  public static final List<Setting<?>> SETTINGS = Stream.concat(
      Stream.of(BOOTSTRAP_SERVERS, REGISTRY_URL, TOPIC_PARTITIONS, TOPIC_REPLICATION, TOPIC_CREATE, TOPIC_PREFIX,
          TOPIC_SOURCE_PREFIX), KafkaSecurity.SETTINGS.stream()).toList();

  private static final Set<String> REGISTRY_KEYS = Set.of("url", "basic.auth.credentials.source",
      "basic.auth.user.info", "bearer.auth.token", "ssl.truststore.location", "ssl.truststore.password",
      "ssl.truststore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
      "max.retries", "retries.wait.ms", "retries.max.wait.ms", "http.connect.timeout.ms", "http.read.timeout.ms",
      "auto.register.schemas");

  /** The pass-through groups for {@link Settings#load}. */
  public static List<Settings.PassThrough> passThroughGroups() {
    Set<String> kafkaKeys = new HashSet<>(ProducerConfig.configNames());
    kafkaKeys.addAll(ConsumerConfig.configNames());
    kafkaKeys.addAll(AdminClientConfig.configNames());
    kafkaKeys.remove(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
    return List.of(new Settings.PassThrough("kafka.", kafkaKeys), new Settings.PassThrough("registry.", REGISTRY_KEYS));
  }

  private final Settings settings;
  private final KafkaSecurity security;

  /**
   * @throws io.spinestream.common.config.ConfigException when the security settings cannot work (see
   *     {@link KafkaSecurity})
   */
  public KafkaSettings(Settings settings) {
    this.settings = settings;
    this.security = KafkaSecurity.resolve(settings, settings.get(REGISTRY_URL));
    LOG.info("Kafka at {}: {}", settings.get(BOOTSTRAP_SERVERS), security.describe());
  }

  /** How the service authenticates, in one line without secrets (for the start-up log). */
  public String securityDescription() {
    return security.describe();
  }

  public String bootstrapServers() {
    return settings.get(BOOTSTRAP_SERVERS);
  }

  /**
   * Base properties of every Kafka client (producers, consumers, admin clients, Kafka Streams): bootstrap servers,
   * the {@code kafka.*} overrides, and the security protocol with the SASL login built from
   * {@code kafka.sasl.username} and the password.
   */
  public Properties clientProperties() {
    Properties props = new Properties();
    props.putAll(settings.withPrefix("kafka."));
    props.putAll(security.kafkaProperties());
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    return props;
  }

  /**
   * An idempotent producer's properties: acks=all, zstd, and a request size that fits the largest topic.
   * Settings under {@code kafka.} still win, so an operator can tune them.
   */
  public Properties producerProperties(String clientId, int maxRequestBytes) {
    Properties props = new Properties();
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
    // Level 1, not the default 3: on CT slices it keeps ~88 % of level 3's savings at ~2.4x the speed
    // (bench/results/producer-ingest.md), and compression runs on the decoding threads.
    props.put(ProducerConfig.COMPRESSION_ZSTD_LEVEL_CONFIG, "1");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1024 * 1024));
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(maxRequestBytes));
    props.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(64L * 1024 * 1024));
    props.putAll(clientProperties());
    return props;
  }

  /** Registry client settings with Confluent's key names. */
  public Map<String, Object> registryConfig() {
    Map<String, Object> config = new HashMap<>();
    settings.withPrefix("registry.").forEach((key, value) -> {
      if (key.startsWith("ssl.")) {
        config.put("schema.registry." + key, value);
      } else {
        config.put(key, value);
      }
    });
    if (security.registryUserInfoFromFile() != null) {
      config.put(RegistryClientConfig.BASIC_AUTH_USER_INFO, security.registryUserInfoFromFile());
    }
    config.put(RegistryClientConfig.URL, settings.get(REGISTRY_URL));
    return config;
  }

  public SchemaRegistryClient registryClient() {
    return new SchemaRegistryClient(RegistryClientConfig.fromMap(registryConfig()));
  }

  /** The topic under this service's configured name ({@code topics.prefix} + name). */
  public <V extends SpecificRecord> Topic<V> topic(Topic<V> topic) {
    String prefix = settings.get(TOPIC_PREFIX);
    return prefix.isEmpty() ? topic : topic.withName(prefix + topic.name());
  }

  /**
   * A topic the producer writes (slices, series) as a downstream service reads it: under
   * {@code topics.source.prefix} when set, else like every other topic.
   */
  public <V extends SpecificRecord> Topic<V> sourceTopic(Topic<V> topic) {
    String prefix = settings.get(TOPIC_SOURCE_PREFIX);
    return prefix == null ? topic(topic) : topic.withName(prefix + topic.name());
  }

  public int partitions() {
    return settings.get(TOPIC_PARTITIONS);
  }

  public short replicationFactor() {
    return settings.get(TOPIC_REPLICATION).shortValue();
  }

  public boolean createTopics() {
    return settings.get(TOPIC_CREATE);
  }
}
