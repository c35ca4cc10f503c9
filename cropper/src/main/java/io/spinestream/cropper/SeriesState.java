package io.spinestream.cropper;

import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the cropper holds for one series until every slice's mask is in: the manifest (when it came), and
 * per slice index the SOP Instance UID and the vertebra regions. Pixels never: a 500-slice series is a
 * few tens of kilobytes. Stored in a changelogged state store with {@link #SERDE}, a versioned binary form.
 */
final class SeriesState {
  private static final byte FORMAT = 1;

  record Manifest(int sliceCount, List<String> sopInstanceUids, long firstReceivedAt, long lastReceivedAt) {}

  record SliceRegions(String sopInstanceUid, Map<Integer, CropPlanner.Region> byLabel) {}

  final String studyUid;
  final String seriesUid;
  Manifest manifest;
  ModelRef segmenter;
  int rows;
  int columns;
  long updatedAt;
  final TreeMap<Integer, SliceRegions> slices = new TreeMap<>();

  SeriesState(String studyUid, String seriesUid) {
    this.studyUid = studyUid;
    this.seriesUid = seriesUid;
  }

  void add(SliceMask mask) {
    Map<Integer, CropPlanner.Region> byLabel = new TreeMap<>();
    for (LabelRegion region : mask.getRegions()) {
      var box = region.getBox();
      byLabel.put(region.getLabel(),
          new CropPlanner.Region(region.getPixelCount(), box.getX0(), box.getY0(), box.getX1(), box.getY1()));
    }
    slices.put(mask.getSliceIndex(), new SliceRegions(mask.getSopInstanceUid(), byLabel));
    segmenter = mask.getSegmenter();
    rows = mask.getRows();
    columns = mask.getColumns();
  }

  void add(SeriesManifest m) {
    manifest = new Manifest(m.getSliceCount(), List.copyOf(m.getSopInstanceUids()),
        m.getFirstReceivedAt().toEpochMilli(), m.getLastReceivedAt().toEpochMilli());
    rows = m.getRows();
    columns = m.getColumns();
  }

  /** True once the manifest is in and every one of its slices has a mask. */
  boolean complete() {
    return manifest != null && segmenter != null && slices.size() >= manifest.sliceCount()
        && slices.firstKey() == 0 && slices.lastKey() == manifest.sliceCount() - 1;
  }

  /** The vertebra's region on each slice index (null where absent). */
  List<CropPlanner.Region> regions(int label) {
    List<CropPlanner.Region> regions = new ArrayList<>();
    for (int k = 0; k < manifest.sliceCount(); k++) {
      SliceRegions slice = slices.get(k);
      regions.add(slice == null ? null : slice.byLabel().get(label));
    }
    return regions;
  }

  String describeProgress() {
    return "masks for " + slices.size() + (manifest == null ? " slices, no manifest yet" : " of " + manifest.sliceCount()
        + " slices");
  }

  static final Serde<SeriesState> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<SeriesState> serializer() {
    return (topic, state) -> {
      if (state == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeUTF(state.studyUid);
        out.writeUTF(state.seriesUid);
        out.writeInt(state.rows);
        out.writeInt(state.columns);
        out.writeLong(state.updatedAt);
        out.writeBoolean(state.segmenter != null);
        if (state.segmenter != null) {
          out.writeUTF(state.segmenter.getName());
          out.writeUTF(state.segmenter.getVersion());
          out.writeUTF(state.segmenter.getSha256());
        }
        out.writeBoolean(state.manifest != null);
        if (state.manifest != null) {
          out.writeInt(state.manifest.sliceCount());
          out.writeInt(state.manifest.sopInstanceUids().size());
          for (String uid : state.manifest.sopInstanceUids()) {
            out.writeUTF(uid);
          }
          out.writeLong(state.manifest.firstReceivedAt());
          out.writeLong(state.manifest.lastReceivedAt());
        }
        out.writeInt(state.slices.size());
        for (var entry : state.slices.entrySet()) {
          out.writeInt(entry.getKey());
          out.writeUTF(entry.getValue().sopInstanceUid());
          out.writeInt(entry.getValue().byLabel().size());
          for (var region : entry.getValue().byLabel().entrySet()) {
            CropPlanner.Region r = region.getValue();
            out.writeInt(region.getKey());
            out.writeInt(r.pixelCount());
            out.writeInt(r.x0());
            out.writeInt(r.y0());
            out.writeInt(r.x1());
            out.writeInt(r.y1());
          }
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Deserializer<SeriesState> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format != FORMAT) {
          throw new IllegalStateException("cropper state format " + format + " is not " + FORMAT);
        }
        SeriesState state = new SeriesState(in.readUTF(), in.readUTF());
        state.rows = in.readInt();
        state.columns = in.readInt();
        state.updatedAt = in.readLong();
        if (in.readBoolean()) {
          state.segmenter = new ModelRef(in.readUTF(), in.readUTF(), in.readUTF());
        }
        if (in.readBoolean()) {
          int count = in.readInt();
          int uids = in.readInt();
          List<String> sops = new ArrayList<>(uids);
          for (int i = 0; i < uids; i++) {
            sops.add(in.readUTF());
          }
          state.manifest = new Manifest(count, sops, in.readLong(), in.readLong());
        }
        int slices = in.readInt();
        for (int i = 0; i < slices; i++) {
          int index = in.readInt();
          String sop = in.readUTF();
          int labels = in.readInt();
          Map<Integer, CropPlanner.Region> byLabel = new TreeMap<>();
          for (int j = 0; j < labels; j++) {
            byLabel.put(in.readInt(),
                new CropPlanner.Region(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt()));
          }
          state.slices.put(index, new SliceRegions(sop, byLabel));
        }
        return state;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
