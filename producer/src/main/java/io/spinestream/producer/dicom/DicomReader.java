package io.spinestream.producer.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import java.nio.file.Path;

/**
 * Reads one DICOM object through PixelMed and decodes its pixels to Hounsfield units, for every transfer
 * syntax a CT archive holds. Stateless and thread-safe: decode files on several threads with one reader.
 *
 * <p>In order: size limit, read, DICOM or not, truncated or not; then, from the header alone, skip what is not
 * a CT slice (other modality, localizer, no image) and reject CT objects the pipeline cannot take (multi-frame,
 * no pixels, unsupported transfer syntax or pixel format, too large, missing or invalid geometry); only then
 * decode the pixels. Patient name, ID and birth date are never read.
 */
public final class DicomReader {
  private static final double UNIT_VECTOR_TOLERANCE = 0.01;

  static {
    AttributeList.getDictionary(); // PixelMed builds its dictionary lazily; do it once, not racing threads
  }

  private final DicomLimits limits;
  private final DecodeBudget budget;

  public DicomReader(DicomLimits limits) {
    this.limits = limits;
    this.budget = new DecodeBudget(limits.maxBytesInFlight());
  }

  public DicomLimits limits() {
    return limits;
  }

  /**
   * Reads the file: a CT image slice, or a skip with its reason.
   *
   * @throws DicomRejectedException when the file cannot be ingested, with the reason for its DeadLetter
   */
  public DicomReadResult read(Path file) throws DicomRejectedException {
    // Room for the file in the decoding budget first: many large files on many threads must not add up to more
    // heap than the budget allows. A file over the size limit is refused by the loader before it is read.
    int held = budget.acquire(sizeOrZero(file));
    try {
      return readChecked(file);
    } catch (RuntimeException e) {
      // A library tripping over malformed input must not stop the service: it is a bad file like any other.
      throw new DicomRejectedException(RejectionReason.DECODE_FAILED,
          file + ": unexpected failure while reading: " + e, e);
    } finally {
      budget.release(held);
    }
  }

  private static long sizeOrZero(Path file) {
    try {
      return java.nio.file.Files.size(file);
    } catch (java.io.IOException e) {
      return 0; // the loader reports why it cannot be read
    }
  }

  /** For tests. */
  DecodeBudget budget() {
    return budget;
  }

  private DicomReadResult readChecked(Path file) throws DicomRejectedException {
    String source = file.toString();
    DataSetLoader.Loaded loaded = DataSetLoader.load(file, limits.maxFileBytes());
    AttributeList list = loaded.attributes();
    var attributes = new Attributes(list, source);

    DicomReadResult.Skipped skipped = ObjectClassifier.classify(list, attributes, source);
    if (skipped != null) {
      return skipped;
    }
    String transferSyntax = loaded.transferSyntaxUid();
    if (!TransferSyntaxes.isSupported(transferSyntax)) {
      throw new DicomRejectedException(RejectionReason.UNSUPPORTED_TRANSFER_SYNTAX, source
          + ": no decoder for transfer syntax " + TransferSyntaxes.describe(transferSyntax));
    }
    PixelFormat format = PixelFormat.read(attributes, limits, source);

    String studyUid = attributes.requiredUid(TagFromName.StudyInstanceUID);
    String seriesUid = attributes.requiredUid(TagFromName.SeriesInstanceUID);
    String sopInstanceUid = attributes.requiredUid(TagFromName.SOPInstanceUID);
    double[] position = attributes.requiredDoubles(TagFromName.ImagePositionPatient, 3);
    double[] orientation = attributes.requiredDoubles(TagFromName.ImageOrientationPatient, 6);
    checkOrientation(orientation, attributes);
    double[] spacing = attributes.requiredDoubles(TagFromName.PixelSpacing, 2);
    if (spacing[0] <= 0 || spacing[1] <= 0) {
      throw attributes.invalid(TagFromName.PixelSpacing, "must be positive, is " + spacing[0] + "\\" + spacing[1]);
    }

    short[] hounsfieldUnits = PixelDataDecoder.decode(list.getPixelData(), transferSyntax, format, source);
    ValuePlausibility.check(format, hounsfieldUnits, attributes, source);
    return new DicomReadResult.Image(new DicomImage(
        studyUid,
        seriesUid,
        sopInstanceUid,
        attributes.optionalString(TagFromName.SOPClassUID),
        attributes.optionalInt(TagFromName.InstanceNumber),
        position,
        orientation,
        format.rows(),
        format.columns(),
        spacing[0],
        spacing[1],
        attributes.optionalPositiveDouble(TagFromName.SliceThickness),
        transferSyntax,
        hounsfieldUnits));
  }

  /** Row and column direction cosines: two unit vectors at right angles, within rounding of the values. */
  private static void checkOrientation(double[] o, Attributes attributes) throws DicomRejectedException {
    double rowNorm = Math.sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
    double columnNorm = Math.sqrt(o[3] * o[3] + o[4] * o[4] + o[5] * o[5]);
    double dot = o[0] * o[3] + o[1] * o[4] + o[2] * o[5];
    if (Math.abs(rowNorm - 1) > UNIT_VECTOR_TOLERANCE || Math.abs(columnNorm - 1) > UNIT_VECTOR_TOLERANCE) {
      throw attributes.invalid(TagFromName.ImageOrientationPatient, String.format(
          "direction cosines are not unit vectors (lengths %.4f and %.4f)", rowNorm, columnNorm));
    }
    if (Math.abs(dot) > UNIT_VECTOR_TOLERANCE) {
      throw attributes.invalid(TagFromName.ImageOrientationPatient, String.format(
          "row and column directions are not perpendicular (dot product %.4f)", dot));
    }
  }
}
