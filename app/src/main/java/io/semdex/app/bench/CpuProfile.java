package io.semdex.app.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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

    /** CPU seconds per thread group and of the whole process during the run. */
    record Breakdown(double processSeconds, Map<String, Double> threads) {

        double share(String group) {
            return processSeconds == 0 ? 0 : threads.getOrDefault(group, 0.0) / processSeconds;
        }
    }

    private record Reading(String name, long nanos) {}

    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final Map<Long, Reading> first = new ConcurrentHashMap<>();
    private final Map<Long, Reading> last = new ConcurrentHashMap<>();
    private final long processStart;
    private final Thread sampler;
    private volatile boolean running = true;

    private CpuProfile() {
        if (mx.isThreadCpuTimeSupported() && !mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        processStart = processCpuNanos();
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
        return new Breakdown(processSeconds, threads);
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

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
