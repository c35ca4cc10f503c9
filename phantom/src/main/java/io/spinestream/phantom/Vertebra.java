package io.spinestream.phantom;

import java.util.Locale;

/**
 * The seven cervical vertebrae, the classes of the RSNA 2022 competition. Their segmentation labels are 1..7;
 * every thoracic vertebra shares label {@link #THORACIC_LABEL}, background is {@link #BACKGROUND_LABEL}.
 */
public enum Vertebra {
  C1, C2, C3, C4, C5, C6, C7;

  public static final int BACKGROUND_LABEL = 0;
  /** One label for all thoracic vertebrae (T1..T12), as in the RSNA segmentations. */
  public static final int THORACIC_LABEL = 8;

  /** The segmentation label: 1 for C1 .. 7 for C7. */
  public int label() {
    return ordinal() + 1;
  }

  /** The vertebra of a label 1..7. */
  public static Vertebra ofLabel(int label) {
    if (label < 1 || label > 7) {
      throw new IllegalArgumentException("not a cervical label (1..7): " + label);
    }
    return values()[label - 1];
  }

  /** Parses {@code C1}..{@code C7}, case-insensitive. */
  public static Vertebra parse(String text) {
    String name = text.trim().toUpperCase(Locale.ROOT);
    for (Vertebra vertebra : values()) {
      if (vertebra.name().equals(name)) {
        return vertebra;
      }
    }
    throw new IllegalArgumentException("not a cervical vertebra (C1..C7): '" + text + "'");
  }
}
