package io.spinestream.producer.ingest;

import io.spinestream.common.kafka.KafkaSettings;
import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.schemas.Topic;
import io.spinestream.schemas.Topics;
import java.util.List;

/** The topics the producer writes, under their configured names. */
public record OutputTopics(Topic<CtSlice> slices, Topic<SeriesManifest> series, Topic<DeadLetter> deadLetters) {

  public static OutputTopics of(KafkaSettings kafka) {
    return new OutputTopics(kafka.topic(Topics.SLICES), kafka.topic(Topics.SERIES), kafka.topic(Topics.DEAD_LETTERS));
  }

  public List<Topic<?>> all() {
    return List.of(slices, series, deadLetters);
  }
}
