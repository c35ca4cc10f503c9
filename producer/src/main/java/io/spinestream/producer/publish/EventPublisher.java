package io.spinestream.producer.publish;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.registry.SchemaRegistryClient;
import io.spinestream.schemas.serde.AvroSerializer;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The producer's one idempotent Kafka producer, for slices, manifests and dead letters alike. Thread-safe;
 * {@link #send} blocks only when the producer's buffer is full, which throttles decoding to what Kafka
 * takes.
 */
public final class EventPublisher implements AutoCloseable {
  private final KafkaProducer<String, Object> producer;
  private KafkaClientMetrics clientMetrics;

  public EventPublisher(Properties producerProperties, SchemaRegistryClient registry, Map<String, Object> serdeConfig) {
    AvroSerializer<Object> values = new AvroSerializer<>(registry);
    values.configure(serdeConfig, false);
    this.producer = new KafkaProducer<>(producerProperties, new StringSerializer(), values);
  }

  /** Sends; the future completes when the broker has acknowledged the record (acks=all). */
  public <V extends SpecificRecord> CompletableFuture<RecordMetadata> send(Topic<V> topic, String key, V value) {
    CompletableFuture<RecordMetadata> acked = new CompletableFuture<>();
    try {
      producer.send(new ProducerRecord<>(topic.name(), key, value), (metadata, error) -> {
        if (error != null) {
          acked.completeExceptionally(error);
        } else {
          acked.complete(metadata);
        }
      });
    } catch (RuntimeException e) {
      // Serialization (registry) and buffer-timeout failures are thrown here, not passed to the callback.
      acked.completeExceptionally(e);
    }
    return acked;
  }

  /**
   * Binds the Kafka producer's own metrics (records sent per topic, errors, latency) to {@code registry}; the
   * service's /metrics derives {@code spine_records_out_total} and {@code spine_dead_letters_total} from them.
   */
  public synchronized void bindMetrics(MeterRegistry registry) {
    if (clientMetrics == null) {
      clientMetrics = new KafkaClientMetrics(producer);
      clientMetrics.bindTo(registry);
    }
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (clientMetrics != null) {
        clientMetrics.close();
      }
    }
    producer.close(Duration.ofSeconds(30));
  }
}
