package io.spinestream.segmenter;

import io.spinestream.events.LabelRegion;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What the model said about one slice, kept until the whole series is segmented: the level ordering is a rule
 * over the series, so no mask may leave before the last slice is in. The slice's original size, the SOP
 * Instance UIDs of the slices that were its channels 0 and 2 (the result is valid for the series only if
 * they are its neighbours in the manifest's z order: a slice segmented before the manifest came may have
 * had others), its regions as {@link MaskRegions#of} gives them, and the run-length label map when the
 * service emits it (null otherwise).
 */
record SegmentedSlice(int rows, int columns, String below, String above, List<LabelRegion> regions,
    RunLengthMask mask) {
  /** Format 1 (no neighbours: such results are never valid and get computed again). */
  private static final byte FORMAT_WITHOUT_NEIGHBOURS = 1;
  private static final byte FORMAT = 2;

  /** Whether this result was computed with these neighbours as channels 0 and 2. */
  boolean computedWith(ArrivalOrder.Neighbours neighbours) {
    return below != null && below.equals(neighbours.below()) && above != null && above.equals(neighbours.above());
  }

  static final Serde<SegmentedSlice> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<SegmentedSlice> serializer() {
    return (topic, slice) -> {
      if (slice == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 20 * slice.regions.size());
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeInt(slice.rows);
        out.writeInt(slice.columns);
        out.writeUTF(slice.below);
        out.writeUTF(slice.above);
        out.writeInt(slice.regions.size());
        for (LabelRegion region : slice.regions) {
          PixelBox box = region.getBox();
          out.writeInt(region.getLabel());
          out.writeInt(region.getPixelCount());
          out.writeInt(box.getX0());
          out.writeInt(box.getY0());
          out.writeInt(box.getX1());
          out.writeInt(box.getY1());
        }
        out.writeBoolean(slice.mask != null);
        if (slice.mask != null) {
          ByteBuffer labels = slice.mask.getLabels().duplicate();
          List<Integer> lengths = slice.mask.getLengths();
          out.writeInt(lengths.size());
          for (int i = 0; i < lengths.size(); i++) {
            out.writeByte(labels.get());
            out.writeInt(lengths.get(i));
          }
        }
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Deserializer<SegmentedSlice> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        byte format = in.readByte();
        if (format != FORMAT && format != FORMAT_WITHOUT_NEIGHBOURS) {
          throw new IllegalStateException("segmenter result state in an unknown format");
        }
        int rows = in.readInt();
        int columns = in.readInt();
        String below = format == FORMAT ? in.readUTF() : null;
        String above = format == FORMAT ? in.readUTF() : null;
        int n = in.readInt();
        List<LabelRegion> regions = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          int label = in.readInt();
          int count = in.readInt();
          PixelBox box = new PixelBox(in.readInt(), in.readInt(), in.readInt(), in.readInt());
          regions.add(new LabelRegion(label, MaskRegions.LABEL_NAMES[label], count, box));
        }
        RunLengthMask mask = null;
        if (in.readBoolean()) {
          int runs = in.readInt();
          byte[] labels = new byte[runs];
          List<Integer> lengths = new ArrayList<>(runs);
          for (int i = 0; i < runs; i++) {
            labels[i] = in.readByte();
            lengths.add(in.readInt());
          }
          mask = new RunLengthMask(ByteBuffer.wrap(labels), lengths);
        }
        return new SegmentedSlice(rows, columns, below, above, regions, mask);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
