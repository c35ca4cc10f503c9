package io.spinestream.common.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslateException;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * Float tensors in and out. Inputs are already batched ({@code [B, ...]}), so DJL's batchifier is off.
 * Every NDArray is created in the per-call manager ({@code ctx.getNDManager()}), which DJL closes after
 * {@code processOutput}: nothing outlives a call, and the output is copied to a Java array before that.
 */
final class TensorTranslator implements NoBatchifyTranslator<Tensor, Tensor> {
  @Override
  public NDList processInput(TranslatorContext ctx, Tensor input) {
    NDArray array = ctx.getNDManager().create(FloatBuffer.wrap(input.data()), new Shape(input.shape()),
        DataType.FLOAT32);
    return new NDList(array);
  }

  @Override
  public Tensor processOutput(TranslatorContext ctx, NDList list) throws TranslateException {
    if (list.size() != 1) {
      throw new TranslateException("the model returned " + list.size() + " tensors, expected exactly one");
    }
    NDArray output = list.get(0);
    if (output.getDataType() != DataType.FLOAT32) {
      output = output.toType(DataType.FLOAT32, false);
    }
    return new Tensor(output.toFloatArray(), output.getShape().getShape());
  }
}
