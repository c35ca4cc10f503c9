package io.spinestream.producer.dicom;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.DicomException;
import com.pixelmed.dicom.OtherByteAttribute;
import com.pixelmed.dicom.OtherByteAttributeMultipleCompressedFrames;
import com.pixelmed.dicom.OtherWordAttribute;
import java.io.ByteArrayOutputStream;

/**
 * Pixel Data (7FE0,0010) of one single-frame slice to Hounsfield units, by transfer syntax: native values as
 * PixelMed read them (byte order already resolved), RLE by {@link RleDecoder}, JPEG by TwelveMonkeys or
 * {@link JpegDctDecoder} (12-bit DCT), JPEG 2000 by JAI.
 */
final class PixelDataDecoder {
  private PixelDataDecoder() {}

  static short[] decode(Attribute pixelData, String transferSyntax, PixelFormat format, String source)
      throws DicomRejectedException {
    try {
      if (pixelData instanceof OtherByteAttributeMultipleCompressedFrames encapsulated) {
        if (TransferSyntaxes.isNative(transferSyntax)) {
          throw new PixelDecodeException("Pixel Data is encapsulated but the transfer syntax is native");
        }
        return decodeEncapsulated(frameBytes(encapsulated), transferSyntax, format);
      }
      if (!TransferSyntaxes.isNative(transferSyntax)) {
        throw new PixelDecodeException("Pixel Data is not encapsulated but the transfer syntax is compressed");
      }
      return decodeNative(pixelData, transferSyntax, format);
    } catch (PixelDecodeException e) {
      throw new DicomRejectedException(RejectionReason.DECODE_FAILED, source + ": cannot decode pixels in "
          + TransferSyntaxes.describe(transferSyntax) + ": " + e.getMessage(), e);
    }
  }

  private static short[] decodeNative(Attribute pixelData, String transferSyntax, PixelFormat format)
      throws PixelDecodeException {
    int count = format.pixelCount();
    HounsfieldConverter converter = format.converter();
    try {
      if (format.bitsAllocated() == 16) {
        if (pixelData instanceof OtherWordAttribute) {
          short[] words = pixelData.getShortValues();
          checkLength(words.length, count, 0, "16-bit samples");
          return converter.convert(words, count);
        }
        // 16-bit samples in an OB element (seen in the wild): bytes in the transfer syntax's order.
        byte[] bytes = pixelData.getByteValues();
        checkLength(bytes.length, 2 * count, 0, "bytes");
        boolean bigEndian = TransferSyntaxes.EXPLICIT_VR_BIG_ENDIAN.equals(transferSyntax);
        short[] words = new short[count];
        for (int i = 0; i < count; i++) {
          int a = bytes[2 * i] & 0xFF;
          int b = bytes[2 * i + 1] & 0xFF;
          words[i] = (short) (bigEndian ? a << 8 | b : b << 8 | a);
        }
        return converter.convert(words, count);
      }
      byte[] bytes = pixelData instanceof OtherByteAttribute
          ? pixelData.getByteValues()
          : ((OtherWordAttribute) pixelData).getByteValues(false);
      checkLength(bytes.length, count, 1, "8-bit samples");
      return converter.convert(bytes, count);
    } catch (DicomException | ClassCastException e) {
      throw new PixelDecodeException("Pixel Data of VR " + vr(pixelData) + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Exactly rows x columns values; 8-bit data may carry one padding byte to even length. */
  private static void checkLength(int actual, int expected, int padding, String unit) throws PixelDecodeException {
    if (actual < expected || actual > expected + padding) {
      throw new PixelDecodeException("Pixel Data holds " + actual + " " + unit + ", rows x columns needs "
          + expected);
    }
  }

  private static short[] decodeEncapsulated(byte[] frame, String transferSyntax, PixelFormat format)
      throws PixelDecodeException {
    int count = format.pixelCount();
    if (TransferSyntaxes.RLE_LOSSLESS.equals(transferSyntax)) {
      HounsfieldConverter converter = format.converter();
      return format.bitsAllocated() == 16
          ? converter.convert(RleDecoder.decode16(frame, count), count)
          : converter.convert(RleDecoder.decode8(frame, count), count);
    }
    if (TransferSyntaxes.isJpeg(transferSyntax)) {
      return decodeJpeg(frame, format);
    }
    if (TransferSyntaxes.isJpeg2000(transferSyntax)) {
      // Checked before decoding: the decoder allocates whatever size the codestream declares.
      Jpeg2000Header header = Jpeg2000Header.read(frame);
      if (header.components() != 1) {
        throw new PixelDecodeException("JPEG 2000 codestream has " + header.components() + " components, the header "
            + "says 1");
      }
      if (header.rows() != format.rows() || header.columns() != format.columns()) {
        throw new PixelDecodeException("JPEG 2000 codestream is " + header.columns() + " x " + header.rows()
            + " pixels, the header says " + format.columns() + " x " + format.rows());
      }
      return ImageIoDecoder.decodeJpeg2000(frame, format);
    }
    throw new PixelDecodeException("no decoder");
  }

  private static short[] decodeJpeg(byte[] frame, PixelFormat format) throws PixelDecodeException {
    JpegDctDecoder.FrameHeader header = JpegDctDecoder.readFrameHeader(frame);
    if (header.components() != 1) {
      throw new PixelDecodeException("JPEG frame has " + header.components() + " components, the header says 1");
    }
    if (header.rows() != format.rows() || header.columns() != format.columns()) {
      throw new PixelDecodeException("JPEG frame is " + header.columns() + " x " + header.rows()
          + " pixels, the header says " + format.columns() + " x " + format.rows());
    }
    if (header.isSequentialHuffman() && header.precision() == 12) {
      JpegDctDecoder.Image image = JpegDctDecoder.decode(frame);
      return format.converter().convert(image.samples(), format.pixelCount());
    }
    if (header.isSequentialHuffman() || header.isLosslessHuffman()) {
      return ImageIoDecoder.decodeJpeg(frame, format);
    }
    throw new PixelDecodeException(String.format("JPEG process SOF%d is not supported", header.sofMarker() - 0xC0));
  }

  /** The single frame's bytes: all fragments, as one object has one frame. */
  private static byte[] frameBytes(OtherByteAttributeMultipleCompressedFrames encapsulated)
      throws PixelDecodeException {
    byte[][] frames = encapsulated.getFrames();
    if (frames == null || frames.length == 0) {
      throw new PixelDecodeException("encapsulated Pixel Data has no fragments");
    }
    if (frames.length == 1) {
      return frames[0];
    }
    var joined = new ByteArrayOutputStream();
    for (byte[] part : frames) {
      joined.writeBytes(part);
    }
    return joined.toByteArray();
  }

  private static String vr(Attribute attribute) {
    byte[] vr = attribute.getVR();
    return vr == null ? "?" : new String(vr, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
