package io.spinestream.segmenter;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.schemas.Topic;

/** The topics the segmenter reads and writes, under their configured names. */
public record SegmenterTopics(Topic<CtSlice> slices, Topic<SeriesManifest> series, Topic<SliceMask> masks,
    Topic<DeadLetter> deadLetters) {}
