package io.spinestream.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StudyProgressTest {

  @Test
  void shouldCompleteOnlyWhenEveryWatchedStudyHasAScore() {
    StudyProgress progress = new StudyProgress(List.of("A", "B"));
    assertThat(progress.complete()).isFalse();

    progress.score(Scores.score("A", 0.2));
    assertThat(progress.complete()).isFalse();
    assertThat(progress.unscored()).containsExactly("B");

    progress.score(Scores.score("B", 0.7));
    assertThat(progress.complete()).isTrue();
    assertThat(progress.unscored()).isEmpty();
    assertThat(progress.scoredMoreThanOnce()).isEmpty();
  }

  @Test
  void shouldIgnoreEverythingAboutStudiesNotWatched() {
    StudyProgress progress = new StudyProgress(List.of("A"));
    progress.slice("X");
    progress.manifest("X", 100);
    progress.mask("X", 1);
    progress.crop("X", "C1");
    progress.deadLetter("X");
    progress.deadLetter(null);
    progress.score(Scores.score("X", 0.5));

    assertThat(progress.watches("X")).isFalse();
    assertThat(progress.watches(null)).isFalse();
    assertThat(progress.complete()).isFalse();
    assertThat(progress.line(Duration.ofSeconds(3)))
        .isEqualTo("   3 s  series 0/1  slices 0  masks 0/0  crops 0/7  scored 0/1");
  }

  @Test
  void shouldCountDuplicateMasksAndCropsOnceAndTakeTheLatestManifest() {
    StudyProgress progress = new StudyProgress(List.of("A", "B"));
    for (int i = 0; i < 5; i++) {
      progress.slice("A");
    }
    progress.manifest("A", 4);
    // A late slice reopened the series: the cumulative manifest supersedes the first.
    progress.manifest("A", 5);
    progress.mask("A", 0);
    progress.mask("A", 1);
    progress.mask("A", 1);
    progress.crop("A", "C1");
    progress.crop("A", "C1");
    progress.crop("A", "C2");
    progress.slice("B");
    progress.deadLetter("B");

    assertThat(progress.studies().get("A").masks()).isEqualTo(2);
    assertThat(progress.studies().get("A").crops()).isEqualTo(2);
    assertThat(progress.studies().get("A").expectedSlices()).isEqualTo(5);
    assertThat(progress.studies().get("B").expectedSlices()).isEqualTo(-1);
    assertThat(progress.line(Duration.ofMillis(42_900)))
        .isEqualTo("  42 s  series 1/2  slices 6  masks 2/5  crops 2/14  scored 0/2  dead letters 1");
  }

  @Test
  void shouldReportAStudyScoredTwiceAndKeepItsLatestScore() {
    StudyProgress progress = new StudyProgress(List.of("A"));
    progress.score(Scores.score("A", 0.3, Scores.T0.plusSeconds(20)));
    progress.score(Scores.score("A", 0.9, Scores.T0.plusSeconds(10)));

    assertThat(progress.complete()).isTrue();
    assertThat(progress.scoredMoreThanOnce()).containsExactly("A");
    assertThat(progress.studies().get("A").latestScore().getC1()).isEqualTo(0.3);
  }

  @Test
  void shouldRefuseAnEmptySetOfStudies() {
    assertThatThrownBy(() -> new StudyProgress(List.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
