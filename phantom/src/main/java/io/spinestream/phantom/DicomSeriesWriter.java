package io.spinestream.phantom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeFactory;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DecimalStringAttribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Writes a rendered study as a DICOM CT series, one Explicit VR Little Endian file per slice named
 * {@code <InstanceNumber>.dcm}, with PixelMed. Every value comes from the study, nothing from the clock or the
 * host, so the same study always gives the same bytes.
 */
final class DicomSeriesWriter {
  /** Source AE title recorded in the file meta information. */
  static final String SOURCE_AE_TITLE = "SPINEPHANTOM";
  /** (0018,0060) KVP, which PixelMed's TagFromName lacks. */
  private static final AttributeTag KVP = new AttributeTag(0x0018, 0x0060);
  private static final Pattern SLICE_FILE = Pattern.compile("\\d+\\.dcm");

  private DicomSeriesWriter() {}

  /**
   * Writes all slices into {@code directory}, first removing {@code <number>.dcm} files a previous, longer
   * rendering of the same study may have left there. Returns the files in InstanceNumber order.
   */
  static List<Path> write(RenderedStudy study, PhantomOptions options, Path directory) throws IOException {
    Files.createDirectories(directory);
    try (Stream<Path> old = Files.list(directory)) {
      for (Path file : old.filter(f -> SLICE_FILE.matcher(f.getFileName().toString()).matches()).toList()) {
        Files.delete(file);
      }
    }
    List<Path> files = new ArrayList<>();
    for (int k = 0; k < study.slices(); k++) {
      files.add(directory.resolve((k + 1) + ".dcm"));
    }
    try {
      IntStream.range(0, study.slices()).parallel().forEach(k -> {
        try {
          AttributeList list = slice(study, options, k);
          FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, SOURCE_AE_TITLE);
          list.write(files.get(k).toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (DicomException e) {
          throw new UncheckedIOException(new IOException("cannot encode slice " + (k + 1) + " of study "
              + study.studyInstanceUid() + ": " + e.getMessage(), e));
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return files;
  }

  /** The data set of slice k (InstanceNumber k + 1). */
  static AttributeList slice(RenderedStudy study, PhantomOptions options, int k) throws DicomException {
    StudyMetadata m = study.metadata();
    PixelEncoding encoding = m.encoding();
    double[] position = study.imagePositionPatient(k);
    var list = new AttributeList();
    put(list, TagFromName.SpecificCharacterSet, "ISO_IR 100");
    put(list, TagFromName.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");
    put(list, TagFromName.SOPClassUID, SOPClass.CTImageStorage);
    put(list, TagFromName.SOPInstanceUID, m.sopInstanceUid(k + 1));
    for (AttributeTag date : new AttributeTag[] {TagFromName.StudyDate, TagFromName.SeriesDate,
        TagFromName.AcquisitionDate, TagFromName.ContentDate}) {
      put(list, date, m.studyDate());
    }
    for (AttributeTag time : new AttributeTag[] {TagFromName.StudyTime, TagFromName.SeriesTime,
        TagFromName.AcquisitionTime, TagFromName.ContentTime}) {
      put(list, time, m.studyTime());
    }
    put(list, TagFromName.AccessionNumber, m.accessionNumber());
    put(list, TagFromName.Modality, "CT");
    put(list, TagFromName.Manufacturer, "SpineStream");
    put(list, TagFromName.ReferringPhysicianName);
    put(list, TagFromName.StudyDescription, "CERVICAL SPINE PHANTOM");
    put(list, TagFromName.SeriesDescription, "AXIAL " + decimal(study.sliceThicknessMm()) + "MM");
    put(list, TagFromName.ManufacturerModelName, "spine-phantom");
    put(list, TagFromName.PatientName, m.patientName());
    put(list, TagFromName.PatientID, m.patientId());
    put(list, TagFromName.PatientBirthDate, "19700101");
    put(list, TagFromName.PatientSex, "O");
    put(list, TagFromName.BodyPartExamined, "CSPINE");
    put(list, TagFromName.SliceThickness, decimal(study.sliceThicknessMm()));
    var kvp = new DecimalStringAttribute(KVP);
    kvp.addValue("120");
    list.put(kvp);
    put(list, TagFromName.SpacingBetweenSlices, decimal(study.sliceSpacingMm()));
    put(list, TagFromName.ReconstructionDiameter, decimal(options.fieldOfViewMm()));
    put(list, TagFromName.ConvolutionKernel, "BONE");
    put(list, TagFromName.PatientPosition, "HFS");
    put(list, TagFromName.StudyInstanceUID, m.studyInstanceUid());
    put(list, TagFromName.SeriesInstanceUID, m.seriesInstanceUid());
    put(list, TagFromName.StudyID, Integer.toString(m.studyIndex()));
    put(list, TagFromName.SeriesNumber, "1");
    put(list, TagFromName.AcquisitionNumber, "1");
    put(list, TagFromName.InstanceNumber, Integer.toString(k + 1));
    put(list, TagFromName.ImagePositionPatient, decimal(position[0]), decimal(position[1]), decimal(position[2]));
    put(list, TagFromName.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
    put(list, TagFromName.FrameOfReferenceUID, m.frameOfReferenceUid());
    put(list, TagFromName.PositionReferenceIndicator);
    put(list, TagFromName.SliceLocation, decimal(position[2]));
    putNumber(list, TagFromName.SamplesPerPixel, 1);
    put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
    putNumber(list, TagFromName.Rows, study.rows());
    putNumber(list, TagFromName.Columns, study.columns());
    put(list, TagFromName.PixelSpacing, decimal(study.pixelSpacingMm()), decimal(study.pixelSpacingMm()));
    putNumber(list, TagFromName.BitsAllocated, 16);
    putNumber(list, TagFromName.BitsStored, encoding.bitsStored());
    putNumber(list, TagFromName.HighBit, encoding.highBit());
    putNumber(list, TagFromName.PixelRepresentation, encoding.pixelRepresentation());
    put(list, TagFromName.WindowCenter, "500", "40");
    put(list, TagFromName.WindowWidth, "2000", "400");
    put(list, TagFromName.WindowCenterWidthExplanation, "BONE", "SOFT TISSUE");
    put(list, TagFromName.RescaleIntercept, Integer.toString(encoding.rescaleIntercept()));
    put(list, TagFromName.RescaleSlope, "1");
    put(list, TagFromName.RescaleType, "HU");
    short[] hu = study.hounsfield(k);
    short[] stored = new short[hu.length];
    for (int i = 0; i < hu.length; i++) {
      stored[i] = encoding.store(hu[i]);
    }
    var pixels = new OtherWordAttribute(TagFromName.PixelData);
    pixels.setValues(stored);
    list.put(pixels);
    return list;
  }

  /**
   * A decimal string (DS) of the exact binary value, without exponent, rounded (half even) only as far as the 16
   * characters of DS require. Exact arithmetic, unlike Double.toString, gives the same digits on every JDK, and the
   * geometry used here (multiples of 1/8 mm, spacings like 180/512) survives it exactly.
   */
  static String decimal(double value) {
    BigDecimal decimal = new BigDecimal(value);
    if (decimal.signum() == 0) {
      return "0";
    }
    String text = decimal.stripTrailingZeros().toPlainString();
    while (text.length() > 16 && decimal.scale() > 0) {
      decimal = decimal.setScale(decimal.scale() - 1, RoundingMode.HALF_EVEN);
      text = decimal.stripTrailingZeros().toPlainString();
    }
    return text;
  }

  private static void put(AttributeList list, AttributeTag tag, String... values) throws DicomException {
    Attribute attribute = AttributeFactory.newAttribute(tag);
    for (String value : values) {
      attribute.addValue(value);
    }
    list.put(attribute);
  }

  private static void putNumber(AttributeList list, AttributeTag tag, int value) throws DicomException {
    Attribute attribute = AttributeFactory.newAttribute(tag);
    attribute.addValue(value);
    list.put(attribute);
  }
}
