package io.spinestream.schemas;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.LabelRegion;
import io.spinestream.events.ModelRef;
import io.spinestream.events.PixelBox;
import io.spinestream.events.RunLengthMask;
import io.spinestream.events.SeriesCompletion;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SliceMask;
import io.spinestream.events.SourceKind;
import io.spinestream.events.StudyScore;
import io.spinestream.events.Vertebra;
import io.spinestream.events.VertebraCrop;
import io.spinestream.events.VertebraScore;
import io.spinestream.events.VoxelBox;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.avro.specific.SpecificRecord;

/**
 * One fully populated event of every type, every optional field set, so that round trips exercise
 * every field. Values are plausible for a 512x512 CT series; {@code study} varies the UIDs.
 */
public final class SampleEvents {
  public static final Instant T0 = Instant.parse("2026-11-26T08:00:00.123Z");

  private SampleEvents() {}

  public static String studyUid(int study) {
    return "1.2.826.0.1.3680043.8.498." + (10_000 + study);
  }

  public static String seriesUid(int study) {
    return studyUid(study) + ".1";
  }

  public static ModelRef segmenterModel() {
    return new ModelRef("segmenter-effb0-w025", "1.0.0", "ab".repeat(32));
  }

  public static ModelRef classifierModel() {
    return new ModelRef("classifier-effb0-bigru", "1.0.0", "cd".repeat(32));
  }

  public static CtSlice slice(int study, int index, int rows, int columns) {
    ByteBuffer pixels = ByteBuffer.allocate(rows * columns * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < rows * columns; i++) {
      pixels.putShort((short) (((i * 37 + index * 11) % 4096) - 1024));
    }
    pixels.flip();
    return CtSlice.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setSopInstanceUid(seriesUid(study) + "." + (index + 1))
        .setSopClassUid("1.2.840.10008.5.1.4.1.1.2")
        .setInstanceNumber(index + 1)
        .setZPositionMm(-120.5 + index * 0.625)
        .setImagePositionPatient(List.of(-125.0, -125.0, -120.5 + index * 0.625))
        .setImageOrientationPatient(List.of(1.0, 0.0, 0.0, 0.0, 1.0, 0.0))
        .setRows(rows)
        .setColumns(columns)
        .setRowSpacingMm(0.488)
        .setColumnSpacingMm(0.488)
        .setSliceThicknessMm(0.625)
        .setPixels(pixels)
        .setTransferSyntaxUid("1.2.840.10008.1.2.4.70")
        .setSourceKind(SourceKind.DICOM_NETWORK)
        .setSource("STORESCU@127.0.0.1")
        .setReceivedAt(T0.plusMillis(index))
        .build();
  }

