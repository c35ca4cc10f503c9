package io.spinestream.producer.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomException;
import java.util.regex.Pattern;

/**
 * Typed access to the attributes the reader needs, failing with MISSING_ATTRIBUTE or INVALID_ATTRIBUTE and the
 * tag in the message. Numbers are parsed from the value strings here, so a malformed value is reported rather
 * than silently read as zero.
 */
final class Attributes {
  private static final int MAX_UID_LENGTH = 64;
  private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");

  private final AttributeList list;
  private final String source;

  Attributes(AttributeList list, String source) {
    this.list = list;
    this.source = source;
  }

  /** The trimmed values, or an empty array when the attribute is absent or has no value. */
  String[] strings(AttributeTag tag) {
    Attribute attribute = list.get(tag);
    if (attribute == null) {
      return new String[0];
    }
    try {
      String[] values = attribute.getStringValues();
      if (values == null) {
        return new String[0];
      }
      String[] trimmed = new String[values.length];
      for (int i = 0; i < values.length; i++) {
        trimmed[i] = values[i] == null ? "" : values[i].replace('\0', ' ').trim();
      }
      return trimmed.length == 1 && trimmed[0].isEmpty() ? new String[0] : trimmed;
    } catch (DicomException e) {
      return new String[0];
    }
  }

  /** The first value, or null when absent or empty. */
  String optionalString(AttributeTag tag) {
    String[] values = strings(tag);
    return values.length == 0 || values[0].isEmpty() ? null : values[0];
  }

  String requiredUid(AttributeTag tag) throws DicomRejectedException {
    String uid = optionalString(tag);
    if (uid == null) {
      throw missing(tag);
    }
    if (uid.length() > MAX_UID_LENGTH || !UID.matcher(uid).matches()) {
      throw invalid(tag, "'" + uid + "' is not a UID (digits and dots, at most 64 characters)");
    }
    return uid;
  }

  int requiredInt(AttributeTag tag) throws DicomRejectedException {
    if (optionalString(tag) == null) {
      throw missing(tag);
    }
    return intOrDefault(tag, 0);
  }

  /** The integer value, or the default when absent; a malformed value is INVALID_ATTRIBUTE. */
  int intOrDefault(AttributeTag tag, int defaultValue) throws DicomRejectedException {
    String value = optionalString(tag);
    if (value == null) {
      return defaultValue;
    }
    Integer parsed = parseIntOrNull(value);
    if (parsed == null) {
      throw invalid(tag, "'" + value + "' is not an integer");
    }
    return parsed;
  }

  /** The integer value, or null when absent or malformed (for optional attributes). */
  Integer optionalInt(AttributeTag tag) {
    String value = optionalString(tag);
    return value == null ? null : parseIntOrNull(value);
  }

  private static Integer parseIntOrNull(String value) {
    try {
      return Integer.valueOf(value.startsWith("+") ? value.substring(1) : value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Exactly {@code count} finite decimal values. */
  double[] requiredDoubles(AttributeTag tag, int count) throws DicomRejectedException {
    String[] values = strings(tag);
    if (values.length == 0) {
      throw missing(tag);
    }
    if (values.length != count) {
      throw invalid(tag, "has " + values.length + " values, needs " + count);
    }
    double[] result = new double[count];
    for (int i = 0; i < count; i++) {
      result[i] = parseDouble(tag, values[i]);
    }
    return result;
  }

  /** A single finite decimal value, or the default when absent. */
  double doubleOrDefault(AttributeTag tag, double defaultValue) throws DicomRejectedException {
    String[] values = strings(tag);
    if (values.length == 0) {
      return defaultValue;
    }
    if (values.length != 1) {
      throw invalid(tag, "has " + values.length + " values, needs 1");
    }
    return parseDouble(tag, values[0]);
  }

  /** A single positive decimal value, or null when absent or malformed (for optional attributes). */
  Double optionalPositiveDouble(AttributeTag tag) {
    String value = optionalString(tag);
    if (value == null) {
      return null;
    }
    try {
      double d = Double.parseDouble(value);
      return Double.isFinite(d) && d > 0 ? d : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private double parseDouble(AttributeTag tag, String value) throws DicomRejectedException {
    try {
      double d = Double.parseDouble(value);
      if (!Double.isFinite(d)) {
        throw invalid(tag, "'" + value + "' is not a finite number");
      }
      return d;
    } catch (NumberFormatException e) {
      throw invalid(tag, "'" + value + "' is not a number");
    }
  }

  DicomRejectedException missing(AttributeTag tag) {
    return new DicomRejectedException(RejectionReason.MISSING_ATTRIBUTE,
        source + ": " + Tags.describe(tag) + " is missing");
  }

  DicomRejectedException invalid(AttributeTag tag, String problem) {
    return new DicomRejectedException(RejectionReason.INVALID_ATTRIBUTE,
        source + ": " + Tags.describe(tag) + " " + problem);
  }
}
