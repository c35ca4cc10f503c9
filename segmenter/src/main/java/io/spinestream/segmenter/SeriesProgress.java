package io.spinestream.segmenter;

import io.spinestream.events.SeriesManifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Where a series stands in the segmenter: its manifest once it came (the z order), how many of the
 * manifest's slices are in, and how far along the z order every slice has a result computed with its
 * manifest neighbours ({@code next}): the masks leave once it reaches the slice count. After a restart
 * segmentation resumes at {@code next}, reusing the stored results that are still valid.
 */
final class SeriesProgress {
  private static final byte FORMAT = 1;

  final String studyUid;
  final String seriesUid;
  List<String> sopInstanceUids;
  long firstReceivedAt;
  long lastReceivedAt;
  int received;
  int next;
  long updatedAt;

  SeriesProgress(String studyUid, String seriesUid) {
    this.studyUid = studyUid;
    this.seriesUid = seriesUid;
  }

  void add(SeriesManifest manifest) {
    sopInstanceUids = List.copyOf(manifest.getSopInstanceUids());
    firstReceivedAt = manifest.getFirstReceivedAt().toEpochMilli();
    lastReceivedAt = manifest.getLastReceivedAt().toEpochMilli();
  }

  boolean hasManifest() {
    return sopInstanceUids != null;
  }

  int sliceCount() {
    return sopInstanceUids.size();
  }

  /** Every slice of the manifest is in and some are still to segment. */
  boolean ready() {
    return hasManifest() && received >= sliceCount() && next < sliceCount();
  }

  String describe() {
    return hasManifest()
        ? received + " of " + sliceCount() + " slices in, " + next + " segmented"
        : "no manifest yet";
  }

  static final Serde<SeriesProgress> SERDE = Serdes.serdeFrom(serializer(), deserializer());

  private static Serializer<SeriesProgress> serializer() {
    return (topic, p) -> {
      if (p == null) {
        return null;
      }
      try {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FORMAT);
        out.writeUTF(p.studyUid);
        out.writeUTF(p.seriesUid);
        out.writeBoolean(p.hasManifest());
        if (p.hasManifest()) {
          out.writeInt(p.sopInstanceUids.size());
          for (String uid : p.sopInstanceUids) {
            out.writeUTF(uid);
          }
          out.writeLong(p.firstReceivedAt);
          out.writeLong(p.lastReceivedAt);
        }
        out.writeInt(p.received);
        out.writeInt(p.next);
        out.writeLong(p.updatedAt);
        out.flush();
        return bytes.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  private static Deserializer<SeriesProgress> deserializer() {
    return (topic, data) -> {
      if (data == null) {
        return null;
      }
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
        if (in.readByte() != FORMAT) {
          throw new IllegalStateException("segmenter series state in an unknown format");
        }
        SeriesProgress p = new SeriesProgress(in.readUTF(), in.readUTF());
        if (in.readBoolean()) {
          int n = in.readInt();
          List<String> uids = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            uids.add(in.readUTF());
          }
          p.sopInstanceUids = uids;
          p.firstReceivedAt = in.readLong();
          p.lastReceivedAt = in.readLong();
        }
        p.received = in.readInt();
        p.next = in.readInt();
        p.updatedAt = in.readLong();
        return p;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
