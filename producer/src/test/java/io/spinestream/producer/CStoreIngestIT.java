package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.config.Settings;
import io.spinestream.events.CtSlice;
import io.spinestream.events.SourceKind;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DICOM C-STORE from dcmtk's dcmsend and storescu, as a scanner or PACS sends: every transfer syntax
 * arrives as sent (compressed ones included) and reaches Kafka with the original's Hounsfield units.
 */
class CStoreIngestIT {
  @TempDir
  static Path work;
  static PhantomFixture.Series series;

  @BeforeAll
  static void phantom() throws Exception {
    series = PhantomFixture.seriesWithReference(work);
  }

  @ParameterizedTest
  @EnumSource(TransferSyntax.class)
  void shouldDeliverTheOriginalHounsfieldUnitsOverCStoreInEveryTransferSyntax(TransferSyntax syntax) throws Exception {
    Path encoded = series.encoded(syntax);
    String prefix = ProducerItSupport.prefix("cstore-" + syntax.name().toLowerCase());
    int port = freePort();
    Path spool = work.resolve("spool-" + syntax.name());

    try (ProducerMain.Serving serving = ProducerMain.startServing(serveSettings(prefix, port, spool))) {
      // dcmsend proposes each file's own transfer syntax and, as senders do, falls back to decompressing
      // a lossless one the receiver refuses (only Deflated: the receiver takes every other syntax as is,
      // which the check of transfer_syntax_uid proves).
      ProducerItSupport.run(List.of("dcmsend", "-aet", "CT_SCANNER_1", "-aec", "SPINESTREAM",
          "127.0.0.1", String.valueOf(port), "+sd", "+r", encoded.toString()));
      IngestVerification.verify(prefix, syntax, SourceKind.DICOM_NETWORK, series.reference());
    }
    if (syntax.supported) {
      assertThat(ProducerItSupport.slices(prefix, series.reference().size()))
          .allSatisfy(s -> assertThat(s.getSource()).isEqualTo("C-STORE from CT_SCANNER_1"));
    }
    assertThat(ProducerItSupport.files(spool)).as("spool emptied once in Kafka").isEmpty();
  }

  @Test
  void shouldTakeJpegLosslessFromStorescu() throws Exception {
    List<Path> files = ProducerItSupport.files(series.encoded(TransferSyntax.JPEG_LOSSLESS_SV1));
    String prefix = ProducerItSupport.prefix("storescu");
    int port = freePort();
    try (ProducerMain.Serving serving = ProducerMain.startServing(serveSettings(prefix, port, work.resolve("spool-scu")))) {
      List<String> command = new ArrayList<>(List.of("storescu", "-aet", "STORESCU", "-aec", "SPINESTREAM", "-xs",
          "127.0.0.1", String.valueOf(port)));
      files.forEach(f -> command.add(f.toString()));
      ProducerItSupport.run(command);
      IngestVerification.verify(prefix, TransferSyntax.JPEG_LOSSLESS_SV1, SourceKind.DICOM_NETWORK, series.reference());
    }
    List<CtSlice> slices = ProducerItSupport.slices(prefix, series.reference().size());
    assertThat(slices).allSatisfy(s -> assertThat(s.getSource()).isEqualTo("C-STORE from STORESCU"));
  }

  private static Settings serveSettings(String prefix, int port, Path spool) {
    return ProducerMain.settings(Map.of(), ProducerItSupport.args(prefix, "serve",
        "--producer.scp.port=" + port, "--producer.scp.spool.dir=" + spool,
        "--producer.series.inactivity.timeout.ms=1500", "--producer.poll.interval.ms=100"));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
