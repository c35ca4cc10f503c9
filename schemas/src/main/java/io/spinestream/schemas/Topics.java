package io.spinestream.schemas;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
import java.util.List;

/** Every topic of the pipeline, in the order data flows through them. */
public final class Topics {
  private static final int MIB = 1024 * 1024;

  /** 1024x1024 int16 slices are 2 MiB of pixels; headroom for metadata and a batch header. */
  public static final Topic<CtSlice> SLICES =
      new Topic<>("spine.slices", CtSlice.class, 4 * MIB, "one CT slice in Hounsfield units");
  public static final Topic<SeriesManifest> SERIES =
      new Topic<>("spine.series", SeriesManifest.class, MIB, "a complete series, slices in z order");
  public static final Topic<SliceMask> MASKS =
      new Topic<>("spine.masks", SliceMask.class, 2 * MIB, "segmentation of one slice");
  public static final Topic<VertebraCrop> CROPS =
      new Topic<>("spine.crops", VertebraCrop.class, MIB, "3D box and 24 sampled slices of one vertebra");
  public static final Topic<VertebraScore> VERTEBRA_SCORES =
      new Topic<>("spine.vertebra-scores", VertebraScore.class, MIB, "fracture probability of one vertebra");
  public static final Topic<StudyScore> SCORES =
      new Topic<>("spine.scores", StudyScore.class, MIB, "fracture probabilities of a study");
  /** Large enough for a dead-lettered slice record inline. */
  public static final Topic<DeadLetter> DEAD_LETTERS =
      new Topic<>("spine.dead-letters", DeadLetter.class, 5 * MIB, "input a stage could not process");

  public static final List<Topic<?>> ALL =
      List.of(SLICES, SERIES, MASKS, CROPS, VERTEBRA_SCORES, SCORES, DEAD_LETTERS);

  private Topics() {}
}
