package io.spinestream.producer.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.FileMetaInformation;
import com.pixelmed.dicom.OtherWordAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.TransferSyntax;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Synthetic CT slices written with PixelMed: unsigned 12-bit stored values with RescaleIntercept -1024, a
 * phantom of air, fat, soft tissue and a bone ring up to 3000 HU with noise, and a ramp over the top rows that
 * covers -1024..3000 HU. The patient module holds recognisable values so tests can prove none leaks out.
 */
final class TestDicom {
  static final String PATIENT_NAME = "Doe^Jane^Synthetic";
  static final String PATIENT_ID = "PID-4711-SYNTH";
  static final String PATIENT_BIRTH_DATE = "19700321";
  static final String STUDY_UID = "2.25.111111111111111111111111111111111";
  static final String SERIES_UID = "2.25.222222222222222222222222222222222";
  static final String SOP_UID = "2.25.333333333333333333333333333333333";

  private TestDicom() {}

  /** Stored values (0..4095) of the phantom, row-major. */
  static short[] phantom(int rows, int columns, long seed) {
    var random = new Random(seed);
    short[] stored = new short[rows * columns];
    double cx = columns / 2.0;
    double cy = rows / 2.0;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < columns; x++) {
        double hu;
        double body = Math.hypot((x - cx) / (columns * 0.42), (y - cy) / (rows * 0.36));
        double vertebra = Math.hypot((x - cx) / (columns * 0.09), (y - cy * 1.15) / (rows * 0.09));
        if (y < Math.max(1, rows / 16)) {
          hu = -1024 + 4024.0 * x / (columns - 1);
        } else if (body > 1) {
          hu = -1000;
        } else if (body > 0.93) {
          hu = -90;
        } else if (vertebra < 0.6) {
          hu = 250;
        } else if (vertebra < 1) {
          hu = 700 + 2300 * (1 - Math.abs(vertebra - 0.8) / 0.2);
        } else {
          hu = 40;
        }
        hu += random.nextGaussian() * 12;
        stored[y * columns + x] = (short) Math.max(0, Math.min(4095, Math.round(hu) + 1024));
      }
    }
    for (int x = 0; x < columns; x++) { // the ramp's ends exactly, noise or not
      stored[x] = (short) Math.round(4024.0 * x / (columns - 1));
    }
    return stored;
  }

  /** A complete single-frame CT Image Storage object holding {@code stored} as its pixels. */
  static AttributeList ct(int rows, int columns, short[] stored) {
    try {
      var list = new AttributeList();
      put(list, TagFromName.SOPClassUID, ObjectClassifier.CT_IMAGE_STORAGE);
      put(list, TagFromName.SOPInstanceUID, SOP_UID);
      put(list, TagFromName.StudyInstanceUID, STUDY_UID);
      put(list, TagFromName.SeriesInstanceUID, SERIES_UID);
      put(list, TagFromName.FrameOfReferenceUID, "2.25.444444444444444444444444444444444");
      put(list, TagFromName.Modality, "CT");
      put(list, TagFromName.ImageType, "ORIGINAL", "PRIMARY", "AXIAL");
      put(list, TagFromName.PatientName, PATIENT_NAME);
      put(list, TagFromName.PatientID, PATIENT_ID);
      put(list, TagFromName.PatientBirthDate, PATIENT_BIRTH_DATE);
      put(list, TagFromName.StudyDate, "20240102");
      put(list, TagFromName.InstanceNumber, "17");
      put(list, TagFromName.ImagePositionPatient, "-125.5", "-130.25", "-42.75");
      put(list, TagFromName.ImageOrientationPatient, "1", "0", "0", "0", "1", "0");
      put(list, TagFromName.PixelSpacing, "0.488281", "0.5");
      put(list, TagFromName.SliceThickness, "0.625");
      put(list, TagFromName.SamplesPerPixel, "1");
      put(list, TagFromName.PhotometricInterpretation, "MONOCHROME2");
      put(list, TagFromName.Rows, Integer.toString(rows));
      put(list, TagFromName.Columns, Integer.toString(columns));
      put(list, TagFromName.BitsAllocated, "16");
      put(list, TagFromName.BitsStored, "12");
      put(list, TagFromName.HighBit, "11");
      put(list, TagFromName.PixelRepresentation, "0");
      put(list, TagFromName.RescaleIntercept, "-1024");
      put(list, TagFromName.RescaleSlope, "1");
      put(list, TagFromName.RescaleType, "HU");
      var pixelData = new OtherWordAttribute(TagFromName.PixelData);
      pixelData.setValues(stored);
      list.put(pixelData);
      return list;
    } catch (DicomException e) {
      throw new IllegalStateException(e);
    }
  }

  static AttributeList ct(int rows, int columns) {
    return ct(rows, columns, phantom(rows, columns, 42));
  }

  /** Replaces (or adds) an attribute; no values leaves it present and empty. */
  static void put(AttributeList list, AttributeTag tag, String... values) {
    try {
      Attribute attribute = list.putNewAttribute(tag);
      for (String value : values) {
        attribute.addValue(value);
      }
    } catch (DicomException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes a Part 10 file in explicit VR little endian. */
  static Path write(AttributeList list, Path file) {
    try {
      list.removeGroupLengthAttributes();
      list.removeMetaInformationHeaderAttributes();
      FileMetaInformation.addFileMetaInformation(list, TransferSyntax.ExplicitVRLittleEndian, "SPINETEST");
      list.write(file.toFile(), TransferSyntax.ExplicitVRLittleEndian, true, true);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (DicomException e) {
      throw new IllegalStateException(e);
    }
  }
}
