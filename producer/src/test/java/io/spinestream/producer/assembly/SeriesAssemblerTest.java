package io.spinestream.producer.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SourceKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesAssemblerTest {
  private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final SeriesAssembler assembler = new SeriesAssembler(clock, Duration.ofMinutes(10));

  private static SliceInfo slice(String series, int n, double z) {
    return new SliceInfo("1.2.3", series, series + "." + n, z, 512, 512, T0.plusSeconds(n), Path.of("/in/" + series + "-" + n));
  }

  private void admitAndSend(SliceInfo slice) {
    assertThat(assembler.admit(slice, SourceKind.FILE)).isInstanceOf(Admission.Accepted.class);
    assembler.sendFinished(slice.seriesInstanceUid(), true);
  }

  @Test
  void shouldListSlicesInAscendingZWhateverTheArrivalOrder() {
    admitAndSend(slice("s1", 3, 30.0));
    admitAndSend(slice("s1", 1, -10.0));
    admitAndSend(slice("s1", 2, 5.5));
    List<CompletedSeries> done = assembler.completeAll();
    assertThat(done).singleElement().satisfies(c -> {
      assertThat(c.manifest().getSopInstanceUids()).containsExactly("s1.1", "s1.2", "s1.3");
      assertThat(c.manifest().getZPositionsMm()).containsExactly(-10.0, 5.5, 30.0);
      assertThat(c.manifest().getSliceCount()).isEqualTo(3);
      assertThat(c.manifest().getCompletion()).isEqualTo(SeriesCompletion.END_OF_INPUT);
      assertThat(c.manifest().getFirstReceivedAt()).isEqualTo(T0.plusSeconds(1));
      assertThat(c.manifest().getLastReceivedAt()).isEqualTo(T0.plusSeconds(3));
      assertThat(c.files()).hasSize(3);
    });
  }

  @Test
  void shouldRefuseDuplicateSopInstanceUids() {
    admitAndSend(slice("s1", 1, 0));
    assertThat(assembler.admit(slice("s1", 1, 0), SourceKind.FILE)).isEqualTo(new Admission.Duplicate("s1.1"));
    assertThat(assembler.completeAll().get(0).manifest().getSliceCount()).isEqualTo(1);
  }

  @Test
  void shouldRefuseASliceOfAnotherSizeThanTheSeries() {
    admitAndSend(slice("s1", 1, 0));
    SliceInfo odd = new SliceInfo("1.2.3", "s1", "s1.2", 1, 256, 256, T0, null);
    assertThat(assembler.admit(odd, SourceKind.FILE)).isEqualTo(new Admission.WrongSize(512, 512));
  }

  @Test
  void shouldKeepSeriesApartAndCompleteEachOnce() {
    admitAndSend(slice("a", 1, 0));
    admitAndSend(slice("b", 1, 0));
    admitAndSend(slice("a", 2, 1));
    assertThat(assembler.completeAll()).extracting(c -> c.manifest().getSeriesInstanceUid()).containsExactly("a", "b");
    assertThat(assembler.completeAll()).isEmpty();
  }

  @Test
  void shouldCompleteOnlyAfterInactivityAndNotWhileSlicesAreInFlight() {
    assembler.admit(slice("s1", 1, 0), SourceKind.DICOM_NETWORK);
    clock.advance(Duration.ofSeconds(20));
    assertThat(assembler.completeIdle(Duration.ofSeconds(5))).as("slice still being sent").isEmpty();
    assembler.sendFinished("s1", true);
    admitAndSend(slice("s1", 2, 1));
    clock.advance(Duration.ofSeconds(4));
    assertThat(assembler.completeIdle(Duration.ofSeconds(5))).as("active 4 s ago").isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(assembler.completeIdle(Duration.ofSeconds(5))).singleElement()
        .satisfies(c -> assertThat(c.manifest().getCompletion()).isEqualTo(SeriesCompletion.INACTIVITY_TIMEOUT));
  }

  @Test
  void shouldNeverCompleteASeriesWithAFailedSend() {
    assembler.admit(slice("s1", 1, 0), SourceKind.FILE);
    assembler.sendFinished("s1", false);
    assertThat(assembler.completeAll()).isEmpty();
    assertThat(assembler.failedSeries()).containsExactly("s1");
    assertThat(assembler.forgetFailed("s1")).containsExactly(Path.of("/in/s1-1"));
    admitAndSend(slice("s1", 1, 0));
    assertThat(assembler.completeAll()).hasSize(1);
  }

  @Test
  void shouldReopenACompletedSeriesForALateSliceWithACumulativeManifest() {
    admitAndSend(slice("s1", 1, 0));
    clock.advance(Duration.ofSeconds(10));
    assertThat(assembler.completeIdle(Duration.ofSeconds(5))).hasSize(1);
    admitAndSend(slice("s1", 2, 1));
    assertThat(assembler.admit(slice("s1", 1, 0), SourceKind.DICOM_NETWORK)).isInstanceOf(Admission.Duplicate.class);
    clock.advance(Duration.ofSeconds(10));
    List<CompletedSeries> again = assembler.completeIdle(Duration.ofSeconds(5));
    assertThat(again).singleElement().satisfies(c -> {
      assertThat(c.manifest().getSopInstanceUids()).containsExactly("s1.1", "s1.2");
      assertThat(c.files()).as("only files since the last manifest").containsExactly(Path.of("/in/s1-2"));
    });
  }

  @Test
  void shouldForgetCompletedSeriesAfterRetention() {
    admitAndSend(slice("s1", 1, 0));
    clock.advance(Duration.ofSeconds(10));
    assembler.completeIdle(Duration.ofSeconds(5));
    clock.advance(Duration.ofMinutes(11));
    assembler.completeIdle(Duration.ofSeconds(5));
    assertThat(assembler.admit(slice("s1", 1, 0), SourceKind.FILE)).as("forgotten, so new again")
        .isInstanceOf(Admission.Accepted.class);
  }

  static final class MutableClock extends Clock {
    private Instant now;

    MutableClock(Instant start) {
      now = start;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
