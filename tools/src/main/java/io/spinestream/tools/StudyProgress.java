package io.spinestream.tools;

import io.spinestream.events.StudyScore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How far the pipeline has got with a given set of studies: slices in, series complete, slices segmented,
 * vertebrae cropped, studies scored. Fed with what the topics carry; records of other studies are ignored,
 * so old or unrelated traffic on the same topics cannot make a run look done. Not thread-safe.
 */
final class StudyProgress {
  /** What has been seen of one study. */
  static final class Study {
    private int slices;
    private int expectedSlices = -1;
    private final Set<Integer> maskedSlices = new HashSet<>();
    private final Set<String> croppedVertebrae = new HashSet<>();
    private final List<StudyScore> scores = new ArrayList<>();
    private int deadLetters;

    int slices() {
      return slices;
    }

    /** Slices of the latest manifest, -1 while the series is not complete. */
    int expectedSlices() {
      return expectedSlices;
    }

    int masks() {
      return maskedSlices.size();
    }

    int crops() {
      return croppedVertebrae.size();
    }

    List<StudyScore> scores() {
      return scores;
    }

    /** The latest score by scoring time, null while unscored. */
    StudyScore latestScore() {
      StudyScore latest = null;
      for (StudyScore score : scores) {
        if (latest == null || score.getScoredAt().isAfter(latest.getScoredAt())) {
          latest = score;
        }
      }
      return latest;
    }

    int deadLetters() {
      return deadLetters;
    }
  }

  private final Map<String, Study> studies = new LinkedHashMap<>();

  StudyProgress(Collection<String> studyInstanceUids) {
    if (studyInstanceUids.isEmpty()) {
      throw new IllegalArgumentException("no studies to watch");
    }
    studyInstanceUids.forEach(uid -> studies.put(uid, new Study()));
  }

  boolean watches(String studyInstanceUid) {
    return studyInstanceUid != null && studies.containsKey(studyInstanceUid);
  }

  /** The studies in the order they were given. */
  Map<String, Study> studies() {
    return studies;
  }

  void slice(String uid) {
    study(uid).ifPresent(s -> s.slices++);
  }

  /** A series manifest; a later one supersedes an earlier (a reopened series is re-sent cumulatively). */
  void manifest(String uid, int sliceCount) {
    study(uid).ifPresent(s -> s.expectedSlices = sliceCount);
  }

  /** A slice's mask; duplicates (a restarted segmenter) count once. */
  void mask(String uid, int sliceIndex) {
    study(uid).ifPresent(s -> s.maskedSlices.add(sliceIndex));
  }

  void crop(String uid, String vertebra) {
    study(uid).ifPresent(s -> s.croppedVertebrae.add(vertebra));
  }

  void score(StudyScore score) {
    study(score.getStudyInstanceUid()).ifPresent(s -> s.scores.add(score));
  }

  void deadLetter(String uid) {
    study(uid).ifPresent(s -> s.deadLetters++);
  }

  /** True when every study has at least one score. */
  boolean complete() {
    return studies.values().stream().noneMatch(s -> s.scores.isEmpty());
  }

  List<String> unscored() {
    return studies.entrySet().stream().filter(e -> e.getValue().scores.isEmpty()).map(Map.Entry::getKey).toList();
  }

  /** Studies with more than one score: the pipeline promises exactly one. */
  List<String> scoredMoreThanOnce() {
    return studies.entrySet().stream().filter(e -> e.getValue().scores.size() > 1).map(Map.Entry::getKey).toList();
  }

  /** One line of progress, e.g. {@code 42 s  series 2/3  slices 260  masks 212/260  crops 14/21  scored 1/3}. */
  String line(Duration elapsed) {
    int complete = 0;
    int slices = 0;
    int expected = 0;
    int masks = 0;
    int crops = 0;
    int scored = 0;
    int deadLetters = 0;
    for (Study s : studies.values()) {
      slices += s.slices;
      if (s.expectedSlices >= 0) {
        complete++;
        expected += s.expectedSlices;
      }
      masks += s.masks();
      crops += s.crops();
      scored += s.scores.isEmpty() ? 0 : 1;
      deadLetters += s.deadLetters;
    }
    int n = studies.size();
    return String.format(Locale.ROOT, "%4d s  series %d/%d  slices %d  masks %d/%d  crops %d/%d  scored %d/%d%s",
        elapsed.toSeconds(), complete, n, slices, masks, expected, crops, 7 * n, scored, n,
        deadLetters == 0 ? "" : "  dead letters " + deadLetters);
  }

  private Optional<Study> study(String uid) {
    return Optional.ofNullable(uid == null ? null : studies.get(uid));
  }
}
