package io.semdex.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone Flink session cluster of real processes, started with {@code bin/semdex-flink} from
 * the distribution this module builds ({@code target/flink}): the commands the Docker images run.
 * Each process logs to {@code logs/NAME.log} under the work directory; {@link #close()} kills
 * whatever is still running.
 */
final class StandaloneCluster implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dist;
    private final Path work;
    private final Path conf;
    private final Path logs;
    private final int restPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private int stops;

    /**
     * Writes {@code conf/config.yaml} under {@code work}: loopback addresses, free ports, small
     * memory sizes, one slot per TaskManager with one (discovered) GPU each, fast failure detection,
     * a fixed-delay restart strategy and checkpoints under {@code work/checkpoints}.
     */
    StandaloneCluster(Path dist, Path work) throws IOException {
        this.dist = dist;
        this.work = work;
        this.conf = work.resolve("conf");
        this.logs = work.resolve("logs");
        Files.createDirectories(conf);
        Files.createDirectories(logs);
        Files.createDirectories(work.resolve("tmp"));
        this.restPort = freePort();
        Path discovery = dist.resolve("plugins/external-resource-gpu/nvidia-gpu-discovery.sh");
        // Maven's resource copy drops the executable bit; Flink runs the script only when it is executable.
        discovery.toFile().setExecutable(true);
        dist.resolve("plugins/external-resource-gpu/gpu-discovery-common.sh").toFile().setExecutable(true);
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", Integer.toString(freePort()));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("jobmanager.memory.process.size", "1024m");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", Integer.toString(restPort));
        // As the shipped config.yaml: jobs come through the CLI (semdex-flink run), never as uploads to the web UI.
        c.put("web.submit.enable", "false");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.numberOfTaskSlots", "1");
        c.put("taskmanager.memory.process.size", "1536m");
        // Streaming keeps state on the heap; a BATCH job (--mode batch) sorts keyed input in managed memory.
        c.put("taskmanager.memory.managed.size", "128m");
        c.put("taskmanager.memory.jvm-metaspace.size", "384m");
        c.put("heartbeat.interval", "1000");
        c.put("heartbeat.timeout", "10000");
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "100");
        c.put("restart-strategy.fixed-delay.delay", "1 s");
        c.put("state.backend.type", "hashmap");
        // DJL and ONNX Runtime come from lib/: one copy of their native libraries for every job on a TaskManager.
        c.put("classloader.parent-first-patterns.additional", "ai.djl.;ai.onnxruntime.");
        c.put("execution.checkpointing.dir", work.resolve("checkpoints").toUri().toString());
        c.put("io.tmp.dirs", work.resolve("tmp").toString());
        c.put("external-resources", "gpu");
        c.put("external-resource.gpu.amount", "1");
        c.put("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory");
        c.put("external-resource.gpu.param.discovery-script.path", discovery.toString());
        StringBuilder yaml = new StringBuilder("# written by StandaloneCluster for one test run\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(v.contains(":") || v.contains(" ") ? "'" + v + "'" : v).append('\n'));
        Files.writeString(conf.resolve("config.yaml"), yaml);
        Files.copy(dist.resolve("conf/log4j2.properties"), conf.resolve("log4j2.properties"));
    }

    String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    Path logFile(String name) {
        return logs.resolve(name + ".log");
    }

    /** Starts the JobManager and waits for its REST endpoint. */
    void startJobManager() throws Exception {
        start("jobmanager", Map.of(), "jobmanager");
        awaitUntil(Duration.ofSeconds(90), "JobManager REST endpoint", () -> get("/overview") != null);
    }

    /** Starts a TaskManager whose GPU discovery reports {@code gpuIndex}. */
    void startTaskManager(String name, String gpuIndex) throws IOException {
        start(name, Map.of("SEMDEX_GPU_INDEXES", gpuIndex), "taskmanager");
    }

    /** Waits until {@code count} TaskManagers are registered. */
    void awaitTaskManagers(int count, Duration timeout) throws Exception {
        awaitUntil(timeout, count + " TaskManagers", () -> {
            JsonNode overview = get("/overview");
            return overview != null && overview.path("taskmanagers").asInt() >= count;
        });
    }

    /** kill -9. */
    void kill(String name) throws InterruptedException {
        Process p = processes.get(name);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Runs {@code semdex-flink run -d JAR ARGS} (Flink's CLI front end) and returns the job id it
     * printed.
     */
    String submit(Path jobJar, List<String> args) throws Exception {
        return run("client", true, jobJar, args);
    }

    /**
     * Runs {@code semdex-flink run -d -s SAVEPOINT JAR ARGS} as process {@code name}: the job resumed
     * from a savepoint. Returns the job id it printed.
     */
    String submitFromSavepoint(String name, String savepointPath, Path jobJar, List<String> args) throws Exception {
        List<String> all = new ArrayList<>(List.of("-s", savepointPath));
        all.add(jobJar.toString());
        all.addAll(args);
        return runCli(name, true, all);
    }

    /**
     * Runs {@code semdex-flink run [-d] JAR ARGS} as process {@code name}; attached, it returns when
     * the job has finished. Returns the job id.
     */
    String run(String name, boolean detached, Path jobJar, List<String> args) throws Exception {
        List<String> all = new ArrayList<>(List.of(jobJar.toString()));
        all.addAll(args);
        return runCli(name, detached, all);
    }

    /** {@code semdex-flink run [-d] ARGS}; returns the job id it printed. */
    private String runCli(String name, boolean detached, List<String> args) throws Exception {
        List<String> command = new ArrayList<>(detached ? List.of("run", "-d") : List.of("run"));
        command.addAll(args);
        Process client = start(name, Map.of(), command.toArray(String[]::new));
        if (!client.waitFor(300, TimeUnit.SECONDS)) {
            client.destroyForcibly();
            throw new IllegalStateException("flink run did not return within 300 s; see " + logFile(name));
        }
        String out = Files.readString(logFile(name));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        if (client.exitValue() != 0 || !m.find()) {
            throw new IllegalStateException("flink run failed (exit " + client.exitValue() + "):\n" + out);
        }
        return m.group(1);
    }

    /**
     * Runs {@code semdex-flink stop --savepointPath DIR JOB_ID} (Flink's CLI front end) as process
     * {@code client-stop-N}, waits until the job is FINISHED, and returns the savepoint path the CLI
     * printed ({@code Savepoint completed. Path: …}) together with the lines the CLI printed.
     */
    Stopped stopWithSavepoint(String jobId, String savepointDir) throws Exception {
        String name = "client-stop-" + (++stops);
        Process client = start(name, Map.of(), "stop", "--savepointPath", savepointDir, jobId);
        if (!client.waitFor(300, TimeUnit.SECONDS)) {
            client.destroyForcibly();
            throw new IllegalStateException("flink stop did not return within 300 s; see " + logFile(name));
        }
        String out = Files.readString(logFile(name));
        Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(out);
        if (client.exitValue() != 0 || !m.find()) {
            throw new IllegalStateException("flink stop failed (exit " + client.exitValue() + "):\n" + out);
        }
        awaitUntil(Duration.ofSeconds(120), "job " + jobId + " FINISHED", () -> "FINISHED".equals(state(jobId)));
        // What the CLI prints itself; its log lines (timestamped), stack traces and JVM warnings are left out.
        List<String> cliLines = out.lines()
                .filter(line -> !line.isBlank() && !line.matches("\\d{2}:\\d{2}:\\d{2},\\d{3} .*")
                        && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("WARNING") && !line.startsWith("java."))
                .toList();
        return new Stopped(m.group(1), cliLines);
    }

    /** A stopped job: the savepoint path as the CLI printed it and the lines the CLI printed. */
    record Stopped(String savepointPath, List<String> cliOutput) {}

    /** Whether the job is RUNNING with every vertex RUNNING. */
    boolean allRunning(String jobId) throws Exception {
        return Boolean.TRUE.equals(runningOrUnknown(jobId));
    }

    /** As {@link #allRunning}, or null when the REST endpoint did not answer. */
    Boolean runningOrUnknown(String jobId) throws Exception {
        JsonNode job = get("/jobs/" + jobId);
        if (job == null) {
            return null;
        }
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!"RUNNING".equals(vertex.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    String state(String jobId) throws Exception {
        JsonNode job = get("/jobs/" + jobId);
        return job == null ? "UNKNOWN" : job.path("state").asText();
    }

    long restarts(String jobId) throws Exception {
        JsonNode metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts");
        if (metrics != null && metrics.isArray() && !metrics.isEmpty()) {
            return Long.parseLong(metrics.get(0).path("value").asText("0"));
        }
        return 0;
    }

    long completedCheckpoints(String jobId) throws Exception {
        JsonNode checkpoints = get("/jobs/" + jobId + "/checkpoints");
        return checkpoints == null ? 0 : checkpoints.path("counts").path("completed").asLong();
    }

    /** Cancels the job and waits until it is CANCELED. */
    void cancelAndWait(String jobId) throws Exception {
        cancel(jobId);
        awaitUntil(Duration.ofSeconds(60), "job " + jobId + " CANCELED", () -> "CANCELED".equals(state(jobId)));
    }

    void cancel(String jobId) {
        try {
            http.send(HttpRequest.newBuilder(URI.create(restUrl() + "/jobs/" + jobId + "?mode=cancel"))
                    .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (Exception e) {
            // the processes are killed next anyway
        }
    }

    /** GET a REST path as JSON; null when the endpoint does not answer 200. */
    JsonNode get(String path) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    private Process start(String name, Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", dist.resolve("bin/semdex-flink").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(name).toFile()));
        builder.environment().put("FLINK_CONF_DIR", conf.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.put(name, process);
        return process;
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void awaitUntil(Duration timeout, String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
    }

    @Override
    public void close() {
        // TaskManagers and clients first, the JobManager last; each by its own process handle.
        List<Map.Entry<String, Process>> reversed = new ArrayList<>(processes.entrySet());
        java.util.Collections.reverse(reversed);
        for (var entry : reversed) {
            Process p = entry.getValue();
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(15, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
