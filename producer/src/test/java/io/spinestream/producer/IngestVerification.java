package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import io.spinestream.events.SourceKind;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** What every ingestion path must deliver for one phantom series in one transfer syntax. */
final class IngestVerification {
  /** Lossy syntaxes: bounds on the mean and the largest absolute HU error against the original. */
  static final double LOSSY_MAX_MEAN_ABS_ERROR_HU = 12;

  private IngestVerification() {}

  static void verify(String prefix, TransferSyntax syntax, SourceKind kind, ProducerItSupport.Reference reference) {
    int n = reference.size();
    if (!syntax.supported) {
      List<DeadLetter> letters = ProducerItSupport.deadLetters(prefix, n);
      assertThat(letters).hasSize(n).allSatisfy(letter -> {
        assertThat(letter.getReasonCode()).isEqualTo("UNSUPPORTED_TRANSFER_SYNTAX");
        assertThat(letter.getReason()).contains(syntax.uid);
        assertThat(letter.getStage()).isEqualTo("producer");
        assertThat(letter.getPayload()).as("DICOM is referenced, never copied").isNull();
      });
      assertThat(ProducerItSupport.slices(prefix, 0)).isEmpty();
      assertThat(ProducerItSupport.manifests(prefix, 0)).isEmpty();
      return;
    }
    List<CtSlice> slices = ProducerItSupport.slices(prefix, n);
    assertThat(slices).as("exactly one slice per file, no duplicates").hasSize(n);
    assertThat(slices).extracting(CtSlice::getInstanceNumber)
        .containsExactlyInAnyOrderElementsOf(reference.huByInstance().keySet());
    if (syntax.lossless) {
      assertThat(slices).extracting(CtSlice::getSopInstanceUid)
          .containsExactlyInAnyOrderElementsOf(reference.sopByInstance().values());
    }
    double worstMeanError = 0;
    for (CtSlice slice : slices) {
      if (kind == SourceKind.DICOM_NETWORK && syntax.uncompressed) {
        // Uncompressed syntaxes are negotiated: the receiver picks among those the sender proposes.
        assertThat(slice.getTransferSyntaxUid()).isIn(TransferSyntax.IMPLICIT_LE.uid, TransferSyntax.EXPLICIT_LE.uid,
            TransferSyntax.EXPLICIT_BE.uid);
      } else {
        assertThat(slice.getTransferSyntaxUid()).as("arrived in its own syntax").isEqualTo(syntax.uid);
      }
      assertThat(slice.getSourceKind()).isEqualTo(kind);
      short[] expected = reference.huByInstance().get(slice.getInstanceNumber());
      short[] actual = ProducerItSupport.shorts(slice.getPixels());
      assertThat(actual).hasSize(expected.length);
      if (syntax.lossless) {
        assertThat(Arrays.equals(actual, expected)).as("%s: HU identical to the original", slice.getSopInstanceUid())
            .isTrue();
      } else {
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
          sum += Math.abs(actual[i] - expected[i]);
        }
        worstMeanError = Math.max(worstMeanError, sum / actual.length);
      }
    }
    if (!syntax.lossless) {
      assertThat(worstMeanError).as("%s mean absolute HU error", syntax).isLessThan(LOSSY_MAX_MEAN_ABS_ERROR_HU);
    }
    List<SeriesManifest> manifests = ProducerItSupport.manifests(prefix, 1);
    assertThat(manifests).singleElement().satisfies(manifest -> {
      assertThat(manifest.getSliceCount()).isEqualTo(n);
      assertThat(manifest.getSopInstanceUids()).containsExactlyElementsOf(slices.stream()
          .sorted(Comparator.comparingDouble(CtSlice::getZPositionMm)).map(CtSlice::getSopInstanceUid).toList());
      assertThat(manifest.getZPositionsMm()).isSorted();
      assertThat(manifest.getSourceKind()).isEqualTo(kind);
    });
    assertThat(ProducerItSupport.deadLetters(prefix, 0)).isEmpty();
  }
}
