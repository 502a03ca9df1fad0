package io.semdex.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import one.profiler.AsyncProfiler;
import one.profiler.Counter;

/**
 * Where a process's CPU time goes during one measured run, sampled by async-profiler (on the class
 * path through Flink) with the {@code itimer} event, which needs no perf-events permission. Samples
 * are split by thread and summed into {@link #PARTS}: the model's own inference, tokenizing, and the
 * pipeline around them.
 *
 * <pre>{@code
 * CpuProfile profile = CpuProfile.start();
 * runTheJob();
 * CpuProfile.Breakdown where = profile.stop(Path.of("stream.collapsed"));
 * }</pre>
 */
final class CpuProfile {

    /** Parts of the work, each recognised by a frame anywhere in the stack; the first that matches wins. */
    static final List<Part> PARTS = List.of(
            new Part("model inference (ONNX Runtime / PyTorch)", List.of("ai.onnxruntime", "libonnxruntime", "ai.djl.pytorch", "libtorch", "OrtSession")),
            new Part("tokenizing", List.of("ai.djl.huggingface", "libtokenizers", "tokenizers::")),
            new Part("parse and split", List.of("io.semdex.ingest.")),
            new Part("Lucene (sink, searches)", List.of("org.apache.lucene")),
            new Part("Kafka (broker, clients)", List.of("org.apache.kafka", "kafka.")),
            new Part("Flink runtime", List.of("org.apache.flink")),
            new Part("GC and JIT", List.of("GCTaskThread", "G1 ", "C2 CompilerThre", "C1 CompilerThre", "CompileBroker")));

    /** A part of the work and frame texts that mark it. */
    record Part(String name, List<String> markers) {}

    /** Samples per part (what no part claims is "other") and per thread, out of {@code total}. */
    record Breakdown(long total, Map<String, Long> parts, Map<String, Long> threads) {

        double share(String part) {
            return total == 0 ? 0 : parts.getOrDefault(part, 0L) / (double) total;
        }
    }

    private final AsyncProfiler profiler;

    private CpuProfile(AsyncProfiler profiler) {
        this.profiler = profiler;
    }

    /** Starts sampling every thread of this process every 10 ms of its CPU time; the samples of an earlier run are dropped. */
    static CpuProfile start() throws IOException {
        AsyncProfiler profiler = AsyncProfiler.getInstance();
        profiler.execute("start,event=itimer,interval=10ms,threads");
        return new CpuProfile(profiler);
    }

    /** Stops sampling, writes the collapsed stacks (one line per stack: frames;…;frames count) to {@code collapsed}, and sums them. */
    Breakdown stop(Path collapsed) throws IOException {
        profiler.stop();
        String stacks = profiler.dumpCollapsed(Counter.SAMPLES);
        if (collapsed != null) {
            Files.writeString(collapsed, stacks);
        }
        return summarize(stacks);
    }

    static Breakdown summarize(String collapsed) {
        long total = 0;
        Map<String, Long> parts = new LinkedHashMap<>();
        Map<String, Long> threads = new TreeMap<>();
        for (String line : collapsed.split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long samples;
            try {
                samples = Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            String stack = line.substring(0, space);
            total += samples;
            threads.merge(threadGroup(stack), samples, Long::sum);
            parts.merge(partOf(stack), samples, Long::sum);
        }
        return new Breakdown(total, parts, threads);
    }

    private static String partOf(String stack) {
        for (Part part : PARTS) {
            for (String marker : part.markers()) {
                if (stack.contains(marker)) {
                    return part.name();
                }
            }
        }
        return "other";
    }

    /** The thread's name without numbers and ids, so a pool's threads count as one: {@code [semdex-embed-calls … tid=12]}. */
    private static String threadGroup(String stack) {
        if (!stack.startsWith("[")) {
            return "(unknown)";
        }
        int end = stack.indexOf(']');
        String name = end < 0 ? stack : stack.substring(1, end);
        name = name.replaceAll("\\s*tid=\\d+", "").replaceAll("\\(\\d+/\\d+\\)#\\d+", "").replaceAll("[-#_ ]\\d+$", "").strip();
        return name.length() > 60 ? name.substring(0, 60) : name;
    }
}
