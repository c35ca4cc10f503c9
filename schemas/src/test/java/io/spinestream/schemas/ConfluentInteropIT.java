package io.spinestream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spinestream.events.CtSlice;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroDeserializer;
import io.spinestream.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with Confluent's own serde, in the form a downstream Python dashboard would use it
 * (Debian's python3-confluent-kafka): Confluent decodes what we write, and re-encoding it with Confluent's
 * serializer under the same schema id gives our bytes exactly; and we read what Confluent writes.
 */
class ConfluentInteropIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCRIPT = "src/test/python/confluent_interop.py";

  private final SchemaRegistryClient registry = ItStack.registry();
  private final String run = ItStack.runId();

  @Test
  void shouldWriteExactlyTheBytesConfluentsSerializerWrites() throws Exception {
    String topic = "it-" + run + "-to-confluent";
    ItStack.createTopic(topic, 1, Topics.SLICES.maxMessageBytes());
    List<SpecificRecord> events = List.of(SampleEvents.slice(5, 0, 32, 32), SampleEvents.studyScore(5),
        SampleEvents.crop(5, io.spinestream.events.Vertebra.C7, false));
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    // RecordNameStrategy: three types in one topic, each its own subject, as Confluent would do it.
    serializer.configure(Map.of("schema.registry.url", ItStack.REGISTRY_URL,
        "value.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy"), false);
    try (var producer = ItStack.producer(new StringSerializer(), serializer)) {
      for (SpecificRecord event : events) {
        producer.send(new ProducerRecord<>(topic, "k", event)).get();
      }
    }
    List<byte[]> ours;
    try (var consumer = ItStack.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      ours = ItStack.readAll(consumer, topic, events.size()).stream().map(r -> r.value()).toList();
    }

    List<JsonNode> confluent = python("reencode", "--topic", topic, "--count", String.valueOf(events.size()));

    assertThat(confluent).hasSize(events.size());
    for (int i = 0; i < events.size(); i++) {
      JsonNode line = confluent.get(i);
      assertThat(line.get("magic").asInt()).isZero();
      assertThat(line.get("schema_id").asInt()).isEqualTo(ByteBuffer.wrap(ours.get(i), 1, 4).getInt());
      assertThat(Base64.getDecoder().decode(line.get("reencoded").asText())).as("record %d", i).isEqualTo(ours.get(i));
      assertThat(line.get("identical").asBoolean()).isTrue();
      assertThat(line.get("record")).isEqualTo(JSON.valueToTree(plain(events.get(i))));
    }
  }

  @Test
  void shouldReadWhatConfluentsSerializerWrites(@TempDir Path dir) throws Exception {
    String topic = "it-" + run + "-from-confluent";
    ItStack.createTopic(topic, 1, Topics.SLICES.maxMessageBytes());
    CtSlice slice = SampleEvents.slice(6, 2, 24, 20);
    Path schema = Files.writeString(dir.resolve("CtSlice.avsc"), CtSlice.getClassSchema().toString(true));
    Path record = dir.resolve("record.json");
    JSON.writeValue(record.toFile(), plain(slice));

    List<JsonNode> produced = python("produce", "--topic", topic, "--schema", schema.toString(),
        "--record", record.toString(), "--key", slice.getStudyInstanceUid());
    assertThat(produced).singleElement().satisfies(line -> assertThat(line.get("produced").asInt()).isPositive());

    try (var consumer = ItStack.consumer(new StringDeserializer(), new AvroDeserializer<>(CtSlice.class, registry))) {
      var read = ItStack.readAll(consumer, topic, 1);
      assertThat(read).singleElement().satisfies(r -> {
        assertThat(r.key()).isEqualTo(slice.getStudyInstanceUid());
        assertThat(r.value()).isEqualTo(slice);
      });
    }
  }

  private List<JsonNode> python(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3", SCRIPT, args[0],
        "--bootstrap", ItStack.BOOTSTRAP_SERVERS, "--registry", ItStack.REGISTRY_URL));
    command.addAll(List.of(args).subList(1, args.length));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue())
        .as("confluent_interop.py failed (needs Debian python3-confluent-kafka and python3-avro): %s",
            new String(err, StandardCharsets.UTF_8))
        .isZero();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }

  /** The JSON form confluent_interop.py prints and reads: bytes as base64, timestamps as millis. */
  private static Object plain(Object value) {
    if (value instanceof SpecificRecord record) {
      Map<String, Object> map = new LinkedHashMap<>();
      record.getSchema().getFields().forEach(f -> map.put(f.name(), plain(record.get(f.pos()))));
      return map;
    }
    if (value instanceof ByteBuffer bytes) {
      byte[] copy = new byte[bytes.remaining()];
      bytes.duplicate().get(copy);
      return Map.of("base64", Base64.getEncoder().encodeToString(copy));
    }
    if (value instanceof Instant instant) {
      return instant.toEpochMilli();
    }
    if (value instanceof Enum<?> || value instanceof GenericEnumSymbol<?>) {
      return value.toString();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ConfluentInteropIT::plain).toList();
    }
    return value;
  }
}
