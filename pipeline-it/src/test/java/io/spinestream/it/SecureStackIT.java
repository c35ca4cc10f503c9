package io.spinestream.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.spinestream.common.config.Settings;
import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.common.kafka.TopicAdmin;
import io.spinestream.events.VertebraCrop;
import io.spinestream.phantom.PhantomGenerator;
import io.spinestream.phantom.PhantomOptions;
import io.spinestream.phantom.PhantomStudy;
import io.spinestream.producer.ProducerMain;
import io.spinestream.schemas.ItStack;
import io.spinestream.schemas.Topics;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.registry.SchemaRegistryException;
import io.spinestream.schemas.serde.AvroDeserializer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The services on a secured deployment: Kafka through the local stack's SASL_SSL listener (SCRAM-SHA-512, TLS with
 * the stack's CA) and the schema registry behind TLS and basic auth ({@link RegistryProxy} in front of the stack's
 * Apicurio). The producer ingests a phantom study and the segmenter and cropper (their own JVMs, as deployed) turn
 * it into crops, all configured only through a properties file. And what must fail does, clearly: a wrong SCRAM
 * password stops a service with an authentication message, a plaintext client gets nothing from the TLS port, an
 * untrusted broker or registry certificate and wrong registry credentials are named as such.
 */
class SecureStackIT {
  private static final String REGISTRY_USER = "spine-registry";
  private static final String REGISTRY_PASSWORD = "basic-auth-pw";
  private static RegistryProxy proxy;

  @TempDir
  Path work;

  @BeforeAll
  static void proxy() throws Exception {
    proxy = new RegistryProxy(ItStack.REGISTRY_URL, ItStack.securityFile("server.p12"), ItStack.storePassword(),
        REGISTRY_USER, REGISTRY_PASSWORD);
  }

  @AfterAll
  static void stopProxy() {
    proxy.close();
  }

  /** Settings of a service on the secured stack, as an operator writes them: one file, secrets in files. */
  private Path secureConfig(String name, String kafkaPasswordFile, String registryUserInfo) throws Exception {
    Path userInfo = Files.writeString(work.resolve(name + ".registry-user-info"), registryUserInfo + "\n");
    String properties = String.join("\n",
        "kafka.bootstrap.servers=" + ItStack.SECURE_BOOTSTRAP_SERVERS,
        "kafka.security.protocol=SASL_SSL",
        "kafka.sasl.mechanism=SCRAM-SHA-512",
        "kafka.sasl.username=" + ItStack.SCRAM_USER,
        "kafka.sasl.password.file=" + kafkaPasswordFile,
        "kafka.ssl.truststore.location=" + ItStack.securityFile("truststore.p12"),
        "kafka.ssl.truststore.type=PKCS12",
        "kafka.ssl.truststore.password=" + ItStack.storePassword(),
        "registry.url=" + proxy.url(),
        "registry.basic.auth.user.info.file=" + userInfo,
        "registry.ssl.truststore.location=" + ItStack.securityFile("truststore.p12"),
        "registry.ssl.truststore.type=PKCS12",
        "registry.ssl.truststore.password=" + ItStack.storePassword(),
        "registry.max.retries=1",
        "registry.retries.wait.ms=100",
        "");
    return Files.writeString(work.resolve(name + ".properties"), properties);
  }

  private Path goodConfig() throws Exception {
    return secureConfig("secure", ItStack.securityFile("kafka.password").toString(),
        REGISTRY_USER + ":" + REGISTRY_PASSWORD);
  }

  private List<String> serviceArgs(String module, String prefix, Path config) {
    return new ArrayList<>(List.of("--config", config.toString(), "--topics.prefix=" + prefix, "--topics.partitions=2",
        "--" + module + ".application.id=" + prefix + module, "--" + module + ".state.dir=" + work.resolve("state-" + module)));
  }

  @Test
  void shouldStreamAStudyThroughTheSaslSslListenerAndTheTlsBasicAuthRegistry() throws Exception {
    PhantomOptions options = PipelineFixture.options(1).withSeed(PipelineFixture.HELD_OUT_SEED + 7);
    PhantomStudy study = PhantomGenerator.generate(options, work.resolve("phantoms")).get(0);
    String prefix = "it-" + ItStack.runId() + "-secure.";
    Path config = goodConfig();
    List<String> segmenterArgs = serviceArgs("segmenter", prefix, config);
    segmenterArgs.addAll(List.of("--segmenter.model.card=" + PipelineFixture.MODELS.resolve(Models.SEGMENTER_CARD),
        "--segmenter.inference.threads=1", "--segmenter.device=cpu"));
    int forwardedBefore = proxy.forwarded();
    try (ServiceProcess segmenter = new ServiceProcess("segmenter", work, segmenterArgs.toArray(String[]::new));
        ServiceProcess cropper = new ServiceProcess("cropper", work,
            serviceArgs("cropper", prefix, config).toArray(String[]::new))) {
      segmenter.start();
      cropper.start();
      segmenter.awaitRunning(Duration.ofMinutes(3));
      cropper.awaitRunning(Duration.ofMinutes(2));
      assertThat(segmenter.log()).contains("SASL_SSL, SCRAM-SHA-512 as 'spine'", "registry with basic auth");

      int exit = ProducerMain.run(new String[] {"ingest", study.seriesDirectory().toString(), "--config",
          config.toString(), "--topics.prefix=" + prefix, "--topics.partitions=2"}, Map.of());
      assertThat(exit).as("producer ingest over SASL_SSL").isZero();

      List<VertebraCrop> crops = readSecurely(config, prefix + Topics.CROPS.name(), 7, Duration.ofMinutes(6));
      assertThat(crops).hasSize(7).allSatisfy(c -> assertThat(c.getStudyInstanceUid())
          .isEqualTo(study.studyInstanceUid()));
      assertThat(crops).extracting(VertebraCrop::getVertebra).doesNotHaveDuplicates();
    }
    assertThat(proxy.forwarded() - forwardedBefore).as("registry requests that went through the TLS proxy")
        .isGreaterThan(0);
  }

