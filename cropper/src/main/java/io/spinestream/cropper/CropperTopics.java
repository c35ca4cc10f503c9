package io.spinestream.cropper;

import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.VertebraCrop;
import io.spinestream.schemas.Topic;

/** The topics the cropper reads and writes, under their configured names. */
public record CropperTopics(Topic<SliceMask> masks, Topic<SeriesManifest> series, Topic<VertebraCrop> crops,
    Topic<DeadLetter> deadLetters) {}
