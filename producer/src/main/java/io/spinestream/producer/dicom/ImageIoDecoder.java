package io.spinestream.producer.dicom;

import com.github.jaiimageio.jpeg2000.impl.J2KImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferShort;
import java.awt.image.DataBufferUShort;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes a JPEG (TwelveMonkeys: baseline, 8-bit extended, lossless) or JPEG 2000 (JAI) frame through ImageIO
 * into Hounsfield units. The readers are picked by class, never by format name, so the JDK's own JPEG reader
 * (no lossless, no 12-bit) cannot be chosen by accident. A reader is created per call: ImageIO readers are not
 * thread-safe, the provider is.
 */
final class ImageIoDecoder {
  private static final ImageReaderSpi JPEG = provider(JPEGImageReaderSpi.class, JPEGImageReaderSpi::new);
  private static final ImageReaderSpi JPEG_2000 = provider(J2KImageReaderSpi.class, J2KImageReaderSpi::new);

  private ImageIoDecoder() {}

  static short[] decodeJpeg(byte[] frame, PixelFormat format) throws PixelDecodeException {
    return decode(JPEG, frame, format);
  }

  static short[] decodeJpeg2000(byte[] frame, PixelFormat format) throws PixelDecodeException {
    return decode(JPEG_2000, frame, format);
  }

  private static short[] decode(ImageReaderSpi provider, byte[] frame, PixelFormat format)
      throws PixelDecodeException {
    Raster raster;
    ImageReader reader = null;
    try (var input = new MemoryCacheImageInputStream(new ByteArrayInputStream(frame))) {
      reader = provider.createReaderInstance();
      reader.setInput(input, true, true);
      // A raster skips colour conversion: the samples come out as coded.
      raster = reader.canReadRaster() ? reader.readRaster(0, null) : reader.read(0).getRaster();
    } catch (IOException | RuntimeException e) {
      throw new PixelDecodeException(provider.getDescription(Locale.ROOT) + " failed: " + e.getMessage(), e);
    } finally {
      if (reader != null) {
        reader.dispose();
      }
    }
    return toHounsfield(raster, format);
  }

  private static short[] toHounsfield(Raster raster, PixelFormat format) throws PixelDecodeException {
    int rows = format.rows();
    int columns = format.columns();
    if (raster.getWidth() != columns || raster.getHeight() != rows || raster.getNumBands() != 1) {
      throw new PixelDecodeException("decoded " + raster.getWidth() + " x " + raster.getHeight() + " pixels with "
          + raster.getNumBands() + " samples each; the header says " + columns + " x " + rows + " with 1");
    }
    HounsfieldConverter converter = format.converter();
    int count = rows * columns;
    DataBuffer buffer = raster.getDataBuffer();
    if (isPlainRowMajor(raster, buffer, columns)) {
      if (buffer instanceof DataBufferUShort ushort) {
        return converter.convert(ushort.getData(), count);
      }
      if (buffer instanceof DataBufferShort signed) {
        return converter.convert(signed.getData(), count);
      }
      if (buffer instanceof DataBufferByte bytes) {
        return converter.convert(bytes.getData(), count);
      }
    }
    int[] samples = raster.getSamples(raster.getMinX(), raster.getMinY(), columns, rows, 0, (int[]) null);
    return converter.convert(samples, count);
  }

  /** One bank, one sample per pixel, rows back to back from index 0: the array can be read as it is. */
  private static boolean isPlainRowMajor(Raster raster, DataBuffer buffer, int columns) {
    return raster.getSampleModel() instanceof ComponentSampleModel model
        && model.getPixelStride() == 1
        && model.getScanlineStride() == columns
        && model.getBandOffsets()[0] == 0
        && buffer.getNumBanks() == 1
        && buffer.getOffset() == 0
        && raster.getSampleModelTranslateX() == raster.getMinX()
        && raster.getSampleModelTranslateY() == raster.getMinY();
  }

  private static ImageReaderSpi provider(Class<? extends ImageReaderSpi> type, Supplier<ImageReaderSpi> create) {
    IIORegistry registry = IIORegistry.getDefaultInstance();
    ImageReaderSpi provider = registry.getServiceProviderByClass(type);
    if (provider == null) {
      // Not found by the service loader (e.g. a repackaged jar): register it, which also lets TwelveMonkeys
      // find the JDK reader it delegates baseline JPEG to.
      provider = create.get();
      registry.registerServiceProvider(provider, ImageReaderSpi.class);
    }
    return provider;
  }
}
