package io.semdex.app.bench;

import ai.djl.Device;
import io.semdex.app.Launcher;
import io.semdex.app.ModelSpecConverter;
import io.semdex.embed.Batching;
import io.semdex.embed.DjlEmbedder;
import io.semdex.embed.Embedder;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPreset;
import io.semdex.embed.ModelPresets;
import io.semdex.embed.Slot;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code semdex bench embed}: texts/s and tokens/s of semdex's embedder against LangChain4j's own
 * in-process class on the same model files and the same texts, in alternating rounds of one run so
 * both see the same machine load; then a sweep of batch sizes and token budgets; peak memory.
 */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embedding throughput: semdex vs LangChain4j on the same model and texts, alternating,",
                "then a batch-size and token-budget sweep. Prints Markdown tables."})
final class BenchEmbedCommand implements Callable<Integer> {

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Model spec (default: ${DEFAULT-VALUE}); LangChain4j runs for the presets it ships.")
    EmbedderSpec model;

    @Option(names = "--texts", defaultValue = "2000", description = "Texts per run (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--batch-sizes", defaultValue = "1,8,16,32,64,128", split = ",",
            description = "Batch sizes to sweep, no token cap (default: ${DEFAULT-VALUE}).")
    int[] batchSizes;

    @Option(names = "--batch-tokens", defaultValue = "1024,2048,4096,8192,16384", split = ",",
            description = "Token budgets to sweep at up to 256 texts per batch (default: ${DEFAULT-VALUE}).")
    int[] tokenBudgets;

    @Option(names = "--data", paramLabel = "DIR", description = "Shared data directory (default: ../shared/data beside the install).")
    Path data;

    @Option(names = "--no-langchain4j", description = "Skip the LangChain4j comparison.")
    boolean noLangChain4j;

    /** Layers, hidden width and feed-forward width of the BERT-style presets, for the FLOP estimate. */
    private record Architecture(int layers, int hidden, int ffn) {

        /**
         * Multiply-adds × 2 per padded token through the encoder, attention over {@code seqLen}
         * positions included. With the last layer pruned, that layer projects keys and values for
         * every token but runs query, attention, output projection and feed-forward for one row.
         */
        double flopsPerToken(double seqLen, boolean lastLayerPruned) {
            double layer = 2.0 * (4.0 * hidden * hidden + 2.0 * hidden * ffn) + 4.0 * hidden * seqLen;
            if (!lastLayerPruned) {
                return layers * layer;
            }
            double keysAndValues = 2.0 * 2.0 * hidden * hidden;
            double pooledRow = 2.0 * (2.0 * hidden * hidden + 2.0 * hidden * ffn) + 4.0 * hidden * seqLen;
            return (layers - 1) * layer + keysAndValues + pooledRow / seqLen;
        }
    }

    private static Architecture architecture(String presetId) {
        return switch (presetId) {
            case "bge-small-zh-v1.5" -> new Architecture(4, 512, 2048);
            case "all-minilm-l6-v2" -> new Architecture(6, 384, 1536);
            case "bge-small-en-v1.5-q", "e5-small-v2" -> new Architecture(12, 384, 1536);
            default -> null;
        };
    }

    @Option(names = "--also", paramLabel = "SPEC", converter = ModelSpecConverter.class,
            description = "Further semdex model specs to run in the same alternating rounds, e.g. 'bge-small-zh-v1.5?workers=2'.")
    List<EmbedderSpec> also = new ArrayList<>();

