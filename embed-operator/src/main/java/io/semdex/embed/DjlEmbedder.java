package io.semdex.embed;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.nn.BlockFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Embedder} that runs a model preset in-process with Deep Java Library: ONNX Runtime for
 * {@code .onnx} files (CPU, or the CUDA execution provider on a GPU device), PyTorch for TorchScript
 * files (CPU or CUDA). Inputs are tokenized once, sorted by length and packed into batches by
 * {@link Batching}, so each model call pads little.
 *
 * <pre>{@code
 * try (DjlEmbedder embedder = DjlEmbedder.open(EmbedderSpec.parse("bge-small-zh-v1.5").preset())) {
 *     List<float[]> vectors = embedder.embedDocuments(List.of("法国的首都是巴黎。"));
 * }
 * }</pre>
 */
public final class DjlEmbedder implements Embedder {

    private static final Logger LOG = LoggerFactory.getLogger(DjlEmbedder.class);

    /** How long {@link #close()} waits for model calls in flight before it gives up and leaves the model open. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    /**
     * How to run the model.
     *
     * @param engine {@code auto} (by model file), {@code onnxruntime} or {@code pytorch}
     * @param threads ONNX Runtime intra-op threads per model call, 0 for all cores shared by the workers
     * @param workers model calls run at once on one model instance (each worker holds a predictor);
     *     on a CPU two calls with one thread each can beat one call with two threads
     * @param pruneLastLayer let an ONNX encoder's last layer compute only the pooled position
     *     ({@link LastLayerPruning}); the vectors are the same, the work a layer's worth less
     */
    public record Options(String engine, Device device, Batching batching, int threads, int workers, boolean pruneLastLayer) {

        public static final Options CPU = new Options("auto", Device.cpu(), Batching.CPU_DEFAULT, 0, 1, true);

        public Options {
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException("workers must be in 1..64, got " + workers);
            }
        }

        public Options withBatching(Batching newBatching) {
            return new Options(engine, device, newBatching, threads, workers, pruneLastLayer);
        }

