package io.spinestream.producer.assembly;

import io.spinestream.events.SeriesManifest;
import java.nio.file.Path;
import java.util.List;

/** A series whose manifest is ready to send, with the files of its slices. */
public record CompletedSeries(SeriesManifest manifest, List<Path> files) {}
