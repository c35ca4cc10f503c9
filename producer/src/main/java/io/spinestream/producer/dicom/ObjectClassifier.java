package io.spinestream.producer.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.SOPClass;
import com.pixelmed.dicom.SOPClassDescriptions;
import com.pixelmed.dicom.TagFromName;
import java.util.Set;

/**
 * Decides from the header alone, before any pixel is decoded, whether an object is a CT slice the pipeline takes,
 * one it skips (another modality, a localizer, no image at all), or a CT object it cannot take.
 */
final class ObjectClassifier {
  static final String CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
  private static final Set<String> MULTI_FRAME_CT_STORAGE = Set.of(
      "1.2.840.10008.5.1.4.1.1.2.1", // Enhanced CT Image Storage
      "1.2.840.10008.5.1.4.1.1.2.2"); // Legacy Converted Enhanced CT Image Storage

  private ObjectClassifier() {}

  /**
   * @return the skip for an object that is not a CT slice, or null for a CT slice to decode
   * @throws DicomRejectedException for a CT object that cannot be taken: multi-frame or without Pixel Data
   */
  static DicomReadResult.Skipped classify(AttributeList list, Attributes attributes, String source)
      throws DicomRejectedException {
    String sopClass = attributes.optionalString(TagFromName.SOPClassUID);
    if (sopClass == null) {
      sopClass = attributes.optionalString(TagFromName.MediaStorageSOPClassUID);
    }
    String modality = attributes.optionalString(TagFromName.Modality);
    String sopInstance = attributes.optionalString(TagFromName.SOPInstanceUID);
    boolean hasPixelData = list.getPixelData() != null;

    boolean multiFrameCt = sopClass != null && MULTI_FRAME_CT_STORAGE.contains(sopClass);
    boolean ct = CT_IMAGE_STORAGE.equals(sopClass) || multiFrameCt || (sopClass == null && "CT".equals(modality));
    if (!ct) {
      boolean image = hasPixelData || (sopClass != null && SOPClass.isImageStorage(sopClass));
      return new DicomReadResult.Skipped(image ? SkipReason.NOT_CT : SkipReason.NOT_AN_IMAGE, sopInstance,
          describe(sopClass, modality));
    }
    String[] imageType = attributes.strings(TagFromName.ImageType);
    for (String value : imageType) {
      if (value.equalsIgnoreCase("LOCALIZER")) {
        return new DicomReadResult.Skipped(SkipReason.LOCALIZER, sopInstance,
            "ImageType " + String.join("\\", imageType));
      }
    }
    if (multiFrameCt) {
      throw new DicomRejectedException(RejectionReason.UNSUPPORTED_PIXEL_FORMAT, source + ": "
          + sopClassName(sopClass) + " " + sopClass + " is multi-frame; only CT Image Storage slices are taken");
    }
    int frames = attributes.intOrDefault(TagFromName.NumberOfFrames, 1);
    if (frames != 1) {
      throw new DicomRejectedException(RejectionReason.UNSUPPORTED_PIXEL_FORMAT,
          source + ": " + Tags.describe(TagFromName.NumberOfFrames) + " is " + frames + "; only single frames are taken");
    }
    if (!hasPixelData) {
      throw new DicomRejectedException(RejectionReason.NO_PIXEL_DATA,
          source + ": CT image without " + Tags.describe(TagFromName.PixelData));
    }
    return null;
  }

  /** "Modality MR, MR Image Storage 1.2.840.10008.5.1.4.1.1.4", for logs. */
  private static String describe(String sopClass, String modality) {
    String modalityText = "Modality " + (modality == null ? "absent" : modality);
    if (sopClass == null) {
      return modalityText + ", no SOP Class UID";
    }
    return modalityText + ", " + sopClassName(sopClass) + " " + sopClass;
  }

  private static String sopClassName(String sopClass) {
    String name = SOPClassDescriptions.getDescriptionFromUID(sopClass);
    return name == null || name.isBlank() ? "SOP class" : name;
  }
}
