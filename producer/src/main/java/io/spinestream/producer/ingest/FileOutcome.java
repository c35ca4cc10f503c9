package io.spinestream.producer.ingest;

/** What became of one input file. */
public enum FileOutcome {
  /** Its slice is in Kafka (acknowledged). */
  SENT,
  /** Its slice was already in its series. */
  DUPLICATE,
  /** A valid object the pipeline does not take (logged with the reason). */
  SKIPPED,
  /** Refused; its DeadLetter is in Kafka. */
  DEAD_LETTERED,
  /** Could not be delivered to Kafka (slice or dead letter): it must be ingested again. */
  FAILED
}
