package io.semdex.ingest;

import io.semdex.core.DocumentJson;
import io.semdex.core.IndexOptions;
import io.semdex.core.TextAnalysis;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The options of the job's main class ({@link IngestMain}), from {@code --key value} arguments
 * (read by picocli, like the {@code semdex} command) and, with {@code --config FILE}, a properties
 * file of the same keys (arguments win). Every value is checked here, and a bad one is reported
 * with its key.
 *
 * <pre>
 * flink run -d semdex-ingest-job-job.jar --bootstrap kafka:9092 --index /data/index --parallelism 2
 * </pre>
 */
public record IngestOptions(Mode mode, IngestJobConfig job, String checkpoints, String jobName, int keepGenerations,
        boolean allowFiniteRetention, boolean allowShrink) {

    /**
     * STREAM: the streaming job into the live generation. BATCH: build gen-N+1 up to the topic's end
     * offsets and switch to it. HANDOFF: build it the same way and mark it READY with those offsets
     * instead. CATCH_UP: the streaming job into the newest READY generation from its offsets, with
     * that generation's model and shard count; switch to it with {@code semdex switch} once it has
     * caught up.
     */
    public enum Mode { STREAM, BATCH, HANDOFF, CATCH_UP }

    /** Every key and what it means; the order is the order of {@link #usage()}. */
    static final Map<String, String> KEYS = keys();
    /** Keys that are flags: {@code --key} alone means true ({@code --key false}, or {@code key=false} in the file, says no). */
    static final java.util.Set<String> FLAGS = java.util.Set.of("allow-finite-retention", "allow-shrink");

    private static Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("bootstrap", "Kafka bootstrap servers, HOST:PORT[,HOST:PORT] (required)");
        keys.put("index", "index root on a filesystem every TaskManager and query replica shares (required)");
        keys.put("topic", "input topic (default " + IngestJobConfig.DEFAULT_TOPIC + "); its interactive lane TOPIC.interactive, where the HTTP"
                + " API writes, is read too, and created when missing");
        keys.put("dlq-topic", "dead-letter topic (default TOPIC.dlq)");
        keys.put("group-id", "Kafka consumer group for committed offsets (default semdex-ingest)");
        keys.put("model", "embedding model spec, e.g. bge-small-zh-v1.5 or 'qwen3-embedding-4b?dir=/models/q4&device=cuda' (default "
                + ModelPresets.DEFAULT + ")");
        keys.put("parallelism", "subtasks of the embed and sink stages = shards of the index (default 1)");
        keys.put("checkpoint-interval", "e.g. 500ms, 1s, 1min (default 1s; streaming only)");
        keys.put("checkpoints", "checkpoint storage URI, e.g. file:///data/checkpoints or s3://bucket/cp (default: the cluster's)");
        keys.put("mode", "stream, batch, handoff or catch-up (default stream); batch builds gen-N+1 up to the topic's end offsets,"
                + " then switches to it; handoff builds it and marks it READY instead; catch-up streams into the newest READY"
                + " generation from the offsets it was built up to, with its model and shard count (then: semdex switch)");
        keys.put("quantization", "vectors of a new generation: none, int8 or int4 (default none)");
        keys.put("max-unit-tokens", "unit budget in tokens of the model's tokenizer (default " + Splitter.DEFAULT_MAX_TOKENS + ")");
        keys.put("keep", "generations kept on disk after a batch switch (default 2)");
        keys.put("job-name", "Flink job name (default 'semdex ingest' / 'semdex reindex')");
        keys.put("allow-finite-retention", "run even when the topic would forget documents (not a compacted log, and a retention"
                + " time or size): a later reindex or model switch then rebuilds only what it still holds (default: refused)");
        keys.put("allow-shrink", "batch and handoff: switch in (or mark READY) a new generation even when it holds no document, or"
                + " fewer than half the live generation's (default: refused, exit code 3 or 4)");
        keys.put("config", "a properties file with any of these keys; arguments override it");
        return keys;
    }

    /**
     * The job jar's command line: every key of {@link #KEYS} as a {@code --key VALUE} option (or
     * {@code --key=VALUE}), and {@code -h}/{@code --help}. Values stay strings here; {@link #from(ParseResult)}
     * checks them, so a bad one is reported with its key whether it came from the arguments or {@code --config}.
     */
    static CommandLine commandLine() {
        CommandSpec spec = CommandSpec.create().name("flink run semdex-ingest-job-*-job.jar");
        spec.usageMessage()
                .description("Indexes the documents of a Kafka topic into a semdex index (see docs/cluster.md).")
                .footer("", "Every option may also be a key=value line of the --config file; arguments win.");
        KEYS.forEach((key, meaning) -> {
            OptionSpec.Builder option = OptionSpec.builder("--" + key).type(String.class).description(meaning);
            if (FLAGS.contains(key)) {
                option.paramLabel("true|false").arity("0..1").fallbackValue("true");
            } else {
                option.paramLabel(key.toUpperCase(Locale.ROOT).replace('-', '_'));
            }
            spec.addOption(option.build());
        });
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.").build());
        return new CommandLine(spec)
                .setExpandAtFiles(false) // a value such as an index path may start with '@'
                .setOverwrittenOptionsAllowed(true); // the last of a repeated option wins, as before picocli
    }

    /** The usage message that {@code --help} prints. */
    public static String usage() {
        return commandLine().getUsageMessage();
    }

    /**
     * Parses {@code --key value} / {@code --key=value} arguments.
     *
     * @throws IllegalArgumentException naming the bad key and what it accepts
     */
    public static IngestOptions parse(String... args) {
        return from(parseArgs(args));
    }

    /**
     * The arguments as picocli reads them.
     *
     * @throws IllegalArgumentException for an unknown option, a missing value or a stray argument
     */
    static ParseResult parseArgs(String... args) {
        try {
            return commandLine().parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(message(e), e);
        }
    }

    /** The arguments (over the {@code --config} file's keys) as options; {@code --help} is not looked at here. */
    static IngestOptions from(ParseResult parsed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (OptionSpec option : parsed.matchedOptions()) {
            if (!option.usageHelp()) {
                values.put(option.longestName().substring(2), option.getValue());
            }
        }
        Map<String, String> merged = new LinkedHashMap<>();
        if (values.containsKey("config")) {
            merged.putAll(readConfig(Path.of(values.get("config"))));
        }
        merged.putAll(values);
        return from(merged);
    }

    /** Picocli's complaint in the words of the rest of this class: the key, and what it accepts. */
    private static String message(ParameterException e) {
        String known = String.join(", ", new TreeSet<>(KEYS.keySet()));
        if (e instanceof UnmatchedArgumentException unmatched && unmatched.isUnknownOption()) {
            String name = unmatched.getUnmatched().getFirst();
            int eq = name.indexOf('=');
            return "unknown argument " + (eq > 0 ? name.substring(0, eq) : name) + "; known: " + known;
        }
        if (e instanceof UnmatchedArgumentException unmatched) {
            return "expected --key value, got '" + unmatched.getUnmatched().getFirst() + "'";
        }
        if (e instanceof MissingParameterException missing && missing.getMissing().getFirst() instanceof OptionSpec option) {
            return option.longestName() + " needs a value";
        }
        return e.getMessage();
    }

    private static Map<String, String> readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + file + " is not a file");
        }
        Properties props = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config " + file + " cannot be read: " + e.getMessage(), e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : props.stringPropertyNames()) {
            if (key.equals("config")) {
                throw new IllegalArgumentException("--config " + file + ": a config file cannot name another (key 'config')");
            }
            if (!KEYS.containsKey(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "' in " + file + "; known: "
                        + String.join(", ", new TreeSet<>(KEYS.keySet())));
            }
            values.put(key, props.getProperty(key).strip());
        }
        return values;
    }

    private static IngestOptions from(Map<String, String> v) {
        String bootstrap = required(v, "bootstrap");
        Path index = Path.of(required(v, "index")).toAbsolutePath().normalize();
        String topic = v.getOrDefault("topic", IngestJobConfig.DEFAULT_TOPIC);
        if (topic.isBlank()) {
            throw new IllegalArgumentException("--topic must not be empty");
        }
        EmbedderSpec model;
        try {
            model = EmbedderSpec.parse(v.getOrDefault("model", ModelPresets.DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
        int parallelism = intAtLeast(v, "parallelism", 1, 1);
        int maxUnitTokens = intAtLeast(v, "max-unit-tokens", Splitter.DEFAULT_MAX_TOKENS, 8);
        int keep = intAtLeast(v, "keep", 2, 1);
        Duration interval = duration(v, "checkpoint-interval", Duration.ofSeconds(1));
        if (interval.toMillis() < 100) {
            throw new IllegalArgumentException("--checkpoint-interval must be at least 100ms, got '" + v.get("checkpoint-interval") + "'");
        }
        Mode mode = switch (v.getOrDefault("mode", "stream").toLowerCase(Locale.ROOT)) {
            case "stream", "streaming" -> Mode.STREAM;
            case "batch" -> Mode.BATCH;
            case "handoff" -> Mode.HANDOFF;
            case "catch-up", "catchup" -> Mode.CATCH_UP;
            default -> throw new IllegalArgumentException("--mode must be stream, batch, handoff or catch-up, got '" + v.get("mode") + "'");
        };
        IndexOptions indexOptions;
        try {
            indexOptions = IndexOptions.DEFAULT.withQuantization(v.getOrDefault("quantization", "none"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--quantization: " + e.getMessage(), e);
        }
        String checkpoints = v.containsKey("checkpoints") ? checkpointUri(v.get("checkpoints")) : null;
        String jobName = v.getOrDefault("job-name", mode == Mode.STREAM || mode == Mode.CATCH_UP ? "semdex ingest" : "semdex reindex");
        IngestJobConfig job = new IngestJobConfig(bootstrap, topic, v.get("dlq-topic"), v.get("group-id"), index, model,
                TextAnalysis.DEFAULT, parallelism, interval, DocumentJson.DEFAULT_MAX_BYTES, maxUnitTokens, indexOptions);
        return new IngestOptions(mode, job, checkpoints, jobName, keep, flag(v, "allow-finite-retention"), flag(v, "allow-shrink"));
    }

    private static boolean flag(Map<String, String> v, String key) {
        String text = v.get(key);
        if (text == null) {
            return false;
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--" + key + " is a flag: give it alone, or with true or false; got '" + text + "'");
        };
    }

    private static String required(Map<String, String> v, String key) {
        String value = v.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + key + " is required: " + KEYS.get(key));
        }
        return value.strip();
    }

    private static int intAtLeast(Map<String, String> v, String key, int otherwise, int min) {
        String text = v.get(key);
        if (text == null) {
            return otherwise;
        }
        try {
            int value = Integer.parseInt(text.strip());
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + key + " must be an integer >= " + min + ", got '" + text + "'");
    }

    private static Duration duration(Map<String, String> v, String key, Duration otherwise) {
        String text = v.get(key);
        if (text == null) {
            return otherwise;
        }
        try {
            return TimeUtils.parseDuration(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("--" + key + " must be a duration such as 500ms, 2s or 1min, got '" + text + "'");
        }
    }

    /** An absolute path becomes a file:// URI; anything else must be a URI with a scheme Flink knows. */
    private static String checkpointUri(String text) {
        if (text.startsWith("/")) {
            return Path.of(text).toUri().toString();
        }
        try {
            URI uri = new URI(text);
            boolean absoluteFile = uri.getPath() != null && uri.getPath().startsWith("/");
            if (uri.getScheme() != null && (!uri.getScheme().equals("file") || absoluteFile)) {
                return text;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new IllegalArgumentException("--checkpoints must be an absolute path or a URI such as file:///data/checkpoints"
                + " or s3://bucket/checkpoints, got '" + text + "'");
    }
}
