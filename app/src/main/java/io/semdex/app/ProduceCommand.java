package io.semdex.app;

import io.semdex.core.DocumentJson;
import io.semdex.core.Lane;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.IngestJobConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code semdex produce PATH}: produces an export (a JSONL file, or a directory of JSONL, JSON,
 * HTML, Markdown and text files) to the input topic, keyed by document id, with a progress bar on
 * stderr and a summary of what was sent, skipped and failed; with {@code --interactive}, to the
 * interactive lane's topic instead.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Produces documents to Kafka: a JSONL file (one document per line), or a directory of",
                "JSONL / JSON / HTML / Markdown / text files. A document without an id gets its path as id;",
                "a file's extension gives its format. Records that break the input contract are reported",
                "and not sent (unless --send-invalid)."})
public final class ProduceCommand implements Callable<Integer> {

    private static final int MAX_REASONS_SHOWN = 20;

    @Parameters(paramLabel = "PATH", description = "A JSONL file, or a directory of document files.")
    Path path;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: the running local demo's, from --data DIR or the file it records itself in).")
    String bootstrap;

    @Option(names = "--data", paramLabel = "DIR", description = "Without --bootstrap: the data directory of the `semdex demo --data DIR` to send to.")
    Path data;

    /** Where a running demo records its address; a field so tests can point it elsewhere. */
    Path wellKnownAddress = DemoAddress.wellKnownFile();

    @Option(names = "--topic", defaultValue = IngestJobConfig.DEFAULT_TOPIC, description = "Input topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--interactive", description = "Send to the interactive lane (TOPIC.interactive, where the HTTP API writes): a few"
            + " documents someone waits for, indexed ahead of any bulk load in progress. Leave it off for bulk loads.")
    boolean interactive;

    @Mixin
    ExportOptions exportOptions = new ExportOptions();

    @Option(names = "--send-invalid", description = "Send records that break the input contract as they are: the ingest job dead-letters them.")
    boolean sendInvalid;

    @Option(names = "--dry-run", description = "Read and check everything, send nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        if (bootstrap == null && !dryRun) {
            bootstrap = localDemo(err);
            if (bootstrap == null) {
                return 2;
            }
        }
        if (interactive) {
            topic = Lane.INTERACTIVE.topic(topic);
        }
        ExportFiles export = ExportFiles.scan(path, exportOptions.toOptions());
        long total = export.countRecords();
        AtomicLong sent = new AtomicLong();
        List<String> failed = Collections.synchronizedList(new ArrayList<>());
        ProgressBar progress = new ProgressBar(err, total);

        if (!dryRun) {
            String problem = topicProblem();
            if (problem != null) {
                err.println("Cannot produce to topic '" + topic + "' at " + bootstrap + ": " + problem);
                err.println("Is Kafka running there (semdex demo prints its address), and does the topic exist?");
                err.flush();
                return 2;
            }
        }
        try (KafkaProducer<byte[], byte[]> producer = dryRun ? null : producer(bootstrap)) {
            export.read(record -> {
                if (!record.valid() && !sendInvalid) {
                    failed.add(record.origin() + ": " + record.error());
                    progress.advance();
                    return;
                }
                if (producer == null) {
                    sent.incrementAndGet();
                    progress.advance();
                    return;
                }
                producer.send(new ProducerRecord<>(topic, record.key(), record.value()), (metadata, exception) -> {
                    if (exception == null) {
                        sent.incrementAndGet();
                    } else {
                        failed.add(record.origin() + ": " + exception.getMessage());
                    }
                    progress.advance();
                });
            });
            if (producer != null) {
                producer.flush();
            }
        }
        progress.finish();

        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%s %d records from %s %s topic '%s' at %s in %.1f s%n", dryRun ? "Checked" : "Produced", total,
                path, dryRun ? "for" : "to", topic, bootstrap != null ? bootstrap : "(none: dry run)", seconds);
        out.printf("  sent     %d%s%n", sent.get(), dryRun ? " (dry run: would be sent)" : "");
        out.printf("  skipped  %d%n", export.skipped().size());
        for (ExportFiles.Skipped s : export.skipped().subList(0, Math.min(MAX_REASONS_SHOWN, export.skipped().size()))) {
            out.println("    " + s.path() + ": " + s.reason());
        }
        out.printf("  failed   %d%n", failed.size());
        List<String> reasons;
        synchronized (failed) {
            reasons = new ArrayList<>(failed);
        }
        for (String reason : reasons.subList(0, Math.min(MAX_REASONS_SHOWN, reasons.size()))) {
            out.println("    " + reason);
        }
        if (reasons.size() > MAX_REASONS_SHOWN) {
            out.println("    … and " + (reasons.size() - MAX_REASONS_SHOWN) + " more");
        }
        out.flush();
        return failed.isEmpty() ? 0 : 1;
    }

    /** The running local demo's Kafka (from --data, else the well-known file), said on stderr; null, also said, when there is none. */
    private String localDemo(PrintWriter err) {
        Path file = data != null ? DemoAddress.fileIn(data) : wellKnownAddress;
        var found = DemoAddress.running(file, "semdex produce", err);
        if (found.isPresent()) {
            return DemoAddress.announce(found.get(), "semdex produce", err);
        }
        err.println("semdex produce: no running local demo" + (data != null ? " in " + data : "")
                + ": pass --bootstrap HOST:PORT, or start `semdex demo" + (data != null ? " --data " + data : "") + "`");
        err.flush();
        return null;
    }

    /** Why the topic cannot be written to, or null when it exists: asked up front so the answer is quick and clear. */
    private String topicProblem() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException ? "the topic does not exist" : e.getCause().getMessage();
        } catch (TimeoutException e) {
            return "no answer from Kafka in 15 s";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The producer {@code semdex produce} sends with: idempotent, acknowledged by all replicas, room for the largest record. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        // Room for the largest record the job accepts, so an over-size one reaches the dead-letter topic with --send-invalid.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * DocumentJson.DEFAULT_MAX_BYTES);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
