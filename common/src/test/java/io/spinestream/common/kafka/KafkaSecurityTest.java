package io.spinestream.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.config.ConfigException;
import io.spinestream.common.config.Settings;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityTest {
  private static final String PASSWORD = "pa\"ss\\word with spaces";

  @TempDir
  Path dir;
  private Path truststore;
  private Path passwordFile;

  @BeforeEach
  void files() throws Exception {
    truststore = dir.resolve("truststore.p12");
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (OutputStream out = Files.newOutputStream(truststore)) {
      store.store(out, "trust-pw".toCharArray());
    }
    passwordFile = Files.writeString(dir.resolve("kafka.password"), PASSWORD + "\n");
  }

  private static Settings load(Map<String, String> environment, String... flags) {
    List<String> args = new ArrayList<>(List.of("--kafka.bootstrap.servers=127.0.0.1:9094",
        "--registry.url=https://127.0.0.1:8443/apis/ccompat/v7"));
    args.addAll(List.of(flags));
    return Settings.load(KafkaSettings.SETTINGS, KafkaSettings.passThroughGroups(), environment,
        args.toArray(String[]::new));
  }

  private String[] secure(String... more) {
    List<String> args = new ArrayList<>(List.of("--kafka.security.protocol=SASL_SSL",
        "--kafka.sasl.mechanism=SCRAM-SHA-512", "--kafka.sasl.username=spine",
        "--kafka.sasl.password.file=" + passwordFile, "--kafka.ssl.truststore.location=" + truststore,
        "--kafka.ssl.truststore.type=PKCS12", "--kafka.ssl.truststore.password=trust-pw"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void shouldBuildTheScramLoginFromUsernameAndPasswordFileForEveryClient() throws Exception {
    Settings settings = load(Map.of(), secure());
    KafkaSettings kafka = new KafkaSettings(settings);

    Properties props = kafka.clientProperties();
    assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("ssl.truststore.location", truststore.toString()).containsEntry("bootstrap.servers",
            "127.0.0.1:9094");
    // Kafka's own JAAS parser reads back the exact password, quote and backslash included.
    AppConfigurationEntry entry = JaasContext.loadClientContext(Map.of("sasl.jaas.config",
        new Password((String) props.get("sasl.jaas.config")))).configurationEntries().get(0);
    assertThat(entry.getLoginModuleName()).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
    assertThat(entry.getOptions().get("username")).isEqualTo("spine");
    assertThat(entry.getOptions().get("password")).isEqualTo(PASSWORD);
    assertThat(kafka.producerProperties("p", 1_000_000)).containsEntry("sasl.jaas.config", props.get("sasl.jaas.config"));
    assertThat(kafka.securityDescription()).contains("SASL_SSL", "SCRAM-SHA-512", "spine").doesNotContain(PASSWORD);
  }

  @Test
  void shouldTakeCredentialsFromTheEnvironmentAndNeverShowThem() {
    Settings settings = load(Map.of("KAFKA_SECURITY_PROTOCOL", "sasl_plaintext", "KAFKA_SASL_MECHANISM", "SCRAM-SHA-256",
        "KAFKA_SASL_USERNAME", "svc", "KAFKA_SASL_PASSWORD", "env-secret", "DASHBOARD_TOKEN", "x",
        "REGISTRY_BASIC_AUTH_USER_INFO", "reg:reg-secret"));
    KafkaSettings kafka = new KafkaSettings(settings);

    assertThat(kafka.clientProperties()).containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-256");
    assertThat((String) kafka.clientProperties().get("sasl.jaas.config")).contains("password=\"env-secret\"");
    assertThat(settings.describe()).containsEntry("kafka.sasl.password", "****")
        .containsEntry("registry.basic.auth.user.info", "****").containsEntry("kafka.sasl.username", "svc");
    assertThat(settings.describe().toString()).doesNotContain("env-secret").doesNotContain("reg-secret");
  }

  @Test
  void shouldReadTheRegistryCredentialsFromAFile() throws Exception {
    Path userInfo = Files.writeString(dir.resolve("registry.user-info"), "reader:r3g1stry\n");
    KafkaSettings kafka = new KafkaSettings(load(Map.of(), "--registry.basic.auth.user.info.file=" + userInfo,
        "--registry.ssl.truststore.location=" + truststore, "--registry.ssl.truststore.type=PKCS12",
        "--registry.ssl.truststore.password=trust-pw"));

    assertThat(kafka.registryConfig()).containsEntry("basic.auth.user.info", "reader:r3g1stry")
        .containsEntry("schema.registry.ssl.truststore.location", truststore.toString());
  }

  @Test
  void shouldStayPlaintextWithoutSecuritySettings() {
    Properties props = new KafkaSettings(load(Map.of())).clientProperties();

    assertThat(props).containsEntry("security.protocol", "PLAINTEXT").doesNotContainKeys("sasl.jaas.config",
        "sasl.mechanism");
  }

  @Test
  void shouldRefuseSaslWithoutMechanismOrCredentials() {
    assertThat(problems(load(Map.of(), "--kafka.security.protocol=SASL_SSL"))).as("everything missing, at once")
        .hasSize(3).anySatisfy(p -> assertThat(p).contains("needs kafka.sasl.mechanism", "KAFKA_SASL_MECHANISM",
            "SCRAM-SHA-512")).anySatisfy(p -> assertThat(p).contains("needs kafka.sasl.username"))
        .anySatisfy(p -> assertThat(p).contains("needs a password"));
    assertThat(problems(load(Map.of(), "--kafka.security.protocol=SASL_SSL", "--kafka.sasl.mechanism=SCRAM-SHA-512")))
        .hasSize(2).anySatisfy(p -> assertThat(p).contains("needs kafka.sasl.username", "KAFKA_SASL_USERNAME"))
        .anySatisfy(p -> assertThat(p).contains("needs a password", "kafka.sasl.password.file"));
    assertThat(problems(load(Map.of(), "--kafka.security.protocol=SASL_SSL", "--kafka.sasl.mechanism=GSSAPI")))
        .singleElement().asString().contains("kafka.sasl.jaas.config");
    assertThat(problems(load(Map.of(), "--kafka.security.protocol=SASL-SSL"))).singleElement().asString()
        .contains("kafka.security.protocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL", "SASL-SSL");
  }

  @Test
  void shouldRefuseContradictorySettingsWithoutShowingThePassword() {
    assertThat(problems(load(Map.of(), secure("--kafka.sasl.password=" + PASSWORD)))).singleElement().asString()
        .contains("kafka.sasl.password and kafka.sasl.password.file are both set");
    assertThat(problems(load(Map.of(), secure("--kafka.sasl.jaas.config=x required;")))).singleElement().asString()
        .contains("kafka.sasl.jaas.config and kafka.sasl.username");
    List<String> plaintext = problems(load(Map.of(), "--kafka.sasl.username=spine", "--kafka.sasl.password=" + PASSWORD,
        "--kafka.ssl.truststore.location=" + truststore));
    assertThat(plaintext).hasSize(3).allSatisfy(p -> assertThat(p).contains("kafka.security.protocol is PLAINTEXT")
        .doesNotContain(PASSWORD));
    assertThat(String.join("\n", plaintext)).contains("kafka.sasl.username is set", "kafka.sasl.password is set",
        "kafka.ssl.truststore.location is set", "set kafka.security.protocol=SSL or SASL_SSL");
  }

  @Test
  void shouldNameTheKeyOfAMissingOrUnusableFile() throws Exception {
    Path missing = dir.resolve("nowhere.p12");
    assertThat(problems(load(Map.of(), secure("--kafka.ssl.truststore.location=" + missing)))).singleElement()
        .asString().contains("kafka.ssl.truststore.location: " + missing + " does not exist",
            "KAFKA_SSL_TRUSTSTORE_LOCATION");
    assertThat(problems(load(Map.of(), secure("--kafka.ssl.truststore.password=wrong")))).singleElement().asString()
        .contains("kafka.ssl.truststore.location", "does not open as PKCS12", "kafka.ssl.truststore.password");
    assertThat(problems(load(Map.of(), secure("--kafka.sasl.password.file=" + missing)))).singleElement().asString()
        .contains("kafka.sasl.password.file: cannot read " + missing);
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThat(problems(load(Map.of(), secure("--kafka.sasl.password.file=" + empty)))).singleElement().asString()
        .contains("kafka.sasl.password.file", "is empty");
  }

  @Test
  void shouldRefuseRegistrySettingsThatCannotWork() throws Exception {
    assertThat(problems(Settings.load(KafkaSettings.SETTINGS, KafkaSettings.passThroughGroups(), Map.of(),
        new String[] {"--kafka.bootstrap.servers=b:9092", "--registry.url=http://r:8081",
            "--registry.ssl.truststore.location=" + truststore})))
        .singleElement().asString().contains("registry.ssl.truststore.location is set but registry.url", "https://");
    assertThat(problems(load(Map.of(), "--registry.basic.auth.user.info=no-colon"))).singleElement().asString()
        .contains("registry.basic.auth.user.info must hold user:password");
    Path file = Files.writeString(dir.resolve("u"), "a:b");
    assertThat(problems(load(Map.of(), "--registry.basic.auth.user.info=a:b",
        "--registry.basic.auth.user.info.file=" + file))).singleElement().asString().contains("both set");
  }

  private static List<String> problems(Settings settings) {
    try {
      new KafkaSettings(settings);
    } catch (ConfigException e) {
      assertThat(e.getMessage()).doesNotContain(PASSWORD);
      return e.problems();
    }
    throw new AssertionError("the settings were accepted");
  }

  @Test
  void shouldFailAtStartNotAtFirstUse() {
    assertThatThrownBy(() -> new KafkaSettings(load(Map.of(), "--kafka.security.protocol=SSL",
        "--kafka.ssl.keystore.location=/no/such/keystore.jks")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.ssl.keystore.location");
  }
}
