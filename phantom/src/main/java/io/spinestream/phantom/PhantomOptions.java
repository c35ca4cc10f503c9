package io.spinestream.phantom;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What to generate. Every study is a pure function of these options and its study index: generating studies
 * 0..9 at once or as 0..4 then 5..9 (with {@link #firstStudyIndex}) gives the same files.
 *
 * <p>Start from {@link #defaults()} and change what you need with the {@code withX} methods; the canonical
 * constructor validates every value and names the offending option.
 *
 * @param studies number of studies to generate, at least 1
 * @param seed the seed: anatomy, pose, fractures, noise, encoding, UIDs and dates all derive from it
 * @param firstStudyIndex index of the first study; study n is {@code PHANTOM^STUDY<n>}
 * @param matrix rows and columns of every slice (32..2048; 512 is the clinical size, 256 or 128 for fast tests)
 * @param fieldOfViewMm reconstruction diameter; pixel spacing is {@code fieldOfViewMm / matrix}
 * @param sliceSpacingMm distance between slice centres
 * @param sliceThicknessMm nominal SliceThickness written to DICOM; 0 means "equal to the slice spacing"
 *     (voxels are point-sampled, so it only labels the data)
 * @param slices slices per study; 0 means as many as needed to cover from above C1 to below T2 with a 10 mm
 *     margin (depends on the study's size and pose); an explicit count starts at the same top and extends
 *     caudally (T3, T4, T5 appear when it reaches them)
 * @param fractureProbability probability that a given cervical vertebra of a study is fractured, independently
 *     per vertebra; the default {@link #DEFAULT_FRACTURE_PROBABILITY} makes about half of the studies positive
 * @param noiseSigmaHu standard deviation of the gaussian noise added to every voxel, in HU (0 for exact values)
 * @param fractureOverrides for the studies it names (by absolute study index), exactly these vertebrae are
 *     fractured (an empty set: none) instead of the random draw; anatomy does not change with it
 */
public record PhantomOptions(
    int studies,
    long seed,
    int firstStudyIndex,
    int matrix,
    double fieldOfViewMm,
    double sliceSpacingMm,
    double sliceThicknessMm,
    int slices,
    double fractureProbability,
    double noiseSigmaHu,
    Map<Integer, Set<Vertebra>> fractureOverrides) {

  /** 1 - 0.5^(1/7): with seven independent vertebrae, half of the studies have at least one fracture. */
  public static final double DEFAULT_FRACTURE_PROBABILITY = 1 - StrictMath.pow(0.5, 1.0 / 7);

  public PhantomOptions {
    require(studies >= 1, "studies must be at least 1, is " + studies);
    require(firstStudyIndex >= 0, "firstStudyIndex must be >= 0, is " + firstStudyIndex);
    require((long) firstStudyIndex + studies <= Integer.MAX_VALUE, "firstStudyIndex + studies overflows");
    require(matrix >= 32 && matrix <= 2048, "matrix must be within 32..2048, is " + matrix);
    require(fieldOfViewMm >= 100 && fieldOfViewMm <= 500, "fieldOfViewMm must be within 100..500 mm, is " + fieldOfViewMm);
    require(sliceSpacingMm >= 0.25 && sliceSpacingMm <= 10, "sliceSpacingMm must be within 0.25..10 mm, is " + sliceSpacingMm);
    require(sliceThicknessMm == 0 || (sliceThicknessMm >= 0.25 && sliceThicknessMm <= 20),
        "sliceThicknessMm must be 0 (= spacing) or within 0.25..20 mm, is " + sliceThicknessMm);
    require(slices >= 0 && slices <= 4000, "slices must be 0 (automatic) or within 1..4000, is " + slices);
    require(fractureProbability >= 0 && fractureProbability <= 1,
        "fractureProbability must be within 0..1, is " + fractureProbability);
    require(noiseSigmaHu >= 0 && noiseSigmaHu <= 500, "noiseSigmaHu must be within 0..500 HU, is " + noiseSigmaHu);
    var copy = new TreeMap<Integer, Set<Vertebra>>();
    for (var entry : fractureOverrides.entrySet()) {
      require(entry.getKey() != null && entry.getKey() >= 0, "fracture override for a negative study index: " + entry.getKey());
      var vertebrae = entry.getValue().isEmpty() ? EnumSet.noneOf(Vertebra.class) : EnumSet.copyOf(entry.getValue());
      copy.put(entry.getKey(), Collections.unmodifiableSet(vertebrae));
    }
    fractureOverrides = Collections.unmodifiableMap(copy);
  }

  /** One 512² study, seed 0, automatic slice count, default noise and fracture probability. */
  public static PhantomOptions defaults() {
    return new PhantomOptions(1, 0, 0, 512, 180, 1.25, 0, 0, DEFAULT_FRACTURE_PROBABILITY, 20, Map.of());
  }

  public double pixelSpacingMm() {
    return fieldOfViewMm / matrix;
  }

  /** The SliceThickness written: the explicit value, or the slice spacing. */
  public double effectiveSliceThicknessMm() {
    return sliceThicknessMm == 0 ? sliceSpacingMm : sliceThicknessMm;
  }

  /** Index of the last study generated. */
  public int lastStudyIndex() {
    return firstStudyIndex + studies - 1;
  }

  public PhantomOptions withStudies(int value) {
    return new PhantomOptions(value, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withSeed(long value) {
    return new PhantomOptions(studies, value, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withFirstStudyIndex(int value) {
    return new PhantomOptions(studies, seed, value, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withMatrix(int value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, value, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withFieldOfViewMm(double value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, value, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withSliceSpacingMm(double value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, value, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withSliceThicknessMm(double value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, value,
        slices, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withSlices(int value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        value, fractureProbability, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withFractureProbability(double value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, value, noiseSigmaHu, fractureOverrides);
  }

  public PhantomOptions withNoiseSigmaHu(double value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, value, fractureOverrides);
  }

  /** Replaces all overrides. */
  public PhantomOptions withFractureOverrides(Map<Integer, Set<Vertebra>> value) {
    return new PhantomOptions(studies, seed, firstStudyIndex, matrix, fieldOfViewMm, sliceSpacingMm, sliceThicknessMm,
        slices, fractureProbability, noiseSigmaHu, value);
  }

  /** Study {@code studyIndex} gets exactly these fractures (none when called without vertebrae). */
  public PhantomOptions withFractures(int studyIndex, Vertebra... vertebrae) {
    var copy = new TreeMap<>(fractureOverrides);
    var set = EnumSet.noneOf(Vertebra.class);
    Collections.addAll(set, vertebrae);
    copy.put(studyIndex, set);
    return withFractureOverrides(copy);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
