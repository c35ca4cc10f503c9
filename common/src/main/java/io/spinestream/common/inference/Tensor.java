package io.spinestream.common.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A dense float32 tensor in C (row-major) order, as plain Java: what goes into and comes out of a model.
 *
 * <p>Neither array is copied: a tensor owns the arrays it was given, and callers must not change them
 * afterwards. Equality is by value (shape and every float), unlike a record's default for arrays.
 */
public record Tensor(float[] data, long[] shape) {
  public Tensor {
    if (data == null || shape == null) {
      throw new IllegalArgumentException("data and shape are required");
    }
    long size = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
      size = Math.multiplyExact(size, dim);
    }
    if (size != data.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size
          + " values, data has " + data.length);
    }
  }

  public static Tensor zeros(long... shape) {
    return new Tensor(new float[Math.toIntExact(size(shape))], shape.clone());
  }

  /** Number of values a tensor of this shape holds. */
  public static long size(long[] shape) {
    long size = 1;
    for (long dim : shape) {
      size = Math.multiplyExact(size, dim);
    }
    return size;
  }

  /** The shape without its first (batch) dimension. */
  public long[] itemShape() {
    if (shape.length == 0) {
      throw new IllegalStateException("a scalar has no batch dimension");
    }
    return Arrays.copyOfRange(shape, 1, shape.length);
  }

  /** Stacks items of one shape {@code s} into one tensor of shape {@code [items.size(), s...]}. */
  public static Tensor stack(List<Tensor> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to stack");
    }
    long[] itemShape = items.get(0).shape();
    int itemSize = items.get(0).data().length;
    float[] data = new float[Math.multiplyExact(itemSize, items.size())];
    for (int i = 0; i < items.size(); i++) {
      Tensor item = items.get(i);
      if (!Arrays.equals(item.shape(), itemShape)) {
        throw new IllegalArgumentException("cannot stack shape " + Arrays.toString(item.shape()) + " with "
            + Arrays.toString(itemShape));
      }
      System.arraycopy(item.data(), 0, data, i * itemSize, itemSize);
    }
    long[] shape = new long[itemShape.length + 1];
    shape[0] = items.size();
    System.arraycopy(itemShape, 0, shape, 1, itemShape.length);
    return new Tensor(data, shape);
  }

  /** Splits along the first dimension: the inverse of {@link #stack}. */
  public List<Tensor> unstack() {
    long[] itemShape = itemShape();
    int count = Math.toIntExact(shape[0]);
    int itemSize = count == 0 ? 0 : data.length / count;
    List<Tensor> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      items.add(new Tensor(Arrays.copyOfRange(data, i * itemSize, (i + 1) * itemSize), itemShape.clone()));
    }
    return items;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "Tensor" + Arrays.toString(shape);
  }
}
