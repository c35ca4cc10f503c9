/**
 * Model runtime: TorchScript models with their model cards, run through DJL's PyTorch engine (DJL 0.36.0,
 * libtorch 2.7.1).
 *
 * <ul>
 *   <li>{@link io.spinestream.common.inference.TorchModel#load} reads the {@link
 *       io.spinestream.common.inference.ModelCard}, checks task, file, SHA-256 and shapes, and refuses to start
 *       with one {@link io.spinestream.common.inference.ModelLoadException} line naming the file and the fix.
 *   <li>{@link io.spinestream.common.inference.ModelPredictor}: one per thread, plain
 *       {@link io.spinestream.common.inference.Tensor}s in and out.
 *   <li>{@link io.spinestream.common.inference.BatchingPredictor}: single items from many threads, batched.
 *   <li>{@link io.spinestream.common.inference.EngineConfig} and
 *       {@link io.spinestream.common.inference.BatchingConfig}: what a service fills from its settings.
 * </ul>
 *
 * <h2>Native libraries: CPU by default</h2>
 * {@code common} compiles against {@code ai.djl:api}, {@code ai.djl.pytorch:pytorch-engine} and
 * {@code ai.djl.pytorch:pytorch-jni:2.7.1-0.36.0}. A service that runs models adds libtorch itself, at runtime:
 * {@code ai.djl.pytorch:pytorch-native-cpu:2.7.1}, classifier {@code linux-x86_64} (111 MB). DJL runs
 * offline ({@code ai.djl.offline=true}) and unpacks it (~430 MB) into {@code DJL_CACHE_DIR} (default
 * {@code ~/.djl.ai}) on first start. Never set {@code PYTORCH_VERSION}.
 *
 * <h2>GPU deployments</h2>
 * DJL on a GPU is not tested here (its CUDA libtorch cannot be fetched); the exported models were run on an H200
 * through PyTorch (bench/results/gpu-pytorch.md): within 3.8e-6 of the golden files in float32, but libtorch's
 * default TF32 for cuDNN convolutions moved the segmenter's logits by up to 6.4e-3. This is what a GPU
 * deployment has to provide.
 * DJL's PyTorch 2.7.1 CUDA build is flavor {@code cu128} (CUDA 12.8). {@code pytorch-jni:2.7.1-0.36.0} already
 * contains its JNI bridge ({@code jnilib/linux-x86_64/cu128/libdjl_torch.so}). DJL's documentation names the
 * libtorch jar {@code ai.djl.pytorch:pytorch-native-cu128:2.7.1:linux-x86_64}, but that artifact is <b>not on
 * Maven Central</b> (checked November 2026: no {@code pytorch-native-cu126/cu128} at all; the newest CUDA jar
 * there is {@code ai.djl.pytorch:pytorch-native-cu124:2.5.1:linux-x86_64}, 2.4 GB, which is libtorch 2.5.1 and
 * would need another engine/JNI combination). A GPU image therefore selects libtorch 2.7.1+cu128 in one of two
 * ways, and drops {@code pytorch-native-cpu} from its classpath (a native jar on the classpath wins):
 * <ol>
 *   <li>Let DJL fetch its own build once at image build time: run any model load with
 *       {@code -Dai.djl.offline=false} on a host that reaches {@code publish.djl.ai}; DJL detects CUDA and
 *       unpacks it into a {@code pytorch/2.7.1-...cu128-linux-x86_64} folder of {@code DJL_CACHE_DIR}; ship that folder and run
 *       offline afterwards.
 *   <li>Point {@code PYTORCH_LIBRARY_PATH} at an installed libtorch 2.7.1 built for CUDA 12.8 (e.g.
 *       {@code site-packages/torch/lib} of the {@code torch==2.7.1+cu128} wheel) with {@code PYTORCH_FLAVOR=cu128}.
 * </ol>
 * Then set the device to {@code gpu} (fails at start if DJL sees no usable GPU) or {@code auto}. The CUDA
 * driver must support CUDA 12.8.
 */
package io.spinestream.common.inference;
