package io.spinestream.classifier;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
import io.spinestream.schemas.Topic;

/** The topics the classifier reads and writes, under their configured names. */
public record ClassifierTopics(Topic<CtSlice> slices, Topic<SeriesManifest> series, Topic<VertebraCrop> crops,
    Topic<VertebraScore> vertebraScores, Topic<StudyScore> scores, Topic<DeadLetter> deadLetters) {}
