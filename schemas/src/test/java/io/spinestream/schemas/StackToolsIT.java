package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.StudyScore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** A third-party Kafka client (Debian's kcat, librdkafka) works against the local stack's broker. */
class StackToolsIT {

  @Test
  void shouldListTopicsAndReadKeysWithKcat() throws Exception {
    String topic = "it-" + ItStack.runId() + "-kcat";
    ItStack.createTopic(topic, 2, Topics.SCORES.maxMessageBytes());
    StudyScore score = SampleEvents.studyScore(9);
    try (var producer = ItStack.producer(Topic.KEY_SERDE.serializer(),
        Topics.SCORES.valueSerde(ItStack.registry(), ItStack.registryConfig()).serializer())) {
      producer.send(new ProducerRecord<>(topic, score.getStudyInstanceUid(), score)).get();
    }

    String metadata = kcat("-L", "-t", topic);
    assertThat(metadata).contains("topic \"" + topic + "\" with 2 partitions");

    String keys = kcat("-C", "-t", topic, "-f", "%k\\n", "-e", "-q");
    assertThat(keys.strip()).isEqualTo(score.getStudyInstanceUid());
  }

  private static String kcat(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("kcat", "-b", ItStack.BOOTSTRAP_SERVERS));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("kcat (Debian package kcat) failed: %s", out).isZero();
    return out;
  }
}