        public Options withPruneLastLayer(boolean prune) {
            return new Options(engine, device, batching, threads, workers, prune);
        }
    }

    static {
        // ONNX Runtime models need no second engine: their outputs are pooled in Java. Without this, DJL
        // opens the PyTorch engine as ONNX Runtime's "alternative" as soon as it is on the class path, and
        // where libtorch is not (the job jar leaves the CPU libtorch out) it tries to download it and fails.
        if (System.getProperty("ai.djl.onnx.disable_alternative") == null) {
            System.setProperty("ai.djl.onnx.disable_alternative", "true");
        }
    }

    private final ModelPreset preset;
    private final ModelTokenizer tokenizer;
    private final ZooModel<NDList, NDList> model;
    /** Idle predictors of the workers; a model call takes one, so calls never share a predictor. */
    private final BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> predictors;
    /**
     * The predictor kept for {@linkplain #interactive() interactive} calls, one more than the workers: a query
     * or a single document runs beside the bulk calls instead of waiting for one of them to end.
     */
    private final BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> reserved = new ArrayBlockingQueue<>(1);
    private final Embedder interactive = new Interactive();
    private final List<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> allPredictors = new ArrayList<>();
    private final ExecutorService workers;
    private final EmbedderInfo info;
    private final Batching batching;
    private final boolean lastLayerPruned;
    private volatile boolean closed;
    /**
     * Shared by every call that runs the native tokenizer (encode, count); {@link #close()} takes it
     * alone before freeing the tokenizer, which under a running call would abort the JVM.
     */
    private final ReentrantReadWriteLock tokenizerUse = new ReentrantReadWriteLock();

    private DjlEmbedder(ModelPreset preset, ModelTokenizer tokenizer, ZooModel<NDList, NDList> model, Options options, String engineName,
            boolean pooledRowOnly) {
        this.preset = preset;
        this.tokenizer = tokenizer;
        this.model = model;
        this.batching = options.batching();
        Set<String> inputNames = model.describeInput() == null ? Set.of() : new HashSet<>(model.describeInput().keys());
        boolean pytorch = engineName.equals("PyTorch");
        this.predictors = new ArrayBlockingQueue<>(options.workers());
        for (int i = 0; i <= options.workers(); i++) {
            var predictor = model.newPredictor(new EmbeddingTranslator(preset, tokenizer.padId(), inputNames, pytorch, pooledRowOnly));
            allPredictors.add(predictor);
            (i < options.workers() ? predictors : reserved).add(predictor);
        }
        this.workers = options.workers() == 1 ? null : Executors.newFixedThreadPool(options.workers(), runnable -> {
            Thread thread = new Thread(runnable, "semdex-embed-" + preset.id());
            thread.setDaemon(true);
            return thread;
        });
        this.info = EmbedderInfo.of(preset, engineName, model.getNDManager().getDevice().toString());
        this.lastLayerPruned = pooledRowOnly;
    }

    /** Loads the preset's model on the CPU. Takes a second or two; one instance serves many threads. */
    public static DjlEmbedder open(ModelPreset preset) {
        return open(preset, Options.CPU);
    }

    /** Loads the preset's model on the CPU with {@code batchSize} texts per model call at most. */
    public static DjlEmbedder open(ModelPreset preset, int batchSize) {
        return open(preset, Options.CPU.withBatching(new Batching(batchSize, Batching.CPU_DEFAULT.tokenBudget())));
    }

    /** The graph in the model file is the block: no Java block to build. */
    private static final BlockFactory WHOLE_GRAPH = (model, modelPath, arguments) -> null;

    public static DjlEmbedder open(ModelPreset preset, Options options) {
        Path modelPath = preset.files().modelPath();
        String engine = engineFor(options.engine(), modelPath);
        if (engine.equals("PyTorch")) {
            PyTorchLibrary.load();
        }
        ModelTokenizer tokenizer = ModelTokenizer.load(preset);
        Path pruned = null;
        try {
            Path loadPath = modelPath;
            if (engine.equals("OnnxRuntime") && options.pruneLastLayer()) {
                pruned = Files.createTempFile("semdex-" + preset.id() + "-", ".onnx");
                LastLayerPruning.Outcome outcome = LastLayerPruning.rewrite(modelPath, preset.pooling(), preset.paddingSide(), pruned);
                LOG.info("{}: {}", preset.id(), outcome.pruned() ? outcome.description() : "every position of the last layer is computed: "
                        + outcome.description());
                if (outcome.pruned()) {
                    loadPath = pruned;
                }
            }
            Criteria.Builder<NDList, NDList> criteria = Criteria.builder()
                    .setTypes(NDList.class, NDList.class)
                    .optModelPath(loadPath)
                    .optEngine(engine)
                    .optDevice(options.device())
                    .optTranslator(new NoopTranslator())
                    // Without a block factory DJL looks for one by loading every class of every jar in the model's
                    // folder. A model written to the temporary folder would have it load the jars that other
                    // libraries unpack there (Flink's RPC jar, whose Agrona classes take over SIGINT and SIGTERM
                    // when initialised, so the process no longer stops on a signal). The model is the whole graph.
                    .optArgument("blockFactory", WHOLE_GRAPH);
            if (engine.equals("OnnxRuntime")) {
                // DJL reads intraOpNumThreads only when interOpNumThreads is set too.
                int threads = options.threads() > 0 ? options.threads()
                        : Math.max(1, Runtime.getRuntime().availableProcessors() / options.workers());
                criteria.optOption("interOpNumThreads", "1")
                        .optOption("intraOpNumThreads", Integer.toString(threads))
                        .optOption("executionMode", "SEQUENTIAL")
                        .optOption("optLevel", "ALL_OPT");
            } else {
                criteria.optOption("mapLocation", "true"); // load the weights straight onto the device
            }
            ZooModel<NDList, NDList> model = criteria.build().loadModel();
            return new DjlEmbedder(preset, tokenizer, model, options, engine, loadPath != modelPath);
        } catch (IOException e) {
            tokenizer.close();
            throw new UncheckedIOException("cannot load model of " + preset.id() + " from " + modelPath, e);
        } catch (ModelNotFoundException | MalformedModelException | RuntimeException e) {
            tokenizer.close();
            throw new IllegalStateException("cannot load model of " + preset.id() + " from " + modelPath + " with " + engine
                    + " on " + options.device() + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(pruned); // ONNX Runtime has read the whole model by now
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot delete the temporary model file {}: {}", file, e.getMessage());
        }
    }

    /**
     * Whether a text's vector depends on the other texts of its model call. A dynamically quantized
     * ONNX model ({@code DynamicQuantizeLinear}) computes one int8 scale per call from all of its
     * rows, so the same text in another batch comes out at cosine 0.98–0.99 of itself, and a
     * document embedded in a batch no longer matches a query embedded alone.
     */
    public static boolean vectorsDependOnBatch(ModelPreset preset, String engine) {
        Path modelPath = preset.files().modelPath();
        if (!engineFor(engine, modelPath).equals("OnnxRuntime")) {
            return false;
        }
        try {
            return OnnxGraph.read(modelPath).hasOp("DynamicQuantizeLinear");
        } catch (IOException | IllegalArgumentException e) {
            return false; // loading the model reports what is wrong with it
        }
    }

    /** The DJL engine for a model file: ONNX Runtime for {@code .onnx}, PyTorch for TorchScript. */
    static String engineFor(String configured, Path modelPath) {
        String name = modelPath.getFileName().toString().toLowerCase(Locale.ROOT);
        String engine = switch (configured == null ? "auto" : configured.toLowerCase(Locale.ROOT)) {
            case "onnxruntime" -> "OnnxRuntime";
            case "pytorch" -> "PyTorch";
            case "auto" -> {
                if (name.endsWith(".onnx")) {
                    yield "OnnxRuntime";
                }
                if (name.endsWith(".pt") || name.endsWith(".pth") || name.endsWith(".torchscript")) {
                    yield "PyTorch";
                }
                throw new IllegalArgumentException("cannot tell the engine of model file " + modelPath
                        + ": name it .onnx (ONNX Runtime) or .pt (TorchScript), or set engine=onnxruntime|pytorch");
            }
            default -> throw new IllegalArgumentException("engine must be auto, onnxruntime or pytorch, got '" + configured + "'");
        };
        return engine;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return embedDocuments(texts, predictors);
    }

    @Override
    public List<float[]> embedQueries(List<String> queries) {
        return embedQueries(queries, predictors);
    }

    @Override
    public List<float[]> embedTexts(List<String> texts) {
        return embedTexts(texts, predictors);
    }

    private List<float[]> embedDocuments(List<String> texts, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        return embedTexts(texts.stream().map(preset::documentText).toList(), pool);
    }

    private List<float[]> embedQueries(List<String> queries, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        return embedTexts(queries.stream().map(preset::queryText).toList(), pool);
    }

    private List<float[]> embedTexts(List<String> texts, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        return texts.isEmpty() ? List.of() : embedIds(withTokenizer(t -> t.encode(texts)), pool);
    }

    @Override
    public List<float[]> embedTokens(List<long[]> tokenIds) {
        return embedTokens(tokenIds, predictors);
    }

    private List<float[]> embedTokens(List<long[]> tokenIds, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        long[][] rows = new long[tokenIds.size()][];
        for (int i = 0; i < rows.length; i++) {
            long[] row = tokenIds.get(i);
            if (row.length == 0 || row.length > preset.maxTokens()) {
                throw new IllegalArgumentException("token input " + i + " has " + row.length + " tokens; "
                        + preset.id() + " takes 1.." + preset.maxTokens());
            }
            rows[i] = row.clone();
        }
        return embedIds(rows, pool);
    }

    /** Token ids of each text as this embedder feeds them to the model (truncated, with any appended token). */
    long[][] tokenize(List<String> texts) {
        return withTokenizer(t -> t.encode(texts));
    }

    private <T> T withTokenizer(Function<ModelTokenizer, T> use) {
        Lock shared = tokenizerUse.readLock();
        shared.lock();
        try {
            if (closed) {
                throw new EnvironmentEmbeddingException("the embedder of " + preset.id() + " is closed");
            }
            return use.apply(tokenizer);
        } finally {
            shared.unlock();
        }
    }

    /** Embeds token rows with the predictors of {@code pool}: the workers' in parallel, the reserved one call after call. */
    private List<float[]> embedIds(long[][] rows, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        if (closed) {
            throw new EnvironmentEmbeddingException("the embedder of " + preset.id() + " is closed");
        }
        int[] lengths = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            lengths[i] = rows[i].length;
        }
        float[][] vectors = new float[rows.length][];
        List<int[]> plan = batching.plan(lengths);
        if (workers == null || plan.size() == 1 || pool == reserved) {
            for (int[] batch : plan) {
                run(batch, rows, vectors, pool);
            }
        } else {
            // Longest batches are submitted first, which also balances the workers' load.
            List<Future<?>> calls = new ArrayList<>(plan.size());
            for (int[] batch : plan) {
                try {
                    calls.add(workers.submit(() -> run(batch, rows, vectors, pool)));
                } catch (RejectedExecutionException e) {
                    // close() shut the workers down while this call was submitting
                    calls.forEach(call -> call.cancel(false));
                    throw new EnvironmentEmbeddingException("the embedder of " + preset.id() + " was closed while embedding", e);
                }
            }
            for (Future<?> call : calls) {
                await(call);
            }
        }
        return new ArrayList<>(Arrays.asList(vectors));
    }

    /** One model call; writes its rows' vectors (each batch owns distinct rows). */
    private void run(int[] batch, long[][] rows, float[][] vectors, BlockingQueue<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> pool) {
        long[][] batchRows = new long[batch.length][];
        for (int i = 0; i < batch.length; i++) {
            batchRows[i] = rows[batch[i]];
        }
        Predictor<EmbeddingTranslator.TokenBatch, float[][]> predictor;
        try {
            predictor = pool.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the model", e);
        }
        if (closed) {
            pool.add(predictor);
            throw new EnvironmentEmbeddingException("the embedder of " + preset.id() + " is closed");
        }
        try {
            float[][] out = predictor.predict(new EmbeddingTranslator.TokenBatch(batchRows));
            for (int i = 0; i < batch.length; i++) {
                vectors[batch[i]] = out[i];
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("embedding a batch of " + batch.length + " inputs with " + preset.id() + " failed", e);
        } finally {
            pool.add(predictor);
        }
    }

    private static void await(Future<?> call) {
        try {
            call.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while embedding", e);
        } catch (CancellationException e) {
            throw new EnvironmentEmbeddingException("the embedder was closed while embedding", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("embedding failed", e.getCause());
        }
    }

    @Override
    public EmbedderInfo info() {
        return info;
    }

    @Override
    public ModelPreset preset() {
        return preset;
    }

    /** How many bulk model calls run at once; the {@linkplain #interactive() interactive} predictor comes on top. */
    @Override
    public int workers() {
        return allPredictors.size() - 1;
    }

    @Override
    public Embedder interactive() {
        return interactive;
    }

    @Override
    public boolean lastLayerPruned() {
        return lastLayerPruned;
    }

    /** The batching this embedder packs model calls with. */
    @Override
    public Batching batching() {
        return batching;
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public int countTokens(String text) {
        return withTokenizer(t -> t.count(text));
    }

    /**
     * Waits for model calls in flight, then frees the model. Freeing native memory under a running
     * call would crash the JVM, so when a call outlasts {@value #CLOSE_WAIT_SECONDS} s the model is
     * left to the process's exit instead.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (workers != null) {
            // Interrupts calls waiting for a predictor (not native ones); queued calls are cancelled
            // so that the thread awaiting them gets an error instead of waiting forever.
            for (Runnable queued : workers.shutdownNow()) {
                if (queued instanceof Future<?> call) {
                    call.cancel(false);
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        List<Predictor<EmbeddingTranslator.TokenBatch, float[][]>> idle = new ArrayList<>();
        boolean interrupted = false;
        while (idle.size() < allPredictors.size()) {
            try {
                var pool = idle.size() < workers() ? predictors : reserved; // the workers' first, then the reserved one
                var predictor = pool.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (predictor == null) {
                    LOG.warn("{} model call(s) of {} still running after {} s; leaving the model to the process exit",
                            allPredictors.size() - idle.size(), preset.id(), CLOSE_WAIT_SECONDS);
                    return;
                }
                idle.add(predictor);
            } catch (InterruptedException e) {
                interrupted = true; // finish waiting: returning now would leave the race this loop prevents
            }
        }
        idle.forEach(Predictor::close);
        model.close();
        Lock exclusive = tokenizerUse.writeLock();
        boolean tokenizerIdle = false;
        while (true) {
            try {
                tokenizerIdle = exclusive.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (tokenizerIdle) {
            try {
                tokenizer.close();
            } finally {
                exclusive.unlock();
            }
        } else {
            LOG.warn("The tokenizer of {} is still encoding after {} s; leaving it to the process exit", preset.id(), CLOSE_WAIT_SECONDS);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * This model's calls on the reserved predictor, one batch after another: what the {@link #interactive()} view
     * runs. Closing it closes nothing; it lives as long as the model.
     */
    private final class Interactive extends ForwardingEmbedder {

        Interactive() {
            super(DjlEmbedder.this);
        }

        @Override
        public List<float[]> embedDocuments(List<String> texts) {
            return DjlEmbedder.this.embedDocuments(texts, reserved);
        }

        @Override
        public List<float[]> embedQueries(List<String> queries) {
            return DjlEmbedder.this.embedQueries(queries, reserved);
        }

        @Override
        public List<float[]> embedTexts(List<String> texts) {
            return DjlEmbedder.this.embedTexts(texts, reserved);
        }

        @Override
        public List<float[]> embedTokens(List<long[]> tokenIds) {
            return DjlEmbedder.this.embedTokens(tokenIds, reserved);
        }

        @Override
        public Embedder interactive() {
            return this;
        }

        @Override
        public void close() {}
    }
}
