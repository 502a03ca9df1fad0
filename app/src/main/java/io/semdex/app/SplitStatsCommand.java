package io.semdex.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.DocumentJson;
import io.semdex.core.Json;
import io.semdex.core.Unit;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import io.semdex.ingest.ExportFiles;
import io.semdex.ingest.RecordParser;
import io.semdex.ingest.SplitReport;
import io.semdex.ingest.Splitter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code semdex split-stats PATH…}: runs exports through the ingest job's parse and split code
 * (no Kafka, no model, only its tokenizer) and prints documents, units, unit lengths in model
 * tokens and dead letters. {@code --corrupt-every N} mixes a broken copy of every Nth record in, each
 * broken another way, to show what the job dead-letters.
 */
@Command(name = "split-stats", mixinStandardHelpOptions = true,
        description = {"Parses and splits exports as the ingest job does and prints, per PATH: documents, units,",
                "unit length in model tokens (p50 / p95 / max) and dead-lettered records by reason."})
final class SplitStatsCommand implements Callable<Integer> {

    /** The ways a record can be broken, in the order --corrupt-every cycles through them. */
    enum Corruption { TRUNCATED_JSON, NO_ID, KEY_MISMATCH, WRONG_TYPE, OVER_SIZE, INVALID_UTF8, UNKNOWN_FORMAT, NO_TEXT }

    @Parameters(paramLabel = "PATH", arity = "1..*", description = "JSONL files or directories of document files.")
    List<Path> paths;

    @Option(names = "--max-tokens", defaultValue = "" + Splitter.DEFAULT_MAX_TOKENS, description = "Unit budget in tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--model", converter = ModelSpecConverter.class, defaultValue = ModelPresets.DEFAULT,
            description = "Model spec whose tokenizer measures units, as given to the job (default: ${DEFAULT-VALUE}).")
    EmbedderSpec model;

    @Option(names = "--corrupt-every", paramLabel = "N", defaultValue = "0",
            description = "After every Nth record, add a broken copy of it (cycling through ${COMPLETION-CANDIDATES}); 0 = none.")
    int corruptEvery;

    @Option(names = "--show", paramLabel = "N", defaultValue = "0", description = "Print the units of the first N documents of each PATH.")
    int show;

    @Override
    public Integer call() throws Exception {
        if (corruptEvery < 0) {
            throw new IllegalArgumentException("--corrupt-every must be >= 0, got " + corruptEvery);
        }
        PrintStream out = System.out;
        Splitter splitter = Splitter.forModel(model, maxTokens);
        RecordParser parser = new RecordParser(DocumentJson.DEFAULT_MAX_BYTES);
        out.printf("Units measured with the %s tokenizer, budget %d tokens%n", model, splitter.maxTokens());
        out.printf("%-28s %6s %7s %6s %6s %6s %6s %8s%n", "PATH", "docs", "units", "u/doc", "p50", "p95", "max", "dead-let");
        for (Path path : paths) {
            int[] shown = {0};
            Consumer<List<Unit>> printer = show == 0 ? null : units -> {
                if (shown[0]++ < show) {
                    printUnits(units, splitter, out);
                }
            };
            SplitReport report = new SplitReport(parser, splitter, printer);
            ExportFiles export = ExportFiles.scan(path, ExportFiles.Options.defaults());
            int[] count = {0};
            export.read(record -> {
                report.add(record.key(), record.value());
                count[0]++;
                if (corruptEvery > 0 && count[0] % corruptEvery == 0) {
                    Corruption kind = Corruption.values()[(count[0] / corruptEvery - 1) % Corruption.values().length];
                    byte[][] broken = corrupt(kind, record.key(), record.value());
                    report.add(broken[0], broken[1]);
                }
            });
            out.printf("%-28s %6d %7d %6.1f %6d %6d %6d %8d%n", path.getFileName(), report.documents(), report.units(),
                    report.documents() == 0 ? 0.0 : (double) report.units() / report.documents(),
                    report.tokensAt(50), report.tokensAt(95), report.maxTokens(), report.deadLettered());
            for (Map.Entry<String, Integer> reason : report.deadLetters().entrySet()) {
                out.printf("    %4d × %s%n", reason.getValue(), reason.getKey());
            }
        }
        return 0;
    }

    /** A broken copy of a valid record, broken the way {@code kind} says; returns {key, value}. */
    static byte[][] corrupt(Corruption kind, byte[] key, byte[] value) throws IOException {
        ObjectNode doc = (ObjectNode) Json.MAPPER.readTree(value);
        String id = doc.get("id").asText();
        switch (kind) {
            case TRUNCATED_JSON -> {
                return new byte[][] {key, Arrays.copyOf(value, value.length / 2)};
            }
            case NO_ID -> {
                doc.remove("id");
                return new byte[][] {null, Json.MAPPER.writeValueAsBytes(doc)};
            }
            case KEY_MISMATCH -> {
                return new byte[][] {("other-" + id).getBytes(StandardCharsets.UTF_8), value};
            }
            case WRONG_TYPE -> {
                String body = doc.path("body").asText("");
                doc.putArray("body").add(body);
                return new byte[][] {key, Json.MAPPER.writeValueAsBytes(doc)};
            }
            case OVER_SIZE -> {
                doc.put("body", doc.path("body").asText("") + " ".repeat(DocumentJson.DEFAULT_MAX_BYTES));
                return new byte[][] {key, Json.MAPPER.writeValueAsBytes(doc)};
            }
            case INVALID_UTF8 -> {
                byte[] bad = value.clone();
                bad[bad.length / 2] = (byte) 0xFF; // never valid in UTF-8
                return new byte[][] {key, bad};
            }
            case UNKNOWN_FORMAT -> {
                doc.put("format", "pdf");
                return new byte[][] {key, Json.MAPPER.writeValueAsBytes(doc)};
            }
            case NO_TEXT -> {
                doc.put("body", " \n ");
                doc.remove("title");
                doc.remove("faq");
                return new byte[][] {key, Json.MAPPER.writeValueAsBytes(doc)};
            }
            default -> throw new IllegalStateException("unhandled corruption " + kind);
        }
    }

    private static void printUnits(List<Unit> units, Splitter splitter, PrintStream out) {
        for (Unit unit : units) {
            out.printf("%n── %s  [%s]  %d tokens%n", unit.unitId(), String.join(" › ", unit.headingPath()),
                    splitter.tokens().count(unit.text()));
            out.println(unit.text());
        }
        out.println();
    }
}
