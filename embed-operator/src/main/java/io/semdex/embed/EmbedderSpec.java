package io.semdex.embed;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import io.semdex.core.ContentHash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configured embedder: a model preset with settings, the backend that runs it, and where. Written
 * as one string, the same in every {@code --model} flag, job argument and index manifest:
 * {@code <preset>[?key=value&key=value…]}.
 *
 * <pre>{@code
 * bge-small-zh-v1.5                                       bundled model, ONNX Runtime, CPU (or a GPU if one is visible)
 * qwen3-embedding-0.6b?dir=/models/q3&dimensions=256      Qwen3 from a directory, Matryoshka 256
 * qwen3-embedding-8b?dir=/models/q8&file=model.pt&device=cuda   TorchScript on the slot's GPU
 * qwen3-embedding-0.6b?url=http://gpu-host:8000/v1&remote-model=Qwen/Qwen3-Embedding-0.6B   a vLLM server
 * }</pre>
 *
 * <p>Keys: model — {@code dir}, {@code file}, {@code dimensions}, {@code max-tokens}, {@code task}
 * (Qwen3's query instruction), {@code padding} ({@code left|right}); in-process — {@code engine}
 * ({@code auto|onnxruntime|pytorch}; auto follows the model file: {@code .onnx} or TorchScript
 * {@code .pt}), {@code device} ({@code cpu|cuda|cuda:N|auto}, default auto), {@code batch-size},
 * {@code batch-tokens} (defaults by the device the model lands on; one text per call for a
 * dynamically quantized model, whose vectors would otherwise depend on their batch), {@code threads},
 * {@code workers} (model calls at once), {@code prune} ({@code true|false}, default true: an ONNX
 * encoder's last layer computes only the pooled position, see {@link LastLayerPruning}); remote (an OpenAI-compatible server, chosen by giving
 * {@code url}) — {@code url}, {@code remote-model}, {@code api-key-env}, {@code timeout} (e.g.
 * {@code 30s}, {@code 500ms}), {@code retries}, {@code request-size}, {@code tokenizer} (a local
 * {@code tokenizer.json} of the served model, for exact token counts when splitting).
 *
 * <p>A spec is parsed once, where it enters: a {@code --model} flag, the ingest job's arguments, a
 * generation's manifest (which stores its {@link #text()}). From there this record travels to every
 * place that needs the model or its tokenizer: the ingest job's splitter ({@link #tokenizerFiles()}),
 * its embedder, the query service's embedder and the manifest of a new generation.
 * {@link #fingerprint()} identifies what a stored vector was made with.
 *
 * @param text the spec as written, without surrounding blanks: what {@link #toString()} gives, and
 *     what manifests and logs record
 * @param remoteTokenizer the {@code tokenizer=} path of a remote spec, or null
 * @param calibrationFile the {@code calibration=} file (a {@link io.semdex.core.Calibration} fitted for this
 *     model by {@code semdex eval --fit-calibration}), or null for the preset's bundled one, if any
 *     ({@link ModelCalibrations})
 */
public record EmbedderSpec(
        String text,
        ModelPreset preset,
        String engine,
        DeviceChoice device,
        int batchSize,
        int batchTokens,
        int threads,
        int workers,
        boolean pruneLastLayer,
        RemoteEndpoint remote,
        String remoteTokenizer,
        String calibrationFile)
        implements EmbedderFactory {

    private static final Logger LOG = LoggerFactory.getLogger(EmbedderSpec.class);

    /**
     * Default concurrent model calls on a CPU, each with half the cores: measured faster than one
     * call on all cores, and far steadier on a shared machine, where ONNX Runtime's spinning
     * intra-op threads lose badly when one of them is descheduled (see the README's bench table).
     */
    public static final int CPU_WORKERS = 2;

    private static final Set<String> KEYS = Set.of("dir", "file", "dimensions", "max-tokens", "task", "padding", "engine", "device",
            "batch-size", "batch-tokens", "threads", "workers", "prune", "url", "remote-model", "api-key-env", "timeout", "retries", "request-size", "tokenizer", "calibration");
    private static final Set<String> REMOTE_KEYS =
            Set.of("url", "remote-model", "api-key-env", "timeout", "retries", "request-size", "tokenizer");
    private static final Set<String> LOCAL_KEYS =
            Set.of("engine", "device", "threads", "workers", "prune", "file", "dir", "padding", "batch-size", "batch-tokens");

    public EmbedderSpec {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(device, "device");
        if (batchSize < 0 || batchTokens < 0) {
            throw new IllegalArgumentException("batch size and tokens must be >= 0 (0 = the device's default), got "
                    + batchSize + " and " + batchTokens);
        }
        if (threads < 0 || threads > 1024) {
            throw new IllegalArgumentException("threads must be in 0..1024 (0 = the engine's default), got " + threads);
        }
        if (workers < 0 || workers > 64) {
            throw new IllegalArgumentException("workers must be in 0..64 (0 = the device's default), got " + workers);
        }
    }

    /**
     * Parses a spec.
     *
     * @throws IllegalArgumentException naming the bad key or value and what is allowed
     */
    public static EmbedderSpec parse(String spec) {
        Objects.requireNonNull(spec, "model spec");
        String trimmed = spec.strip();
        int q = trimmed.indexOf('?');
        String name = q < 0 ? trimmed : trimmed.substring(0, q);
        Map<String, String> settings = settings(q < 0 ? "" : trimmed.substring(q + 1), trimmed);
        ModelPreset preset = ModelPresets.builtIn(name);
        boolean remote = settings.containsKey("url");
        for (String key : settings.keySet()) {
            if (!remote && REMOTE_KEYS.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' in model spec '" + spec + "' only applies to a remote server: add url=");
            }
            if (remote && LOCAL_KEYS.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' in model spec '" + spec + "' does not apply to a remote server (url=)");
            }
        }

        if (settings.containsKey("dir") || settings.containsKey("file")) {
            String dir = settings.get("dir");
            Path directory = dir != null ? Path.of(dir)
                    : preset.files().directory() != null ? Path.of(preset.files().directory()) : null;
            if (directory == null) {
                throw new IllegalArgumentException("file= needs dir= for " + name + ", whose files are bundled on the classpath");
            }
            preset = preset.withFiles(ModelFiles.directory(directory, settings.get("file")));
        }
        if (settings.containsKey("max-tokens")) {
            int maxTokens = intSetting(settings, "max-tokens", 1, 1 << 20);
            preset = preset.withMaxTokens(maxTokens);
        }
        if (settings.containsKey("dimensions")) {
            preset = preset.withDimensions(intSetting(settings, "dimensions", 1, 1 << 16));
        }
        if (settings.containsKey("task")) {
            if (!preset.queryTemplate().contains("{task}")) {
                throw new IllegalArgumentException("task= does not apply to " + name + ": its queries take no task instruction");
            }
            preset = preset.withQueryTask(settings.get("task"));
        }
        if (settings.containsKey("padding")) {
            preset = preset.withPaddingSide(PaddingSide.parse(settings.get("padding")));
        }

        String engine = settings.getOrDefault("engine", "auto").toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "onnxruntime", "pytorch").contains(engine)) {
            throw new IllegalArgumentException("engine must be auto, onnxruntime or pytorch, got '" + settings.get("engine") + "'");
        }
        DeviceChoice device = DeviceChoice.parse(settings.getOrDefault("device", "auto"));
        int batchSize = settings.containsKey("batch-size") ? intSetting(settings, "batch-size", 1, 65536) : 0;
        int batchTokens = settings.containsKey("batch-tokens") ? intSetting(settings, "batch-tokens", 1, Integer.MAX_VALUE) : 0;
        int threads = settings.containsKey("threads") ? intSetting(settings, "threads", 0, 1024) : 0;
        int workers = settings.containsKey("workers") ? intSetting(settings, "workers", 1, 64) : 0;
        boolean prune = booleanSetting(settings, "prune", true);

        RemoteEndpoint endpoint = null;
        if (remote) {
            if (!settings.containsKey("remote-model")) {
                throw new IllegalArgumentException("a remote model spec needs remote-model=NAME (the server's model name), in '" + spec + "'");
            }
            endpoint = new RemoteEndpoint(settings.get("url"), settings.get("remote-model"), settings.get("api-key-env"),
                    settings.containsKey("timeout") ? duration(settings.get("timeout")) : Duration.ofSeconds(60),
                    settings.containsKey("retries") ? intSetting(settings, "retries", 0, 20) : 5,
                    settings.containsKey("request-size") ? intSetting(settings, "request-size", 1, 2048) : 64);
        }
        String remoteTokenizer = settings.get("tokenizer");
        if (remoteTokenizer != null && remoteTokenizer.isBlank()) {
            throw new IllegalArgumentException("tokenizer= must name a tokenizer.json file, in '" + spec + "'");
        }
        String calibrationFile = settings.get("calibration");
        if (calibrationFile != null && calibrationFile.isBlank()) {
            throw new IllegalArgumentException("calibration= must name a calibration file, in '" + spec + "'");
        }
        return new EmbedderSpec(trimmed, preset, engine, device, batchSize, batchTokens, threads, workers, prune, endpoint, remoteTokenizer,
                calibrationFile);
    }

    /** The default model ({@link ModelPresets#DEFAULT}) with no settings. */
    public static EmbedderSpec defaultModel() {
        return parse(ModelPresets.DEFAULT);
    }

    /** Concurrent model calls on {@code device}: what the spec sets, else {@link #CPU_WORKERS} on a CPU, one on a GPU. */
    public int workersFor(Device chosen) {
        return workers > 0 ? workers : chosen.isGpu() ? 1 : CPU_WORKERS;
    }

    /**
     * The batching on {@code device}: what the spec sets, the rest from the device's default (a GPU
     * takes far larger batches than a CPU).
     */
    public Batching batchingFor(Device chosen) {
        Batching defaults = chosen.isGpu() ? Batching.GPU_DEFAULT : Batching.CPU_DEFAULT;
        return new Batching(batchSize > 0 ? batchSize : defaults.maxBatchSize(), batchTokens > 0 ? batchTokens : defaults.tokenBudget());
    }

    /**
     * Where the tokenizer that counts the model's tokens is: the model's own files (the bundled
     * ones, or {@code dir=}), or for a remote spec its {@code tokenizer=} file; empty for a remote
     * spec without one, whose token counts can only be estimated.
     */
    public Optional<ModelFiles> tokenizerFiles() {
        if (remote == null) {
            return Optional.of(preset.files());
        }
        if (remoteTokenizer == null) {
            return Optional.empty();
        }
        Path file = Path.of(remoteTokenizer).toAbsolutePath().normalize();
        Path parent = file.getParent();
        return Optional.of(new ModelFiles(null, file.getFileName().toString(), parent == null ? "/" : parent.toString()));
    }

    /**
     * Identifies what a stored vector depends on besides its text: the preset's
     * {@link ModelPreset#fingerprint() settings}, plus, for a local model, the model file's identity
     * (its size and a SHA-256 of its first and last 64 KiB, so another checkpoint in the same
     * {@code dir=} never reuses old vectors), or for a remote one the server URL and model name.
     * Reads the model file: call it once, where the job is built.
     *
     * @throws IllegalStateException when the local model file is missing or unreadable
     */
    @Override
    public String fingerprint() {
        if (remote != null) {
            return ContentHash.of(preset.fingerprint(), "remote", remote.baseUrl(), remote.model());
        }
        return ContentHash.of(preset.fingerprint(), "file", fileIdentity(preset.files().modelPath()));
    }

    /** Size plus a SHA-256 of the first and last 64 KiB: cheap on multi-gigabyte checkpoints, and any re-export changes it. */
    static String fileIdentity(Path file) {
        final int edge = 64 * 1024;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            digest(channel, 0, (int) Math.min(edge, size), sha);
            if (size > edge) {
                long tail = Math.max(edge, size - edge);
                digest(channel, tail, (int) (size - tail), sha);
            }
            return size + ":" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read model file " + file + " to fingerprint its vectors: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    private static void digest(FileChannel channel, long position, int length, MessageDigest sha) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new IOException("file shrank while being read");
            }
        }
        sha.update(buffer.flip());
    }

    /**
     * The map from this model's raw cosine to calibrated relevance ({@link ModelCalibrations#of}):
     * empty when the model is uncalibrated. Reads the model file for its fingerprint.
     */
    public Optional<io.semdex.core.Calibration> calibration() {
        return ModelCalibrations.of(this, fingerprint());
    }

    /** Always: a spec names its model file or server, see {@link #fingerprint()}. */
    @Override
    public boolean fingerprintsItself() {
        return true;
    }

    /** The instance of this spec that the JVM's other users hold, else a new one ({@link SharedEmbedders#acquire}). */
    @Override
    public Embedder openShared(Slot slot) {
        return SharedEmbedders.acquire(this, slot);
    }

    /** Whether the model runs on a remote OpenAI-compatible server. */
    public boolean isRemote() {
        return remote != null;
    }

    /**
     * Opens the model for one slot and logs one line naming model, engine, device and dimensions.
     *
     * @throws IllegalStateException when files are missing, the device does not exist, or a remote
     *     server serves another model or dimension count
     */
    @Override
    public Embedder open(Slot slot) {
        long start = System.nanoTime();
        Embedder embedder;
        if (remote != null) {
            embedder = OpenAiEmbedder.open(preset, remote);
        } else {
            Device chosen = device.resolve(slot, EmbedderSpec::visibleGpus);
            Batching batching = batchingFor(chosen);
            if (batchSize == 0 && DjlEmbedder.vectorsDependOnBatch(preset, engine)) {
                batching = new Batching(1, batching.tokenBudget());
                LOG.info("{} is dynamically quantized: one text per model call, so that a text's vector does not depend on its"
                        + " neighbours in a batch (set batch-size= to trade that for speed)", preset.id());
            }
            embedder = DjlEmbedder.open(preset, new DjlEmbedder.Options(engine, chosen, batching, threads, workersFor(chosen), pruneLastLayer));
        }
        EmbedderInfo info = embedder.info();
        LOG.info("Embedder for subtask {}: model {}, engine {}, device {}, {} dimensions (native {}), max {} tokens, loaded in {} ms;"
                        + " Flink GPU resource of the slot: {}",
                slot.subtaskIndex(), info.modelId(), info.engine(), info.device(), info.dimensions(), preset.nativeDimensions(),
                info.maxTokens(), (System.nanoTime() - start) / 1_000_000, slot.gpuIndices().isEmpty() ? "none" : slot.gpuIndices());
        return embedder;
    }

    static int visibleGpus() {
        try {
            return CudaUtils.getGpuCount();
        } catch (RuntimeException | LinkageError e) {
            return 0; // no CUDA runtime on this machine
        }
    }

    private static Map<String, String> settings(String query, String spec) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return settings;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("model spec settings are key=value pairs joined by &, got '" + pair + "' in '" + spec + "'");
            }
            String key = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown model spec key '" + key + "' in '" + spec + "'; known: "
                        + String.join(", ", KEYS.stream().sorted().toList()));
            }
            if (settings.put(key, pair.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("model spec key '" + key + "' is given twice in '" + spec + "'");
            }
        }
        return settings;
    }

    private static int intSetting(Map<String, String> settings, String key, int min, int max) {
        String value = settings.get(key);
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException(key + " must be an integer in " + min + ".." + max + ", got '" + value + "'");
    }

    private static boolean booleanSetting(Map<String, String> settings, String key, boolean absent) {
        String value = settings.get(key);
        if (value == null) {
            return absent;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + value + "'");
        };
    }

    static Duration duration(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofMillis(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("timeout must look like 30s, 500ms or a number of milliseconds, got '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
