package io.spinestream.producer.dicom;

/** A codec could not decode a frame; the reader turns it into DECODE_FAILED with the file and syntax. */
final class PixelDecodeException extends Exception {
  PixelDecodeException(String message) {
    super(message);
  }

  PixelDecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
