package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestOptionsTest {

    @TempDir
    Path dir;

    @Test
    void argumentsFillTheJobConfigAndDefaultsTheRest() {
        IngestOptions options = IngestOptions.parse("--bootstrap", "kafka:9092", "--index", "/data/index", "--parallelism", "4",
                "--checkpoint-interval", "500ms", "--checkpoints", "/data/cp", "--topic=docs");
        assertThat(options.mode()).isEqualTo(IngestOptions.Mode.STREAM);
        assertThat(options.job().bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(options.job().indexRoot()).isEqualTo(Path.of("/data/index"));
        assertThat(options.job().parallelism()).isEqualTo(4);
        assertThat(options.job().checkpointInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.job().topic()).isEqualTo("docs");
        assertThat(options.job().deadLetterTopic()).isEqualTo("docs.dlq");
        assertThat(options.job().groupId()).isEqualTo("semdex-ingest");
        assertThat(options.checkpoints()).isEqualTo("file:///data/cp");
        assertThat(options.jobName()).isEqualTo("semdex ingest");
    }

    @Test
    void aConfigFileGivesTheSameKeysAndArgumentsOverrideIt() throws Exception {
        Path file = dir.resolve("job.properties");
        Files.writeString(file, "bootstrap=kafka:9092\nindex=/data/index\nparallelism=2\nmode=batch\ncheckpoints=s3://bucket/cp\n");
        IngestOptions options = IngestOptions.parse("--config", file.toString(), "--parallelism", "3");
        assertThat(options.job().parallelism()).isEqualTo(3);
        assertThat(options.mode()).isEqualTo(IngestOptions.Mode.BATCH);
        assertThat(IngestOptions.parse("--bootstrap", "k:9092", "--index", "/i", "--mode", "handoff").mode())
                .isEqualTo(IngestOptions.Mode.HANDOFF);
        assertThat(IngestOptions.parse("--bootstrap", "k:9092", "--index", "/i", "--mode", "catch-up").mode())
                .isEqualTo(IngestOptions.Mode.CATCH_UP);
        assertThat(options.checkpoints()).isEqualTo("s3://bucket/cp");
        assertThat(options.jobName()).isEqualTo("semdex reindex");
    }

    @Test
    void theOverridesAreFlagsOnTheCommandLineAndKeysInTheFile() throws Exception {
        String[] base = {"--bootstrap", "k:9092", "--index", "/i"};
        IngestOptions plain = IngestOptions.parse(base);
        assertThat(plain.allowFiniteRetention()).isFalse();
        assertThat(plain.allowShrink()).isFalse();
        IngestOptions flags = IngestOptions.parse(with(base, "--allow-finite-retention", "--allow-shrink", "--mode", "batch"));
        assertThat(flags.allowFiniteRetention()).isTrue();
        assertThat(flags.allowShrink()).isTrue();
        assertThat(flags.mode()).isEqualTo(IngestOptions.Mode.BATCH);
        assertThat(IngestOptions.parse(with(base, "--allow-shrink", "false")).allowShrink()).isFalse();
        Path file = dir.resolve("job.properties");
        Files.writeString(file, "bootstrap=k:9092\nindex=/i\nallow-finite-retention=true\n");
        assertThat(IngestOptions.parse("--config", file.toString()).allowFiniteRetention()).isTrue();
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--allow-shrink", "maybe"))).hasMessageContaining("--allow-shrink is a flag");
    }

    @Test
    void everyBadValueIsReportedWithItsKey() throws Exception {
        String[] base = {"--bootstrap", "k:9092", "--index", "/i"};
        assertThatThrownBy(() -> IngestOptions.parse("--index", "/i")).hasMessageContaining("--bootstrap is required");
        assertThatThrownBy(() -> IngestOptions.parse("--bootstrap", "k:9092")).hasMessageContaining("--index is required");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--parallelism", "0"))).hasMessageContaining("--parallelism must be an integer >= 1, got '0'");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--parallelism", "two"))).hasMessageContaining("--parallelism");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--checkpoint-interval", "soon"))).hasMessageContaining("--checkpoint-interval");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--checkpoint-interval", "10ms"))).hasMessageContaining("at least 100ms");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--mode", "micro"))).hasMessageContaining("--mode must be stream, batch, handoff or catch-up");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--model", "gpt-9"))).hasMessageContaining("--model").hasMessageContaining("gpt-9");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--quantization", "int3"))).hasMessageContaining("--quantization");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--checkpoints", "relative/dir"))).hasMessageContaining("--checkpoints");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--paralelism", "2"))).hasMessageContaining("unknown argument --paralelism");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--topic"))).hasMessageContaining("--topic needs a value");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--topic", "--mode", "batch"))).hasMessageContaining("--topic needs a value");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "stray"))).hasMessageContaining("expected --key value, got 'stray'");
        assertThatThrownBy(() -> IngestOptions.parse(with(base, "--paralelism=2"))).hasMessage(
                "unknown argument --paralelism; known: allow-finite-retention, allow-shrink, bootstrap, checkpoint-interval, checkpoints,"
                        + " config, dlq-topic, group-id, index, job-name, keep, max-unit-tokens, mode, model, parallelism, quantization, topic");
        Path file = dir.resolve("bad.properties");
        Files.writeString(file, "bootstrap=k:9092\nindx=/i\n");
        assertThatThrownBy(() -> IngestOptions.parse("--config", file.toString())).hasMessageContaining("unknown key 'indx'");
        assertThatThrownBy(() -> IngestOptions.parse("--config", dir.resolve("none").toString())).hasMessageContaining("is not a file");
    }

    @Test
    void helpPrintsEveryOptionAndExitsZero() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        IngestMain.Request request = IngestMain.read(new String[] {"--help"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(request.options()).isNull();
        assertThat(request.exitCode()).isZero();
        assertThat(err.toString()).isEmpty();
        for (String key : IngestOptions.KEYS.keySet()) {
            assertThat(out.toString()).contains("--" + key);
        }
        assertThat(out.toString()).contains("-h, --help").contains("(required)");
        assertThat(IngestMain.read(new String[] {"--bootstrap", "k:9092", "-h"}, new PrintWriter(out), new PrintWriter(err)).exitCode()).isZero();
    }

    @Test
    void anUnknownOptionIsOneLineWithAHintAndExitCodeTwo() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        IngestMain.Request request = IngestMain.read(new String[] {"--bootstrap", "k:9092", "--index", "/i", "--paralelism", "2"},
                new PrintWriter(out), new PrintWriter(err));
        assertThat(request.options()).isNull();
        assertThat(request.exitCode()).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().lines().toList()).containsExactly(
                "semdex ingest job: unknown argument --paralelism; known: allow-finite-retention, allow-shrink, bootstrap,"
                        + " checkpoint-interval, checkpoints, config, dlq-topic, group-id, index, job-name, keep, max-unit-tokens, mode, model,"
                        + " parallelism, quantization, topic",
                "Run with --help for the options.");
    }

    @Test
    void aBadValueIsOneLineNamingTheKeyAndExitCodeTwo() {
        StringWriter err = new StringWriter();
        IngestMain.Request request = IngestMain.read(new String[] {"--bootstrap", "k:9092", "--index", "/i", "--mode=micro"},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertThat(request.exitCode()).isEqualTo(2);
        assertThat(err.toString().lines().toList()).containsExactly(
                "semdex ingest job: --mode must be stream, batch, handoff or catch-up, got 'micro'", "Run with --help for the options.");
    }

    @Test
    void goodArgumentsGiveTheOptions() {
        IngestMain.Request request = IngestMain.read(new String[] {"--bootstrap", "k:9092", "--index", "/i", "--parallelism=2", "--parallelism", "3"},
                new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        assertThat(request.exitCode()).isZero();
        assertThat(request.options().job().parallelism()).as("the last of a repeated option wins").isEqualTo(3);
    }

    @Test
    void theJobSettingsRetainCheckpointsAndUseTheGivenStorage() {
        var settings = IngestMain.flinkSettings(IngestOptions.parse("--bootstrap", "k:9092", "--index", "/i", "--checkpoints", "file:///cp"));
        assertThat(settings.toMap()).containsEntry("execution.checkpointing.dir", "file:///cp")
                .containsEntry("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
    }

    @Test
    void aCatchUpWithoutAReadyGenerationSaysHowToBuildOne() {
        String index = dir.resolve("index").toString();
        assertThatThrownBy(() -> IngestMain.main(new String[] {"--bootstrap", "k:9092", "--index", index, "--mode", "catch-up"}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no generation above the live one is marked READY")
                .hasMessageContaining("--mode handoff");
    }

    private static String[] with(String[] base, String... more) {
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
