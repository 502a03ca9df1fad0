package io.semdex.app.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a process's CPU time goes during one measured run, by thread: every Java thread's CPU time
 * is read every {@value #SAMPLE_MILLIS} ms (so that threads which end during the run, such as a batch
 * job's tasks, are counted up to their last reading), and pools count as one ({@code
 * semdex-embed-… #1, #2} → one line). What the JVM's threads do not account for is the rest of the
 * process: garbage collection, the JIT, native thread pools. async-profiler 2.9, which Flink brings
 * onto the class path, crashes the JVM on JDK 25 when it stops, so thread CPU time it is.
 *
 * <pre>{@code
 * CpuProfile profile = CpuProfile.start();
 * runTheJob();
 * CpuProfile.Breakdown where = profile.stop();
 * }</pre>
 */
final class CpuProfile {

    static final long SAMPLE_MILLIS = 200;
    /** The line for CPU time no Java thread accounts for. */
    static final String OUTSIDE_JAVA_THREADS = "(GC, JIT, native threads)";

    /**
     * CPU seconds per thread group and of the whole process during the run, and the seconds the JVM
     * reports for compiling ({@code jitSeconds}) and collecting garbage ({@code gcSeconds}): elapsed
     * time of threads that are not Java threads, the best reading there is of what the
     * {@value #OUTSIDE_JAVA_THREADS} line holds.
     */
    record Breakdown(double processSeconds, Map<String, Double> threads, double jitSeconds, double gcSeconds) {

        double share(String group) {
            return processSeconds == 0 ? 0 : threads.getOrDefault(group, 0.0) / processSeconds;
        }

        /** The CPU seconds of each {@link Component}, in the enum's order: the JIT and GC from the JVM, capped by what no Java thread holds. */
        Map<Component, Double> components() {
            Map<Component, Double> by = new EnumMap<>(Component.class);
            for (Component c : Component.values()) {
                by.put(c, 0.0);
            }
            threads.forEach((group, seconds) -> {
                if (!group.equals(OUTSIDE_JAVA_THREADS)) {
                    by.merge(Component.of(group), seconds, Double::sum);
                }
            });
            double outside = threads.getOrDefault(OUTSIDE_JAVA_THREADS, 0.0);
            double jit = Math.min(jitSeconds, outside);
            double gc = Math.min(gcSeconds, outside - jit);
            by.put(Component.JIT, jit);
            by.put(Component.GC, gc);
            by.merge(Component.OTHER, outside - jit - gc, Double::sum);
            return by;
        }
    }

    /** What a thread works for, told by its name: the lines of the bench's summary of a run. */
    enum Component {
        MODEL("model calls"),
        TASKS("the job's tasks (parse, split, the embed stage's thread, the Lucene writer)"),
        CHECKPOINTS("checkpoints (state snapshots, in-flight data)"),
        KAFKA("Kafka (the broker, producers, the sources' fetchers)"),
        FLINK("Flink's runtime (RPC, scheduling, coordinators)"),
        MERGES("Lucene segment merges"),
        HTTP("HTTP (the query service, the bench's freshness probes)"),
        DRIVER("the bench's own thread (producing, waiting)"),
        JIT("JIT compilation (the JVM's figure)"),
        GC("garbage collection (the JVM's figure)"),
        OTHER("other");

        final String label;

        Component(String label) {
            this.label = label;
        }

        static Component of(String group) {
            if (group.startsWith("semdex-embed")) {
                return MODEL;
            }
            if (group.startsWith("AsyncOperations") || group.startsWith("Channel state writer") || group.startsWith("jobmanager-io")
                    || group.startsWith("Checkpoint Timer") || group.startsWith("flink-operator-serialization-io")) {
                return CHECKPOINTS;
            }
            if (group.startsWith("Source Data Fetcher") || group.contains("kafka") || group.startsWith("broker-")
                    || group.startsWith("controller-") || group.startsWith("quorum-") || group.startsWith("group-coordinator")
                    || group.startsWith("transaction-log") || group.startsWith("executor-") || group.startsWith("log-closing")
                    || group.startsWith("client-metrics")) {
                return KAFKA;
            }
            if (group.startsWith("Lucene Merge")) {
                return MERGES;
            }
            if (group.startsWith("semdex-http") || group.startsWith("HttpClient") || group.startsWith("bench-fresh")
                    || group.startsWith("semdex-index-refresh")) {
                return HTTP;
            }
            if (group.equals("main")) {
                return DRIVER;
            }
            if (group.contains(" -> ") || group.startsWith("Source: ") || group.startsWith("embed: ")) {
                return TASKS;
            }
            if (group.startsWith("flink-") || group.contains("pekko") || group.startsWith("jobmanager") || group.startsWith("mini-cluster")
                    || group.startsWith("SourceCoordinator") || group.startsWith("Time Trigger") || group.startsWith("metrics-")) {
                return FLINK;
            }
            return OTHER;
        }
    }

    private record Reading(String name, long nanos) {}

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final Map<Long, Reading> first = new ConcurrentHashMap<>();
    private final Map<Long, Reading> last = new ConcurrentHashMap<>();
    private final long processStart;
    private final long jitStart;
    private final long gcStart;
    private final Thread sampler;
    private volatile boolean running = true;

    private CpuProfile() {
        if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        processStart = processCpuNanos();
        jitStart = jitMillis();
        gcStart = gcMillis();
        read(first);
        sampler = Thread.ofPlatform().daemon().name("bench-cpu-profile").start(() -> {
            while (running) {
                read(last);
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static CpuProfile start() {
        return new CpuProfile();
    }

    Breakdown stop() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join();
        read(last);
        double processSeconds = (processCpuNanos() - processStart) / 1e9;
        Map<Long, Reading> end = new HashMap<>(last);
        Map<String, Double> threads = new TreeMap<>();
        double inThreads = 0;
        for (Map.Entry<Long, Reading> e : end.entrySet()) {
            Reading before = first.get(e.getKey());
            double seconds = (e.getValue().nanos() - (before == null ? 0 : before.nanos())) / 1e9;
            if (seconds > 0) {
                threads.merge(group(e.getValue().name()), seconds, Double::sum);
                inThreads += seconds;
            }
        }
        threads.put(OUTSIDE_JAVA_THREADS, Math.max(0, processSeconds - inThreads));
        return new Breakdown(processSeconds, threads, (jitMillis() - jitStart) / 1e3, (gcMillis() - gcStart) / 1e3);
    }

    private void read(Map<Long, Reading> into) {
        long[] ids = mx.getAllThreadIds();
        ThreadInfo[] infos = mx.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            long nanos = mx.getThreadCpuTime(ids[i]);
            if (nanos >= 0 && infos[i] != null) {
                into.put(ids[i], new Reading(infos[i].getThreadName(), nanos));
            }
        }
    }

    /** A thread's name without its number in a pool or its Flink subtask index and attempt: one line per pool or operator chain. */
    static String group(String threadName) {
        String name = threadName.replaceAll("\\s*\\(\\d+/\\d+\\)(#\\d+)?", "").replaceAll("[-#_ ]\\d+$", "").strip();
        return name.length() > 70 ? name.substring(0, 70) + "…" : name;
    }

    private static long jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Pauses and, for G1, its concurrent cycles ("G1 Concurrent GC"). */
    private static long gcMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
