package io.spinestream.producer.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HounsfieldConverterTest {

  @Test
  void shouldIgnoreGarbageAboveBitsStoredForUnsigned12Bit() {
    var converter = new HounsfieldConverter(12, false, 1, -1024);

    assertThat(converter.toHounsfield(0x0000)).isEqualTo((short) -1024);
    assertThat(converter.toHounsfield(0xF000)).isEqualTo((short) -1024);
    assertThat(converter.toHounsfield(0xA400)).isEqualTo((short) 0);
    assertThat(converter.toHounsfield(0x7FFF)).isEqualTo((short) 3071);
    assertThat(converter.convert(new short[] {(short) 0xFFFF, 0x1400, (short) 0x8001}, 3))
        .containsExactly(3071, 0, -1023);
  }

  @Test
  void shouldReadSigned16BitAsTwosComplement() {
    var converter = new HounsfieldConverter(16, true, 1, -1024);

    assertThat(converter.toHounsfield(0xFFFF)).isEqualTo((short) -1025);
    assertThat(converter.toHounsfield(0x8000)).isEqualTo((short) -32768);
    assertThat(converter.convert(new short[] {(short) -2000, 0, 1000}, 3)).containsExactly(-3024, -1024, -24);
  }

  @Test
  void shouldReadUnsigned16BitUpToItsFullRange() {
    var converter = new HounsfieldConverter(16, false, 1, -1024);

    assertThat(converter.storedValue(0xFFFF)).isEqualTo(65535);
    assertThat(converter.toHounsfield(0xFFFF)).isEqualTo(Short.MAX_VALUE); // 64511 clamps
    assertThat(converter.toHounsfield(0x8000)).isEqualTo((short) 31744);
  }

  @Test
  void shouldSignExtendFromBit11For12BitSignedStoredValues() {
    var converter = new HounsfieldConverter(12, true, 1, 0);

    assertThat(converter.storedValue(0x0800)).isEqualTo(-2048);
    assertThat(converter.storedValue(0x0FFF)).isEqualTo(-1);
    assertThat(converter.storedValue(0x07FF)).isEqualTo(2047);
    assertThat(converter.storedValue(0xF7FF)).isEqualTo(2047); // garbage above bit 11
    assertThat(converter.storedValue(0x1800)).isEqualTo(-2048);
    // a decoder that hands out the value already sign-extended to 16 bits reads the same
    assertThat(converter.convert(new short[] {(short) -5, 0x0FFB}, 2)).containsExactly(-5, -5);
  }

  @Test
  void shouldRoundHalfAwayFromZeroWithFractionalRescale() {
    var converter = new HounsfieldConverter(16, true, 0.5, -1024.5);

    assertThat(converter.toHounsfield(0)).isEqualTo((short) -1025); // -1024.5
    assertThat(converter.toHounsfield(1)).isEqualTo((short) -1024); // -1024.0
    assertThat(converter.toHounsfield(2)).isEqualTo((short) -1024); // -1023.5 -> -1024
    assertThat(converter.toHounsfield(2049)).isEqualTo((short) 0); // 0.0
    assertThat(converter.toHounsfield(2050)).isEqualTo((short) 1); // 0.5 -> 1
    assertThat(converter.toHounsfield(2048)).isEqualTo((short) -1); // -0.5 -> -1
    assertThat(converter.toHounsfield(2047)).isEqualTo((short) -1); // -1.0
  }

  @Test
  void shouldRoundFractionalInterceptWithUnitSlope() {
    var converter = new HounsfieldConverter(12, false, 1, -0.5);

    assertThat(converter.toHounsfield(0)).isEqualTo((short) -1);
    assertThat(converter.toHounsfield(1)).isEqualTo((short) 1);
    assertThat(converter.toHounsfield(3)).isEqualTo((short) 3);
  }

  @Test
  void shouldApplySlopeAndInterceptToEightBitSamples() {
    var converter = new HounsfieldConverter(8, false, 16.05882, -1919);

    assertThat(converter.convert(new byte[] {0, (byte) 255, 60}, 3))
        .containsExactly(-1919, Math.round(255 * 16.05882f - 1919), -955); // 60 * 16.05882 - 1919 = -955.47
  }

  @Test
  void shouldClampToTheInt16Range() {
    var steep = new HounsfieldConverter(16, true, 4, 1000);

    assertThat(steep.toHounsfield(32767)).isEqualTo(Short.MAX_VALUE);
    assertThat(steep.toHounsfield(0x8000)).isEqualTo(Short.MIN_VALUE);
    assertThat(new HounsfieldConverter(16, false, 1, 0).toHounsfield(40000)).isEqualTo(Short.MAX_VALUE);
    assertThat(new HounsfieldConverter(16, true, 1, -2000).toHounsfield(0x8000)).isEqualTo(Short.MIN_VALUE);
    assertThat(new HounsfieldConverter(16, true, 1.5, 0).toHounsfield(-21846)).isEqualTo(Short.MIN_VALUE);
  }

  @Test
  void shouldConvertIntSamplesLikeShortSamples() {
    var converter = new HounsfieldConverter(13, true, 1, 0);
    int[] samples = {0x1FFF, 0x0FFF, 0x1000, 65535, -1};

    assertThat(converter.convert(samples, 5)).containsExactly(-1, 4095, -4096, -1, -1);
  }

  @Test
  void shouldConvertOnlyTheRequestedCount() {
    var converter = new HounsfieldConverter(16, false, 1, 0);

    assertThat(converter.convert(new short[] {1, 2, 3}, 2)).containsExactly(1, 2);
    assertThatThrownBy(() -> converter.convert(new short[] {1}, 2)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldRefuseImpossibleParameters() {
    assertThatThrownBy(() -> new HounsfieldConverter(0, false, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HounsfieldConverter(17, false, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new HounsfieldConverter(12, false, Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
