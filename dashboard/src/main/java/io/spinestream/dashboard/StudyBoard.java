package io.spinestream.dashboard;

import io.spinestream.events.CtSlice;
import io.spinestream.events.StudyScore;
import io.spinestream.events.VertebraCrop;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard knows, built from the topics as they stream: per study a sagittal maximum-intensity
 * projection (each slice contributes the brightest value of each row over the central band of columns, so the
 * spine appears whole), the vertebra crops and the score; and the pipeline's throughput and latency. Bounded:
 * the least recently updated studies are dropped beyond {@code maxStudies}. Thread-safe.
 */
final class StudyBoard {
  /** Fraction of the columns, around the centre, that the sagittal projection looks at. */
  private static final double BAND = 0.3;
  private static final long MINUTE_MS = 60_000;
  private static final long HOUR_MS = 3_600_000;

  static final class Study {
    final String uid;
    String seriesUid;
    int rows;
    double rowSpacingMm;
    final TreeMap<Double, short[]> columnsByZ = new TreeMap<>();
    final Map<String, VertebraCrop> crops = new TreeMap<>();
    StudyScore score;
    long updatedAt;

    Study(String uid) {
      this.uid = uid;
    }
  }

  private final int maxStudies;
  private final LinkedHashMap<String, Study> studies = new LinkedHashMap<>(16, 0.75f, true);
  private final Deque<Long> sliceTimes = new ArrayDeque<>();
  private final Deque<Long> scoreTimes = new ArrayDeque<>();
  private final Deque<Long> latencies = new ArrayDeque<>();
  private long slicesSeen;
  private long scoresSeen;

  StudyBoard(int maxStudies) {
    this.maxStudies = maxStudies;
  }

  synchronized void add(CtSlice slice, long now) {
    Study study = study(slice.getStudyInstanceUid(), now);
    if (study.seriesUid == null) {
      study.seriesUid = slice.getSeriesInstanceUid();
    } else if (!study.seriesUid.equals(slice.getSeriesInstanceUid())) {
      return; // One series per study on the board: the first one seen.
    }
    study.rows = slice.getRows();
    study.rowSpacingMm = slice.getRowSpacingMm();
    study.columnsByZ.put(slice.getZPositionMm(), projection(slice));
    record(sliceTimes, now);
    slicesSeen++;
  }

  synchronized void add(VertebraCrop crop, long now) {
    study(crop.getStudyInstanceUid(), now).crops.put(crop.getVertebra().name(), crop);
  }

  synchronized void add(StudyScore score, long now) {
    Study study = study(score.getStudyInstanceUid(), now);
    study.score = score;
    record(scoreTimes, now);
    scoresSeen++;
    latencies.addLast(score.getScoredAt().toEpochMilli() - score.getLastSliceReceivedAt().toEpochMilli());
    while (latencies.size() > 1000) {
      latencies.removeFirst();
    }
  }

  private Study study(String uid, long now) {
    Study study = studies.computeIfAbsent(uid, Study::new);
    study.updatedAt = now;
    while (studies.size() > maxStudies) {
      studies.remove(studies.keySet().iterator().next());
    }
    return study;
  }

  /** For each row, the brightest HU over the central band of columns. */
  static short[] projection(CtSlice slice) {
    int rows = slice.getRows();
    int columns = slice.getColumns();
    ByteBuffer pixels = slice.getPixels().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int from = (int) (columns * (0.5 - BAND / 2));
    int to = (int) Math.ceil(columns * (0.5 + BAND / 2));
    short[] column = new short[rows];
    for (int y = 0; y < rows; y++) {
      short max = Short.MIN_VALUE;
      for (int x = from; x < to; x++) {
        short v = pixels.getShort(2 * (y * columns + x));
        if (v > max) {
          max = v;
        }
      }
      column[y] = max;
    }
    return column;
  }

  private static void record(Deque<Long> times, long now) {
    times.addLast(now);
    while (!times.isEmpty() && times.peekFirst() < now - HOUR_MS) {
      times.removeFirst();
    }
  }

  /** Studies, most recently updated first. */
  synchronized List<Study> recent() {
    List<Study> list = new ArrayList<>(studies.values());
    list.sort(Comparator.comparingLong((Study s) -> s.updatedAt).reversed());
    return list;
  }

  synchronized Study get(String uid) {
    return studies.get(uid);
  }

  /** Throughput and latency for the page and the metrics. */
  record Stats(long slicesSeen, long scoresSeen, double slicesPerSecond, double studiesPerHour, long latencyP50Ms,
      long latencyP95Ms) {}

  synchronized Stats stats(long now) {
    long lastMinute = sliceTimes.stream().filter(t -> t >= now - MINUTE_MS).count();
    long lastHour = scoreTimes.stream().filter(t -> t >= now - HOUR_MS).count();
    List<Long> sorted = new ArrayList<>(latencies);
    sorted.sort(null);
    return new Stats(slicesSeen, scoresSeen, lastMinute / 60.0, lastHour, percentile(sorted, 0.5),
        percentile(sorted, 0.95));
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return -1;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
