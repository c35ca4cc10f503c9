package io.spinestream.producer.dicom;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;

/** Tags as messages name them: "(0020,0032) ImagePositionPatient". */
final class Tags {
  private Tags() {}

  static String describe(AttributeTag tag) {
    String name = AttributeList.getDictionary().getNameFromTag(tag);
    String code = String.format("(%04X,%04X)", tag.getGroup(), tag.getElement());
    return name == null ? code : code + " " + name;
  }
}