    @Option(names = "--sweep", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the batch-size and token-budget sweep after the rounds (default: ${DEFAULT-VALUE}).")
    boolean sweep;

    @Option(names = "--sweep-texts", defaultValue = "0",
            description = "Texts per sweep run, the first N of the set (default: all of them).")
    int sweepTexts;

    /** One side of the comparison. */
    private record Contestant(String name, Runnable run, List<Double> rates, List<Double> cpuSeconds) {}

    @Override
    public Integer call() throws Exception {
        Path dataDir = data != null ? data : Launcher.sharedData();
        List<String> texts = BenchTexts.mixed(dataDir, count);
        ModelPreset preset = model.preset();

        // DJL's ONNX Runtime must start before any LangChain4j class creates its own environment.
        long rssBefore = peakRss();
        Embedder ours = model.open(Slot.SINGLE);
        List<String> inputs = texts.stream().map(preset::documentText).toList();
        int[] lengths = inputs.stream().mapToInt(ours::countTokens).map(n -> Math.min(n, preset.maxTokens())).toArray();
        long realTokens = Arrays.stream(lengths).asLongStream().sum();
        long paddedTokens = ours.inProcess() ? padded(ours.batching(), lengths) : realTokens;

        System.out.printf(Locale.ROOT, "%n## semdex bench embed: %s, %d texts (%d tokens, %.1f per text), %d cores%n%n",
                preset.id(), texts.size(), realTokens, realTokens / (double) texts.size(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "semdex: engine %s, device %s, %s%n", ours.info().engine(), ours.info().device(),
                ours.inProcess() ? "batches of <= " + ours.batching().maxBatchSize() + " texts / " + ours.batching().tokenBudget()
                        + " tokens, " + ours.workers() + " worker(s)" : "remote");
        ours.embedDocuments(texts.subList(0, Math.min(64, texts.size()))); // warm-up
        long rssOursLoaded = peakRss();

        List<Contestant> contestants = new ArrayList<>();
        contestants.add(new Contestant("semdex " + model, () -> ours.embedDocuments(texts), new ArrayList<>(), new ArrayList<>()));
        List<Embedder> extra = new ArrayList<>();
        for (EmbedderSpec other : also) {
            Embedder embedder = other.open(Slot.SINGLE);
            embedder.embedDocuments(texts.subList(0, Math.min(64, texts.size())));
            extra.add(embedder);
            contestants.add(new Contestant("semdex " + other, () -> embedder.embedDocuments(texts), new ArrayList<>(), new ArrayList<>()));
        }
        LangChain4jReference reference = noLangChain4j ? null : LangChain4jReference.load(preset.id()).orElse(null);
        if (reference != null) {
            reference.embedAll(inputs.subList(0, Math.min(64, inputs.size()))); // warm-up
            contestants.add(new Contestant(reference.name(), () -> reference.embedAll(inputs), new ArrayList<>(), new ArrayList<>()));
        } else if (!noLangChain4j) {
            System.out.println("LangChain4j ships no in-process class for " + preset.id() + ": comparison skipped.");
        }

        System.out.println();
        // CPU seconds show the work done whatever else runs on the machine; wall seconds include waiting for a core.
        System.out.println("| round | embedder | seconds | CPU seconds | texts/s | tokens/s | peak RSS during run |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int round = 0; round < rounds; round++) {
            // Each round starts with the next contestant, so a drift in machine load favours no one.
            for (int turn = 0; turn < contestants.size(); turn++) {
                Contestant c = contestants.get((round + turn) % contestants.size());
                resetPeak();
                long cpuStart = cpuNanos();
                long start = System.nanoTime();
                c.run().run();
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpu = (cpuNanos() - cpuStart) / 1e9;
                c.rates().add(texts.size() / seconds);
                c.cpuSeconds().add(cpu);
                System.out.printf(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.0f | %.0f | %s |%n", round + 1, c.name(), seconds, cpu,
                        texts.size() / seconds, realTokens / seconds, mib(peakRss()));
            }
        }
        System.out.println();
        Contestant reference4j = reference != null ? contestants.get(contestants.size() - 1) : null;
        for (Contestant c : contestants) {
            double median = median(c.rates());
            System.out.printf(Locale.ROOT, "median %s: %.0f texts/s, %.0f tokens/s%s%n", c.name(), median, median * realTokens / texts.size(),
                    reference4j != null && c != reference4j ? String.format(Locale.ROOT, " = %.2fx LangChain4j", median / median(reference4j.rates())) : "");
        }
        System.out.printf(Locale.ROOT, "process RSS: %s before loading, %s with semdex's model loaded and warm%n", mib(rssBefore), mib(rssOursLoaded));
        printFlopEstimate(preset, ours.lastLayerPruned(),
                median(contestants.get(0).rates()) * paddedTokens / texts.size(), paddedTokens, texts.size(),
                median(contestants.get(0).cpuSeconds()));

        if (sweep && ours.inProcess()) {
            sweep(preset, ours, texts, lengths);
        }
        extra.forEach(Embedder::close);
        ours.close();
        return 0;
    }

    private void sweep(ModelPreset preset, Embedder base, List<String> allTexts, int[] allLengths) {
        int n = sweepTexts > 0 ? Math.min(sweepTexts, allTexts.size()) : allTexts.size();
        List<String> texts = allTexts.subList(0, n);
        int[] lengths = Arrays.copyOf(allLengths, n);
        long realTokens = Arrays.stream(lengths).asLongStream().sum();
        List<Batching> points = new ArrayList<>();
        for (int size : batchSizes) {
            points.add(new Batching(size, Integer.MAX_VALUE));
        }
        for (int budget : tokenBudgets) {
            points.add(new Batching(256, budget));
        }
        // Rounds over all points, each round starting one point later, as in the comparison above.
        List<List<Double>> seconds = new ArrayList<>();
        points.forEach(p -> seconds.add(new ArrayList<>()));
        for (int round = 0; round < rounds; round++) {
            for (int turn = 0; turn < points.size(); turn++) {
                int i = (round + turn) % points.size();
                DjlEmbedder.Options options = new DjlEmbedder.Options("auto", Device.cpu(), points.get(i), 0, base.workers(), base.lastLayerPruned());
                try (DjlEmbedder embedder = DjlEmbedder.open(preset, options)) {
                    embedder.embedDocuments(texts.subList(0, Math.min(64, texts.size())));
                    long start = System.nanoTime();
                    embedder.embedDocuments(texts);
                    seconds.get(i).add((System.nanoTime() - start) / 1e9);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nSweep: %d texts, %d workers, median of %d alternating rounds%n%n", n, base.workers(), rounds);
        System.out.println("| max batch | token budget | batches | padded tokens | seconds | texts/s | tokens/s |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int i = 0; i < points.size(); i++) {
            Batching batching = points.get(i);
            double median = median(seconds.get(i));
            System.out.printf(Locale.ROOT, "| %d | %s | %d | %d | %.2f | %.0f | %.0f |%n", batching.maxBatchSize(),
                    batching.tokenBudget() == Integer.MAX_VALUE ? "none" : Integer.toString(batching.tokenBudget()),
                    batching.plan(lengths).size(), padded(batching, lengths), median, n / median, realTokens / median);
        }
        System.out.printf("(default batching: %d texts / %d tokens)%n", base.batching().maxBatchSize(), base.batching().tokenBudget());
    }

    private static long padded(Batching batching, int[] lengths) {
        long total = 0;
        for (int[] batch : batching.plan(lengths)) {
            total += (long) batch.length * lengths[batch[0]];
        }
        return total;
    }

    private static void printFlopEstimate(ModelPreset preset, boolean pruned, double paddedTokensPerSecond, long paddedTokens, int texts,
            double cpuSeconds) {
        Architecture arch = architecture(preset.id());
        if (arch == null) {
            return;
        }
        double avgLen = paddedTokens / (double) texts;
        double perToken = arch.flopsPerToken(avgLen, pruned);
        double flops = perToken * paddedTokensPerSecond;
        int cores = Runtime.getRuntime().availableProcessors();
        double ghz = cpuGhz();
        int perCycle = cpuFlag("avx512f") ? 64 : cpuFlag("avx2") ? 32 : 16;
        double peak = cores * ghz * 1e9 * perCycle;
        System.out.printf(Locale.ROOT, "FLOPs: %.1f MFLOP per token (%d layers x %d wide, FFN %d, ~%.0f tokens per padded row%s) x %.0f padded"
                        + " tokens/s = %.1f GFLOP/s; fp32 peak of %d cores at %.2f GHz x %d FLOP/cycle = %.0f GFLOP/s: %.0f%% of peak%n",
                perToken / 1e6, arch.layers(), arch.hidden(), arch.ffn(), avgLen,
                pruned ? String.format(Locale.ROOT, "; last layer pruned, the whole model would be %.1f", arch.flopsPerToken(avgLen, false) / 1e6) : "",
                paddedTokensPerSecond, flops / 1e9, cores, ghz, perCycle, peak / 1e9, 100 * flops / peak);
        // Per CPU second: what the cores did while this process had them, independent of other load.
        double perCoreSecond = perToken * paddedTokens / cpuSeconds;
        double corePeak = peak / cores;
        System.out.printf(Locale.ROOT, "per CPU second: %.1f GFLOP in %.1f CPU s per run = %.0f%% of one core's %.0f GFLOP/s peak%n",
                perCoreSecond / 1e9, cpuSeconds, 100 * perCoreSecond / corePeak, corePeak / 1e9);
    }

    /** CPU time of the whole process (all threads), in nanoseconds. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Resets the kernel's peak-RSS mark (VmHWM) and the JVM's heap peaks, so the next reading covers one run. */
    private static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux: the peak then covers the whole process
        }
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Peak resident memory of this process since the last reset, in bytes; -1 where unknown. */
    private static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "n/a" : (bytes >> 20) + " MiB";
    }

    private static double cpuGhz() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("cpu MHz")) {
                    return Double.parseDouble(line.substring(line.indexOf(':') + 1).strip()) / 1000;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return 2.0;
    }

    private static boolean cpuFlag(String flag) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    return Arrays.asList(line.substring(line.indexOf(':') + 1).strip().split(" ")).contains(flag);
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return false;
    }
}
