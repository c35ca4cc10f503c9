package io.spinestream.producer.assembly;

import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SourceKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups slices into series and decides when a series is complete. Thread-safe.
 *
 * <p>Rules: a series is keyed by its SeriesInstanceUID; a slice whose SOP Instance UID the series already
 * has is a duplicate; the first slice fixes the series' rows x columns and a slice of another size is
 * refused. A manifest lists the slices in ascending z. A series completes at end of input (files) or
 * after a period without new slices (network, inbox) — but never while a slice of it is still being
 * sent, and never if a send failed, so a manifest always means every slice it lists is in Kafka.
 *
 * <p>Completed series are remembered for {@code retention}: a slice that arrives later reopens its series,
 * and the next manifest of that series lists all its slices (manifests are cumulative; a later one
 * supersedes an earlier one of the same series).
 */
public final class SeriesAssembler {
  private final Clock clock;
  private final Duration retention;
  private final Map<String, SeriesState> series = new LinkedHashMap<>();

  public SeriesAssembler(Clock clock, Duration retention) {
    this.clock = clock;
    this.retention = retention;
  }

  private static final class SeriesState {
    final String studyUid;
    final String seriesUid;
    final SourceKind sourceKind;
    final int rows;
    final int columns;
    final Map<String, SliceInfo> slices = new HashMap<>();
    final List<Path> filesSinceManifest = new ArrayList<>();
    Instant firstReceivedAt;
    Instant lastReceivedAt;
    Instant lastActivity;
    Instant completedAt;
    int inFlight;
    boolean sendFailed;

    SeriesState(SliceInfo first, SourceKind sourceKind) {
      this.studyUid = first.studyInstanceUid();
      this.seriesUid = first.seriesInstanceUid();
      this.sourceKind = sourceKind;
      this.rows = first.rows();
      this.columns = first.columns();
      this.firstReceivedAt = first.receivedAt();
      this.lastReceivedAt = first.receivedAt();
    }

    boolean open() {
      return completedAt == null;
    }
  }

  /** Decides about a slice; an accepted slice counts as being sent until {@link #sendFinished}. */
  public synchronized Admission admit(SliceInfo slice, SourceKind sourceKind) {
    SeriesState state = series.computeIfAbsent(slice.seriesInstanceUid(), k -> new SeriesState(slice, sourceKind));
    if (state.slices.containsKey(slice.sopInstanceUid())) {
      state.lastActivity = clock.instant();
      return new Admission.Duplicate(slice.sopInstanceUid());
    }
    if (slice.rows() != state.rows || slice.columns() != state.columns) {
      return new Admission.WrongSize(state.rows, state.columns);
    }
    state.slices.put(slice.sopInstanceUid(), slice);
    if (slice.file() != null) {
      state.filesSinceManifest.add(slice.file());
    }
    if (slice.receivedAt().isBefore(state.firstReceivedAt)) {
      state.firstReceivedAt = slice.receivedAt();
    }
    if (slice.receivedAt().isAfter(state.lastReceivedAt)) {
      state.lastReceivedAt = slice.receivedAt();
    }
    state.lastActivity = clock.instant();
    state.completedAt = null;
    state.inFlight++;
    return new Admission.Accepted();
  }

  /** The send of an accepted slice ended; a failure keeps its series from completing. */
  public synchronized void sendFinished(String seriesInstanceUid, boolean delivered) {
    SeriesState state = series.get(seriesInstanceUid);
    if (state == null) {
      return;
    }
    state.inFlight--;
    if (!delivered) {
      state.sendFailed = true;
    }
  }

  /** The manifest of a completed series was not delivered: reopen it so the next completion sends it. */
  public synchronized void manifestFailed(CompletedSeries completed) {
    SeriesState state = series.get(completed.manifest().getSeriesInstanceUid());
    if (state == null) {
      return;
    }
    state.completedAt = null;
    state.filesSinceManifest.addAll(0, completed.files());
  }

  /** Completes every open series (end of input). Series with failed sends are left out. */
  public synchronized List<CompletedSeries> completeAll() {
    return complete(SeriesCompletion.END_OF_INPUT, state -> true);
  }

  /** Completes the open series without a new slice for at least {@code inactivity}. */
  public synchronized List<CompletedSeries> completeIdle(Duration inactivity) {
    Instant now = clock.instant();
    List<CompletedSeries> completed = complete(SeriesCompletion.INACTIVITY_TIMEOUT,
        state -> !state.lastActivity.plus(inactivity).isAfter(now));
    series.values().removeIf(state -> !state.open() && state.completedAt.plus(retention).isBefore(now));
    return completed;
  }

  /** Series whose slices could not all be sent: they will not complete until re-ingested. */
  public synchronized List<String> failedSeries() {
    return series.values().stream().filter(s -> s.sendFailed).map(s -> s.seriesUid).toList();
  }

  /** Forgets a failed series so that re-ingesting its files starts it afresh. */
  public synchronized List<Path> forgetFailed(String seriesInstanceUid) {
    SeriesState state = series.remove(seriesInstanceUid);
    return state == null ? List.of() : state.slices.values().stream().map(SliceInfo::file).filter(f -> f != null).toList();
  }

  public synchronized int openSeries() {
    return (int) series.values().stream().filter(SeriesState::open).count();
  }

  public synchronized int slicesInFlight() {
    return series.values().stream().mapToInt(s -> s.inFlight).sum();
  }

  private List<CompletedSeries> complete(SeriesCompletion why, java.util.function.Predicate<SeriesState> ready) {
    List<CompletedSeries> completed = new ArrayList<>();
    Instant now = clock.instant();
    for (SeriesState state : series.values()) {
      if (!state.open() || state.inFlight > 0 || state.sendFailed || !ready.test(state)) {
        continue;
      }
      state.completedAt = now;
      completed.add(new CompletedSeries(manifest(state, why, now), List.copyOf(state.filesSinceManifest)));
      state.filesSinceManifest.clear();
    }
    return completed;
  }

  private static SeriesManifest manifest(SeriesState state, SeriesCompletion why, Instant now) {
    List<SliceInfo> ordered = new ArrayList<>(state.slices.values());
    // Ascending z; ties (should not happen in a valid series) broken by UID so the order is stable.
    ordered.sort(Comparator.comparingDouble(SliceInfo::zPositionMm).thenComparing(SliceInfo::sopInstanceUid));
    return SeriesManifest.newBuilder()
        .setStudyInstanceUid(state.studyUid)
        .setSeriesInstanceUid(state.seriesUid)
        .setSliceCount(ordered.size())
        .setSopInstanceUids(ordered.stream().map(SliceInfo::sopInstanceUid).toList())
        .setZPositionsMm(ordered.stream().map(SliceInfo::zPositionMm).toList())
        .setRows(state.rows)
        .setColumns(state.columns)
        .setCompletion(why)
        .setSourceKind(state.sourceKind)
        .setFirstReceivedAt(state.firstReceivedAt)
        .setLastReceivedAt(state.lastReceivedAt)
        .setCompletedAt(now)
        .build();
  }
}
