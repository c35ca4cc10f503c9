package io.spinestream.classifier;

import io.spinestream.events.ModelRef;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Where the scoring of one series stands: its z order (from the manifest), the crop of each vertebra, and
 * the probabilities already computed. Scores of vertebrae done in earlier transactions are kept here, so
 * after a restart scoring resumes with the vertebrae still missing.
 */
final class StudyState {
  private static final byte FORMAT = 1;

  record Crop(boolean found, int x0, int x1, int y0, int y1, List<Integer> sampled) {}

  record Result(double probability, boolean fallback) {}

  final String studyUid;
  final String seriesUid;
  List<String> sopInstanceUids;
  ModelRef segmenter;
  long firstReceivedAt;
  long lastReceivedAt;
  long updatedAt;
  final TreeMap<Integer, Crop> crops = new TreeMap<>();
  final TreeMap<Integer, Result> results = new TreeMap<>();

  StudyState(String studyUid, String seriesUid) {
    this.studyUid = studyUid;
    this.seriesUid = seriesUid;
  }

  void add(VertebraCrop crop) {
    var box = crop.getBox();
    crops.put(crop.getVertebra().ordinal(), crop.getFound() && box != null
        ? new Crop(true, box.getX0(), box.getX1(), box.getY0(), box.getY1(), List.copyOf(crop.getSampledSliceIndices()))
        : new Crop(false, 0, 0, 0, 0, List.of()));
    segmenter = crop.getSegmenter();
    firstReceivedAt = crop.getSeriesFirstReceivedAt().toEpochMilli();
    lastReceivedAt = crop.getSeriesLastReceivedAt().toEpochMilli();
  }

  boolean allCropsIn() {
    return crops.size() == Vertebra.values().length && sopInstanceUids != null;
  }

  boolean scored() {
    return results.size() == Vertebra.values().length;
  }

  /** The slice of index i (clamped to the series) for step s and channel c: clamp(s - 1 + c). */
  String channelSop(int sampled, int channel) {
    int n = sopInstanceUids.size();
    return sopInstanceUids.get(Math.max(0, Math.min(n - 1, sampled - 1 + channel)));
  }

  /** Every slice a found vertebra's input needs. */
  List<String> neededSops() {
    List<String> needed = new ArrayList<>();
    crops.values().stream().filter(Crop::found).forEach(crop -> {
      for (int s : crop.sampled()) {
        for (int c = 0; c < 3; c++) {
          needed.add(channelSop(s, c));
        }
      }
    });
    return needed;
  }

  String describe() {
    return crops.size() + " of 7 crops, " + (sopInstanceUids == null ? "no manifest" : "manifest in") + ", "
        + results.size() + " of 7 vertebrae scored";
  }

  static final Serde<StudyState> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<StudyState> serializer() {
    return (topic, s) -> {
      if (s == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeUTF(s.studyUid);
        out.writeUTF(s.seriesUid);
        out.writeBoolean(s.sopInstanceUids != null);
        if (s.sopInstanceUids != null) {
          out.writeInt(s.sopInstanceUids.size());
          for (String uid : s.sopInstanceUids) {
            out.writeUTF(uid);
          }
        }
        out.writeBoolean(s.segmenter != null);
        if (s.segmenter != null) {
          out.writeUTF(s.segmenter.getName());
          out.writeUTF(s.segmenter.getVersion());
          out.writeUTF(s.segmenter.getSha256());
        }
        out.writeLong(s.firstReceivedAt);
        out.writeLong(s.lastReceivedAt);
        out.writeLong(s.updatedAt);
        out.writeInt(s.crops.size());
        for (var entry : s.crops.entrySet()) {
          Crop c = entry.getValue();
          out.writeInt(entry.getKey());
          out.writeBoolean(c.found());
          out.writeInt(c.x0());
          out.writeInt(c.x1());
          out.writeInt(c.y0());
          out.writeInt(c.y1());
          out.writeInt(c.sampled().size());
          for (int i : c.sampled()) {
            out.writeInt(i);
          }
        }
        out.writeInt(s.results.size());
        for (var entry : s.results.entrySet()) {
          out.writeInt(entry.getKey());
          out.writeDouble(entry.getValue().probability());
          out.writeBoolean(entry.getValue().fallback());
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Deserializer<StudyState> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        if (in.readByte() != FORMAT) {
          throw new IllegalStateException("classifier study state in an unknown format");
        }
        StudyState s = new StudyState(in.readUTF(), in.readUTF());
        if (in.readBoolean()) {
          int n = in.readInt();
          List<String> uids = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            uids.add(in.readUTF());
          }
          s.sopInstanceUids = uids;
        }
        if (in.readBoolean()) {
          s.segmenter = new ModelRef(in.readUTF(), in.readUTF(), in.readUTF());
        }
        s.firstReceivedAt = in.readLong();
        s.lastReceivedAt = in.readLong();
        s.updatedAt = in.readLong();
        int crops = in.readInt();
        for (int i = 0; i < crops; i++) {
          int vertebra = in.readInt();
          boolean found = in.readBoolean();
          int x0 = in.readInt();
          int x1 = in.readInt();
          int y0 = in.readInt();
          int y1 = in.readInt();
          int count = in.readInt();
          List<Integer> sampled = new ArrayList<>(count);
          for (int j = 0; j < count; j++) {
            sampled.add(in.readInt());
          }
          s.crops.put(vertebra, new Crop(found, x0, x1, y0, y1, sampled));
        }
        int results = in.readInt();
        for (int i = 0; i < results; i++) {
          s.results.put(in.readInt(), new Result(in.readDouble(), in.readBoolean()));
        }
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
