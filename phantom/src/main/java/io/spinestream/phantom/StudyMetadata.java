package io.spinestream.phantom;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Identity of one study: UIDs, fake patient, dates and pixel encoding, all derived from seed and study index
 * (never from the clock), so that the same options write byte-identical files.
 *
 * <p>The StudyInstanceUID depends on (seed, study index) only, so train.csv and the segmentation keep their key
 * when a study is re-rendered differently. Series, instance and frame-of-reference UIDs also depend on every
 * option that changes the pixels, so that two different renderings never share a SOPInstanceUID.
 */
record StudyMetadata(
    int studyIndex,
    String studyInstanceUid,
    String seriesInstanceUid,
    String frameOfReferenceUid,
    String sopInstanceUidPrefix,
    PixelEncoding encoding,
    String patientName,
    String patientId,
    String studyDate,
    String studyTime,
    String accessionNumber,
    double reconstructionCenterX,
    double reconstructionCenterY) {

  static final long STREAM_METADATA = 5;

  static StudyMetadata of(PhantomOptions options, int studyIndex) {
    long seed = options.seed();
    Rng rng = Rng.of(seed, studyIndex, STREAM_METADATA);
    // Encodings rotate with the study index from a seed-chosen start: any three consecutive studies use all three.
    int encodings = PixelEncoding.values().length;
    PixelEncoding encoding = PixelEncoding.values()[
        (int) ((Math.floorMod(Rng.key(seed), encodings) + (long) studyIndex) % encodings)];
    LocalDate date = LocalDate.of(2019, 1, 1).plusDays(rng.nextInt(5 * 365));
    int seconds = 7 * 3600 + rng.nextInt(12 * 3600);
    String time = String.format(Locale.ROOT, "%02d%02d%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    double centerX = Math.round(rng.uniform(-10, 10) * 8) / 8.0;
    double centerY = Math.round(rng.uniform(-30, 30) * 8) / 8.0;
    String accession = String.format(Locale.ROOT, "PH%014d", Math.floorMod(rng.nextLong(), 100_000_000_000_000L));

    String study = "seed=" + seed + "/study=" + studyIndex;
    String rendering = study + "/" + fingerprint(options, studyIndex);
    return new StudyMetadata(
        studyIndex,
        Uids.of(study + "/StudyInstanceUID"),
        Uids.of(rendering + "/SeriesInstanceUID"),
        Uids.of(rendering + "/FrameOfReferenceUID"),
        rendering + "/SOPInstanceUID/",
        encoding,
        "PHANTOM^STUDY" + studyIndex,
        "PH-" + seed + "-" + studyIndex,
        date.format(DateTimeFormatter.BASIC_ISO_DATE),
        time,
        accession,
        centerX,
        centerY);
  }

  /** SOPInstanceUID of the slice with this InstanceNumber. */
  String sopInstanceUid(int instanceNumber) {
    return Uids.of(sopInstanceUidPrefix + instanceNumber);
  }

  /**
   * Everything besides seed and study index that changes the pixels or labels of a study. Doubles go in as their
   * bits: Double.toString has changed between JDKs, and UIDs must not.
   */
  private static String fingerprint(PhantomOptions o, int studyIndex) {
    var override = o.fractureOverrides().get(studyIndex);
    return "matrix=" + o.matrix() + ",fov=" + bits(o.fieldOfViewMm()) + ",spacing=" + bits(o.sliceSpacingMm())
        + ",thickness=" + bits(o.effectiveSliceThicknessMm()) + ",slices=" + o.slices()
        + ",noise=" + bits(o.noiseSigmaHu())
        + ",p=" + (override == null ? bits(o.fractureProbability()) : "override" + override);
  }

  private static String bits(double value) {
    return Long.toHexString(Double.doubleToLongBits(value));
  }
}