  /** Reads committed records through the secure listener, decoding with the registry behind the proxy. */
  private static List<VertebraCrop> readSecurely(Path config, String topic, int expected, Duration timeout) {
    KafkaSettings kafka = new KafkaSettings(ProducerMain.settings(Map.of(), "--config", config.toString()));
    Properties props = kafka.clientProperties();
    props.put("isolation.level", "read_committed");
    props.put("enable.auto.commit", "false");
    SchemaRegistryClient registry = kafka.registryClient();
    try (KafkaConsumer<String, VertebraCrop> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new AvroDeserializer<>(VertebraCrop.class, registry))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      List<VertebraCrop> values = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        consumer.poll(Duration.ofMillis(250)).forEach(r -> values.add(r.value()));
        if (values.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        }
      }
      return values;
    }
  }

  @Test
  void shouldStopAServiceWithAClearMessageWhenTheScramPasswordIsWrong() throws Exception {
    String wrong = "not-the-password-" + ItStack.runId();
    Path wrongFile = Files.writeString(work.resolve("wrong.password"), wrong);
    Path config = secureConfig("wrong", wrongFile.toString(), REGISTRY_USER + ":" + REGISTRY_PASSWORD);
    String prefix = "it-" + ItStack.runId() + "-wrongpw.";
    try (ServiceProcess cropper = new ServiceProcess("cropper", work,
        serviceArgs("cropper", prefix, config).toArray(String[]::new))) {
      cropper.start();
      int exit = cropper.awaitExit(Duration.ofMinutes(2));
      String log = cropper.log();
      assertThat(exit).as("exit code; log:\n%s", cropper.tail()).isEqualTo(1);
      assertThat(log).contains("cropper failed", "refused the login", "authentication failed",
          "check kafka.sasl.username and kafka.sasl.password(.file)").doesNotContain(wrong);
    }
  }

  @Test
  void shouldGetNothingFromTheSecurePortWithoutTlsOrTrust() throws Exception {
    // PLAINTEXT against the TLS port: the broker never answers a request.
    Settings plaintext = ProducerMain.settings(Map.of(), "--kafka.bootstrap.servers=" + ItStack.SECURE_BOOTSTRAP_SERVERS,
        "--registry.url=" + ItStack.REGISTRY_URL);
    Properties props = new KafkaSettings(plaintext).clientProperties();
    props.put("request.timeout.ms", "3000");
    props.put("default.api.timeout.ms", "6000");
    try (Admin admin = Admin.create(props)) {
      assertThatThrownBy(() -> admin.listTopics().names().get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
    }

    // SASL_SSL with the right password but without the stack's CA: the certificate is not trusted.
    Settings untrusted = ProducerMain.settings(Map.of(), "--kafka.bootstrap.servers=" + ItStack.SECURE_BOOTSTRAP_SERVERS,
        "--registry.url=" + ItStack.REGISTRY_URL, "--kafka.security.protocol=SASL_SSL",
        "--kafka.sasl.mechanism=SCRAM-SHA-512", "--kafka.sasl.username=" + ItStack.SCRAM_USER,
        "--kafka.sasl.password.file=" + ItStack.securityFile("kafka.password"));
    assertThatThrownBy(() -> TopicAdmin.ensureTopics(new KafkaSettings(untrusted).clientProperties(),
        List.of(Topics.SLICES.withName("it-" + ItStack.runId() + "-untrusted")), 1, (short) 1, true))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("TLS handshake with Kafka at " + ItStack.SECURE_BOOTSTRAP_SERVERS + " failed")
        .hasMessageContaining("kafka.ssl.truststore.location");
  }

  @Test
  void shouldRefuseWrongRegistryCredentialsAndAnUntrustedRegistryCertificate() throws Exception {
    Path good = goodConfig();
    SchemaRegistryClient trusted = new KafkaSettings(ProducerMain.settings(Map.of(), "--config", good.toString()))
        .registryClient();
    assertThat(trusted.subjects()).as("the right credentials and trust store work").isNotNull();

    Path wrong = secureConfig("wrong-registry", ItStack.securityFile("kafka.password").toString(),
        REGISTRY_USER + ":wrong");
    int refusedBefore = proxy.refused();
    String prefix = "it-" + ItStack.runId() + "-wrongreg.";
    assertThatThrownBy(() -> ProducerMain.run(new String[] {"topics", "--config", wrong.toString(),
        "--topics.prefix=" + prefix, "--topics.partitions=1"}, Map.of()))
        .hasMessageContaining("answered 401")
        .hasMessageContaining("refused the credentials")
        .hasMessageNotContaining(REGISTRY_USER + ":wrong");
    assertThat(proxy.refused()).isGreaterThan(refusedBefore);

    // The right credentials, but the JDK's default trust store: the stack's CA is unknown.
    SchemaRegistryClient untrusted = new KafkaSettings(ProducerMain.settings(Map.of(),
        "--kafka.bootstrap.servers=" + ItStack.BOOTSTRAP_SERVERS, "--registry.url=" + proxy.url(),
        "--registry.basic.auth.user.info=" + REGISTRY_USER + ":" + REGISTRY_PASSWORD)).registryClient();
    assertThatThrownBy(untrusted::subjects)
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("TLS handshake with the schema registry")
        .hasMessageContaining("registry.ssl.truststore.location");
  }
}