  public static SeriesManifest manifest(int study, int slices) {
    List<String> uids = new ArrayList<>();
    List<Double> z = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      uids.add(seriesUid(study) + "." + (i + 1));
      z.add(-120.5 + i * 0.625);
    }
    return SeriesManifest.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setSliceCount(slices)
        .setSopInstanceUids(uids)
        .setZPositionsMm(z)
        .setRows(512)
        .setColumns(512)
        .setCompletion(SeriesCompletion.INACTIVITY_TIMEOUT)
        .setSourceKind(SourceKind.DICOM_NETWORK)
        .setFirstReceivedAt(T0)
        .setLastReceivedAt(T0.plusSeconds(4))
        .setCompletedAt(T0.plusSeconds(9))
        .build();
  }

  public static SliceMask mask(int study, int index) {
    return SliceMask.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setSopInstanceUid(seriesUid(study) + "." + (index + 1))
        .setSliceIndex(index)
        .setSliceCount(200)
        .setRows(512)
        .setColumns(512)
        .setMaskRows(320)
        .setMaskColumns(320)
        .setRegions(List.of(
            new LabelRegion(2, "C2", 811, new PixelBox(230, 250, 281, 300)),
            new LabelRegion(8, "T", 12, new PixelBox(240, 400, 246, 404))))
        .setMask(new RunLengthMask(ByteBuffer.wrap(new byte[] {0, 2, 0}), List.of(50_000, 811, 51_589)))
        .setSegmenter(segmenterModel())
        .setSeriesFirstReceivedAt(T0)
        .setSeriesLastReceivedAt(T0.plusSeconds(4))
        .setProcessedAt(T0.plusSeconds(12))
        .build();
  }

  public static VertebraCrop crop(int study, Vertebra vertebra, boolean found) {
    List<Integer> indices = found
        ? IntStream.range(0, 24).map(i -> 40 + (int) (i * 30.0 / 23)).boxed().toList()
        : List.of();
    return VertebraCrop.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setVertebra(vertebra)
        .setFound(found)
        .setBox(found ? new VoxelBox(200, 310, 180, 290, 40, 71) : null)
        .setSliceCount(200)
        .setSampledSliceIndices(indices)
        .setSampledSopInstanceUids(indices.stream().map(i -> seriesUid(study) + "." + (i + 1)).toList())
        .setSegmenter(segmenterModel())
        .setSeriesFirstReceivedAt(T0)
        .setSeriesLastReceivedAt(T0.plusSeconds(4))
        .setCreatedAt(T0.plusSeconds(15))
        .build();
  }

  public static VertebraScore vertebraScore(int study, Vertebra vertebra) {
    return VertebraScore.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setVertebra(vertebra)
        .setProbability(0.125 + vertebra.ordinal() * 0.1)
        .setFallback(vertebra == Vertebra.C1)
        .setSegmenter(segmenterModel())
        .setClassifier(classifierModel())
        .setSeriesFirstReceivedAt(T0)
        .setSeriesLastReceivedAt(T0.plusSeconds(4))
        .setScoredAt(T0.plusSeconds(20))
        .build();
  }

  public static StudyScore studyScore(int study) {
    return StudyScore.newBuilder()
        .setStudyInstanceUid(studyUid(study))
        .setSeriesInstanceUid(seriesUid(study))
        .setPatientOverall(0.91)
        .setC1(0.02).setC2(0.88).setC3(0.05).setC4(0.04).setC5(0.03).setC6(0.10).setC7(0.21)
        .setFallbackVertebrae(List.of(Vertebra.C1))
        .setAggregation("max")
        .setSegmenter(segmenterModel())
        .setClassifier(classifierModel())
        .setFirstSliceReceivedAt(T0)
        .setLastSliceReceivedAt(T0.plusSeconds(4))
        .setScoredAt(T0.plusSeconds(21))
        .build();
  }

  public static DeadLetter deadLetter(int study) {
    return DeadLetter.newBuilder()
        .setStage("segmenter")
        .setReasonCode("UNDESERIALIZABLE_RECORD")
        .setReason("spine.slices: unknown magic byte 0x7b")
        .setErrorClass("org.apache.kafka.common.errors.SerializationException")
        .setSource("spine.slices-2@17")
        .setKey(studyUid(study))
        .setSourceTopic("spine.slices")
        .setSourcePartition(2)
        .setSourceOffset(17L)
        .setPayload(ByteBuffer.wrap("{\"not\":\"avro\"}".getBytes()))
        .setPayloadSize(14)
        .setPayloadReference("/var/spine/quarantine/x.dcm")
        .setOccurredAt(T0.plusSeconds(30))
        .build();
  }

  /** One sample of each topic's value type, keyed by topic. */
  public static Map<Topic<?>, SpecificRecord> oneOfEach(int study) {
    return Map.of(
        Topics.SLICES, slice(study, 3, 64, 48),
        Topics.SERIES, manifest(study, 40),
        Topics.MASKS, mask(study, 3),
        Topics.CROPS, crop(study, Vertebra.C5, true),
        Topics.VERTEBRA_SCORES, vertebraScore(study, Vertebra.C2),
        Topics.SCORES, studyScore(study),
        Topics.DEAD_LETTERS, deadLetter(study));
  }
}
