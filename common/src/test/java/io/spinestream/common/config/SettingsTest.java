package io.spinestream.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.kafka.KafkaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  private static final Setting<Integer> PORT = Setting.integer("producer.scp.port", 11112, "C-STORE port").between(1, 65535);
  private static final Setting<String> INBOX = Setting.string("producer.inbox.dir", null, "inbox folder");
  private static final Setting<Duration> TIMEOUT = Setting.millis("producer.series.inactivity.timeout.ms", 5000L, "t");
  private static final Setting<String> NOTE = Setting.string("producer.note", null, "optional note").optionalValue();
  private static final List<Setting<?>> DECLARED = List.of(PORT, INBOX, TIMEOUT, NOTE);

  @Test
  void shouldLayerDefaultsFileEnvironmentAndFlagsInThatOrder(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("p.properties"),
        "producer.scp.port=2000\nproducer.inbox.dir=/from/file\nproducer.series.inactivity.timeout.ms=7000\n");
    Settings settings = Settings.load(DECLARED, List.of(), Map.of("PRODUCER_INBOX_DIR", "/from/env",
        "PRODUCER_SCP_PORT", "3000"), new String[] {"serve", "--config", file.toString(), "--producer.scp.port=4000"});
    assertThat(settings.get(PORT)).as("flag beats env beats file").isEqualTo(4000);
    assertThat(settings.get(INBOX)).as("env beats file").isEqualTo("/from/env");
    assertThat(settings.get(TIMEOUT)).as("file beats default").isEqualTo(Duration.ofSeconds(7));
    assertThat(settings.get(NOTE)).isNull();
    assertThat(settings.arguments()).containsExactly("serve");
  }

  @Test
  void shouldReportEveryProblemNamingKeyVariableAndFlag() {
    assertThatThrownBy(() -> Settings.load(DECLARED, List.of(), Map.of(),
        new String[] {"--producer.scp.port", "70000", "--producer.inbox", "x", "--producer.series.inactivity.timeout.ms=soon"}))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "producer.scp.port must be between 1 and 65535, was '70000' (set PRODUCER_SCP_PORT or --producer.scp.port)",
            "producer.inbox.dir is required: inbox folder (set PRODUCER_INBOX_DIR or --producer.inbox.dir)",
            "unknown setting 'producer.inbox'",
            "producer.series.inactivity.timeout.ms: not an integer: 'soon' (t)"));
  }

  @Test
  void shouldPassClientSettingsThroughAndTakeOnlyKnownOnesFromTheEnvironment(@TempDir Path dir) throws Exception {
    Path truststore = dir.resolve("t.p12");
    java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (var out = Files.newOutputStream(truststore)) {
      store.store(out, "pw".toCharArray());
    }
    Settings settings = Settings.load(KafkaSettings.SETTINGS, KafkaSettings.passThroughGroups(),
        Map.of("KAFKA_BOOTSTRAP_SERVERS", "b:9092", "REGISTRY_URL", "https://r:8081",
            "KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_HOME", "/opt/kafka", "REGISTRY_BASIC_AUTH_USER_INFO", "u:p",
            "KAFKA_SASL_USERNAME", "u", "KAFKA_SASL_PASSWORD", "p"),
        new String[] {"--kafka.sasl.mechanism=SCRAM-SHA-512", "--registry.ssl.truststore.location=" + truststore,
            "--registry.ssl.truststore.type=PKCS12", "--registry.ssl.truststore.password=pw"});
    KafkaSettings kafka = new KafkaSettings(settings);
    assertThat(kafka.clientProperties()).containsEntry("bootstrap.servers", "b:9092")
        .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .doesNotContainKey("home");
    assertThat(kafka.registryConfig()).containsEntry("schema.registry.url", "https://r:8081")
        .containsEntry("basic.auth.user.info", "u:p")
        .containsEntry("schema.registry.ssl.truststore.location", truststore.toString());
    assertThat(settings.describe()).containsEntry("registry.basic.auth.user.info", "****");
    assertThat(kafka.producerProperties("p", 5_000_000)).containsEntry("enable.idempotence", "true")
        .containsEntry("acks", "all").containsEntry("compression.type", "zstd").containsEntry("compression.zstd.level", "1")
        .containsEntry("max.request.size", "5000000");
  }

  @Test
  void shouldReadProducerTopicsUnderTheSourcePrefixWhenOneIsSet() {
    Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "b:9092", "REGISTRY_URL", "http://r");
    KafkaSettings live = new KafkaSettings(Settings.load(KafkaSettings.SETTINGS, List.of(), env, new String[0]));
    assertThat(live.sourceTopic(io.spinestream.schemas.Topics.SLICES).name()).isEqualTo("spine.slices");
    KafkaSettings replay = new KafkaSettings(Settings.load(KafkaSettings.SETTINGS, List.of(), env,
        new String[] {"--topics.prefix=replay-v2.", "--topics.source.prefix="}));
    assertThat(replay.sourceTopic(io.spinestream.schemas.Topics.SLICES).name()).isEqualTo("spine.slices");
    assertThat(replay.topic(io.spinestream.schemas.Topics.SCORES).name()).isEqualTo("replay-v2.spine.scores");
    KafkaSettings test = new KafkaSettings(Settings.load(KafkaSettings.SETTINGS, List.of(), env,
        new String[] {"--topics.prefix=it-1."}));
    assertThat(test.sourceTopic(io.spinestream.schemas.Topics.SERIES).name()).isEqualTo("it-1.spine.series");
  }

  @Test
  void shouldRejectAFlagWithoutValue() {
    assertThatThrownBy(() -> Settings.load(DECLARED, List.of(), Map.of("PRODUCER_INBOX_DIR", "/x"),
        new String[] {"--producer.scp.port"}))
        .hasMessageContaining("flag --producer.scp.port has no value");
  }
}
