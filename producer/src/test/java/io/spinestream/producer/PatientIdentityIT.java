package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.common.config.Settings;
import io.spinestream.events.DeadLetter;
import io.spinestream.phantom.PhantomStudy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No patient name, ID or birth date ever reaches a topic, whichever way the study came in: one phantom study from
 * files, one over C-STORE (storescu), each with a broken object that becomes a dead letter. Every phantom file
 * carries a fake identity (PHANTOM^STUDY{@literal <n>}, PH-{@literal <seed>-<n>}, 19700101), checked to be there, and
 * the raw bytes of every record on the producer's topics (keys, values, headers) are searched for it.
 * ({@code MixedFolderIT} makes the same check for a folder of mixed good and bad files.)
 */
class PatientIdentityIT {
  @TempDir
  Path work;

  @Test
  void shouldNeverPutPatientNameIdOrBirthDateOnAnyTopicFromFilesOrCStore() throws Exception {
    PhantomFixture.Studies studies = PhantomFixture.twoSmallStudies(work.resolve("phantom"));
    PhantomStudy fromFiles = studies.studies().get(0);
    PhantomStudy overNetwork = studies.studies().get(1);
    List<String> identity = new ArrayList<>();
    for (PhantomStudy study : studies.studies()) {
      List<String> own = ProducerItSupport.phantomIdentity(PhantomFixture.SEED, study.studyIndex());
      ProducerItSupport.assertFilesCarry(study.dicomFiles(), own);
      identity.addAll(own);
    }
    String prefix = ProducerItSupport.prefix("phi");

    // Files: the study, and a truncated copy of one of its slices (a dead letter).
    Path folder = Files.createDirectories(work.resolve("files"));
    ProducerItSupport.run(List.of("cp", "-r", fromFiles.seriesDirectory().toString(), folder.toString()));
    byte[] whole = Files.readAllBytes(fromFiles.dicomFiles().get(0));
    Files.write(folder.resolve("truncated.dcm"), Arrays.copyOf(whole, whole.length * 3 / 4));
    assertThat(ProducerMain.run(ProducerItSupport.args(prefix, "ingest", folder.toString()), Map.of())).isZero();

    // C-STORE: the other study, then a slice of another size claiming its series (a dead letter).
    Path wrongSize = Files.createDirectories(work.resolve("wrong")).resolve("wrong-size.dcm");
    Files.copy(studies.otherSizeSlice(), wrongSize);
    ProducerItSupport.run(List.of("dcmodify", "-nb", "-m", "(0020,000e)=" + overNetwork.seriesInstanceUid(),
        "-m", "(0020,000d)=" + overNetwork.studyInstanceUid(), "-m", "(0008,0018)=1.2.826.0.1.3680043.8.498.778.1",
        wrongSize.toString()));
    int port = CStoreIngestIT.freePort();
    Settings serve = ProducerMain.settings(Map.of(), ProducerItSupport.args(prefix, "serve",
        "--producer.scp.port=" + port, "--producer.scp.spool.dir=" + work.resolve("spool"),
        "--producer.series.inactivity.timeout.ms=1500", "--producer.poll.interval.ms=100"));
    try (ProducerMain.Serving serving = ProducerMain.startServing(serve)) {
      ProducerItSupport.run(List.of("storescu", "-aet", "CT_SCANNER_1", "-aec", "SPINESTREAM", "+sd", "+r",
          "127.0.0.1", String.valueOf(port), overNetwork.seriesDirectory().toString()));
      ProducerItSupport.run(List.of("storescu", "-aet", "CT_SCANNER_1", "-aec", "SPINESTREAM", "127.0.0.1",
          String.valueOf(port), wrongSize.toString()));
      ProducerItSupport.manifests(prefix, 2);
      ProducerItSupport.deadLetters(prefix, 2);
    }

    List<DeadLetter> letters = ProducerItSupport.deadLetters(prefix, 2);
    assertThat(letters).extracting(DeadLetter::getReasonCode).containsExactlyInAnyOrder("TRUNCATED", "INCONSISTENT_SIZE");
    ProducerItSupport.assertNoneOnAnyTopic(prefix, identity, fromFiles.slices() + overNetwork.slices(), 2, 2);
  }
}
