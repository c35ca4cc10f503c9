package io.spinestream.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.spinestream.events.CtSlice;
import io.spinestream.events.DeadLetter;
import io.spinestream.events.SeriesManifest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder as hospitals hand them over: good studies mixed with broken files, a duplicate, another
 * modality and a hidden file. Every good slice arrives exactly once, each series gets one manifest, each
 * broken file one dead letter with its reason, and no patient identity reaches any topic.
 */
class MixedFolderIT {
  private static final String MR = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm";

  @Test
  void shouldDeliverAllGoodSlicesAndOneDeadLetterPerBrokenFile(@TempDir Path work) throws Exception {
    PhantomFixture.Studies studies = PhantomFixture.twoSmallStudies(work.resolve("phantom"));
    Path folder = work.resolve("handover");
    ProducerItSupport.run(List.of("cp", "-r", studies.imagesDir().toString(), folder.toString()));
    List<Path> good = ProducerItSupport.files(folder);
    Path aSlice = good.get(0);
    Path broken = Files.createDirectories(folder.resolve("broken"));

    // Truncated: the first half of a good file (its intact copy stays in the folder).
    byte[] whole = Files.readAllBytes(aSlice);
    Files.write(broken.resolve("truncated.dcm"), Arrays.copyOf(whole, whole.length / 2));
    Files.writeString(broken.resolve("notes.txt"), "scanned by the night shift", StandardCharsets.UTF_8);
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    Files.write(broken.resolve("noise.bin"), noise);
    // A CT slice with its Pixel Data removed, under a new SOP Instance UID.
    Path noPixels = broken.resolve("no-pixels.dcm");
    Files.copy(aSlice, noPixels);
    ProducerItSupport.run(List.of("dcmodify", "-nb", "-e", "(7fe0,0010)", "-m", "(0008,0018)=1.2.826.0.1.3680043.8.498.777.1",
        noPixels.toString()));
    // A slice of another matrix size claiming to belong to the first series.
    Path wrongSize = broken.resolve("wrong-size.dcm");
    Files.copy(studies.otherSizeSlice(), wrongSize);
    ProducerItSupport.run(List.of("dcmodify", "-nb", "-m", "(0020,000e)=" + studies.firstSeriesUid(),
        "-m", "(0020,000d)=" + studies.firstStudyUid(), "-m", "(0008,0018)=1.2.826.0.1.3680043.8.498.777.2",
        wrongSize.toString()));
    // A slice in a syntax there is no decoder for.
    Path jpegLs = broken.resolve("jpeg-ls.dcm");
    ProducerItSupport.run(List.of("dcmcjpls", aSlice.toString(), jpegLs.toString()));
    // Not broken, not ingested: a duplicate, an MR image, a hidden file.
    Files.copy(aSlice, folder.resolve("copy-of-a-slice.dcm"));
    Files.copy(Path.of(MR), folder.resolve("mr.dcm"));
    Files.writeString(folder.resolve(".DS_Store"), "finder junk");

    String prefix = ProducerItSupport.prefix("mixed");
    int exit = ProducerMain.run(ProducerItSupport.args(prefix, "ingest", folder.toString()), Map.of());
    assertThat(exit).isZero();

    List<CtSlice> slices = ProducerItSupport.slices(prefix, good.size());
    assertThat(slices).as("every good slice exactly once").hasSize(good.size());
    assertThat(slices.stream().map(CtSlice::getSopInstanceUid).distinct().count()).isEqualTo(good.size());

    List<SeriesManifest> manifests = ProducerItSupport.manifests(prefix, 2);
    assertThat(manifests).hasSize(2);
    assertThat(manifests).extracting(SeriesManifest::getSeriesInstanceUid)
        .containsExactlyInAnyOrderElementsOf(studies.seriesUids());
    assertThat(manifests.stream().mapToInt(SeriesManifest::getSliceCount).sum()).isEqualTo(good.size());

    List<DeadLetter> letters = ProducerItSupport.deadLetters(prefix, 6);
    Map<String, String> reasonByFile = letters.stream().collect(Collectors.toMap(
        l -> Path.of(l.getPayloadReference()).getFileName().toString(), DeadLetter::getReasonCode));
    assertThat(reasonByFile).containsExactlyInAnyOrderEntriesOf(Map.of(
        "truncated.dcm", "TRUNCATED",
        "notes.txt", "NOT_DICOM",
        "noise.bin", "NOT_DICOM",
        "no-pixels.dcm", "NO_PIXEL_DATA",
        "wrong-size.dcm", "INCONSISTENT_SIZE",
        "jpeg-ls.dcm", "UNSUPPORTED_TRANSFER_SYNTAX"));
    assertThat(letters).allSatisfy(l -> {
      assertThat(l.getReason()).isNotBlank();
      assertThat(l.getPayload()).isNull();
      assertThat(l.getPayloadSize()).isPositive();
    });

    // No patient identity on any topic: the phantom's name, ID and birth date are in every source file.
    List<String> identities = new java.util.ArrayList<>();
    for (var study : studies.studies()) {
      List<String> identity = ProducerItSupport.phantomIdentity(PhantomFixture.SEED, study.studyIndex());
      ProducerItSupport.assertFilesCarry(study.dicomFiles(), identity);
      identities.addAll(identity);
    }
    ProducerItSupport.assertNoneOnAnyTopic(prefix, identities, good.size(), 2, 6);
  }
}
