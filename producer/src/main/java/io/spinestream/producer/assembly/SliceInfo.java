package io.spinestream.producer.assembly;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What series assembly needs of a slice: identity, position, size, and the file it came from (so the
 * file can be archived or removed once its series is complete). No pixels: those go straight to Kafka.
 */
public record SliceInfo(
    String studyInstanceUid,
    String seriesInstanceUid,
    String sopInstanceUid,
    double zPositionMm,
    int rows,
    int columns,
    Instant receivedAt,
    Path file) {}
