package io.spinestream.common.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TorchScript model and its card, loaded once and checked before anything runs: the card is valid and is for
 * the task the service expects, the {@code .pt} exists and has the card's SHA-256, and a forward pass on zeros
 * of the card's input shape returns the card's output shape. Any failure is a {@link ModelLoadException} with
 * one line naming the file and the fix.
 *
 * <p>Thread-safe; forwards run through {@link ModelPredictor}s, one per thread ({@link #newPredictor}).
 * Closing the model frees its native memory: close its predictors first.
 */
public final class TorchModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TorchModel.class);

  private final ModelCard card;
  private final Path cardPath;
  private final ZooModel<Tensor, Tensor> model;
  private final Device device;
  private final EngineConfig config;

  private TorchModel(ModelCard card, Path cardPath, ZooModel<Tensor, Tensor> model, Device device,
      EngineConfig config) {
    this.card = card;
    this.cardPath = cardPath;
    this.model = model;
    this.device = device;
    this.config = config;
  }

  /**
   * Loads and checks the model that {@code cardPath} describes.
   *
   * @param cardPath     the model card ({@code <name>.json}); its {@code file} is relative to the card's folder
   * @param expectedTask {@link ModelCard#TASK_SEGMENTATION} or {@link ModelCard#TASK_VERTEBRA_FRACTURE}
   * @throws ModelLoadException when the model must not run, with the reason and the fix
   */
  public static TorchModel load(Path cardPath, String expectedTask, EngineConfig config) {
    ModelCard card = ModelCard.read(cardPath);
    if (!card.task().equals(expectedTask)) {
      throw new ModelLoadException("Model card " + cardPath + " is for task '" + card.task() + "', this service"
          + " runs '" + expectedTask + "': configure a model card whose task is '" + expectedTask + "'.");
    }
    Path modelFile = card.modelFile(cardPath);
    if (!modelFile.getFileName().toString().endsWith(".pt")) {
      throw new ModelLoadException("Model card " + cardPath + " names \"file\" " + card.file() + ": TorchScript "
          + "models must be .pt files; fix the card's \"file\".");
    }
    if (!Files.isRegularFile(modelFile)) {
      throw new ModelLoadException("Model file " + modelFile + " (\"file\" in card " + cardPath + ") does not "
          + "exist: put the .pt next to its card or fix the card's \"file\".");
    }
    String actualHash = sha256(modelFile);
    if (!actualHash.equalsIgnoreCase(card.sha256())) {
      throw new ModelLoadException("Model file " + modelFile + " does not match its card " + cardPath
          + ": sha256 is " + actualHash + ", the card says " + card.sha256() + ". Ship the .pt together with the "
          + "card exported with it (or re-export both).");
    }
    Engine engine = TorchRuntime.start(config);
    Device device = TorchRuntime.resolveDevice(engine, config.device());
    ZooModel<Tensor, Tensor> model = loadTorchScript(modelFile, card, device);
    TorchModel loaded = new TorchModel(card, cardPath, model, device, config);
    try {
      loaded.checkShapes();
    } catch (RuntimeException e) {
      loaded.close();
      throw e;
    }
    LOG.info("Model {} ({}) loaded from {} on {}: input {}, output {}", card.id(), card.task(), modelFile, device,
        Arrays.toString(card.inputShape(-1)), card.output().shape());
    return loaded;
  }

  public ModelCard card() {
    return card;
  }

  public Device device() {
    return device;
  }

  EngineConfig engineConfig() {
    return config;
  }

  /** A new predictor for the calling thread; the caller closes it. */
  public ModelPredictor newPredictor() {
    return new ModelPredictor(model.newPredictor(), config);
  }

  @Override
  public void close() {
    model.close();
  }

  private static ZooModel<Tensor, Tensor> loadTorchScript(Path modelFile, ModelCard card, Device device) {
    String fileName = modelFile.getFileName().toString();
    Criteria<Tensor, Tensor> criteria = Criteria.builder()
        .setTypes(Tensor.class, Tensor.class)
        .optEngine(TorchRuntime.ENGINE)
        // The folder plus the file's base name: DJL's loader finds <name>.pt (a file path works too, with a warning).
        .optModelPath(modelFile.toAbsolutePath().getParent())
        .optModelName(fileName.substring(0, fileName.length() - 3))
        .optDevice(device)
        // Load the weights straight onto the target device, whatever device they were saved from.
        .optOption("mapLocation", "true")
        .optTranslator(new TensorTranslator())
        .build();
    try {
      return criteria.loadModel();
    } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
      throw new ModelLoadException("Model file " + modelFile + " (" + card.id() + ") cannot be loaded as "
          + "TorchScript (" + TorchRuntime.rootMessage(e) + "): export it with torch.jit.script or torch.jit.trace "
          + "and save it with torch.jit.save.", e);
    }
  }

  /** A forward pass on zeros of the card's input shape must give the card's output shape. */
  private void checkShapes() {
    long[] inputShape = card.inputShape(1);
    Tensor output;
    try (ModelPredictor predictor = newPredictor()) {
      output = predictor.predict(Tensor.zeros(inputShape));
    } catch (InferenceException e) {
      throw new ModelLoadException("Model file " + card.modelFile(cardPath) + " does not accept the input of its"
          + " card " + cardPath + ": a forward pass on zeros of input.shape " + Arrays.toString(inputShape)
          + " failed (" + TorchRuntime.rootMessage(e) + "). Fix \"input.shape\" in the card (the model must take"
          + " one float32 tensor of that shape and return one tensor).", e);
    }
    if (!card.outputShapeMatches(output.shape(), 1)) {
      throw new ModelLoadException("Model file " + card.modelFile(cardPath) + " does not match its card " + cardPath
          + ": on zeros of input.shape " + Arrays.toString(inputShape) + " it returns "
          + Arrays.toString(output.shape()) + ", the card's output.shape is " + card.output().shape()
          + ". Fix \"output.shape\" in the card or ship the model the card describes.");
    }
  }

  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new ModelLoadException("Model file " + file + " cannot be read (" + e.getMessage() + "): check its "
          + "permissions.", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
