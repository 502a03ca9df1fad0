package io.semdex.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.DocumentJson;
import io.semdex.core.InvalidDocumentException;
import io.semdex.core.Json;
import io.semdex.core.SourceDocument;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.jsoup.Jsoup;

/**
 * Reads an export — one file, or a directory tree of JSONL, JSON, HTML, Markdown and text files —
 * as input records, the key and value that would travel on the input topic. Ids come from the
 * path where the records have none ({@code activemq-faq/faq.html}, {@code export.jsonl:12}), the
 * format from the file extension, {@code updated} from the file's modification time. Each record
 * is checked against the input contract; a bad one is returned with its reason, raw as it was read.
 *
 * <pre>{@code
 * ExportFiles export = ExportFiles.scan(Path.of("docs/activemq-faq"), ExportFiles.Options.defaults());
 * export.read(record -> { if (record.valid()) send(record.key(), record.value()); });
 * }</pre>
 */
public final class ExportFiles {

    /**
     * @param source the {@code source} of file documents; null for the name of the directory read
     * @param baseUrl prefix of the relative path that makes a file document's {@code url}; null for none
     * @param excludes glob patterns of file names (or relative paths) not to read
     * @param beir JSON records are BEIR corpus lines ({@code {"_id", "title", "text", "metadata"}}),
     *     rewritten into the input contract before they are checked
     */
    public record Options(String source, String baseUrl, List<String> excludes, int maxRecordBytes, boolean beir)
            implements Serializable {

        public Options {
            excludes = excludes == null ? List.of() : List.copyOf(excludes);
            if (maxRecordBytes < 1) {
                throw new IllegalArgumentException("maxRecordBytes must be >= 1, got " + maxRecordBytes);
            }
        }

        public Options(String source, String baseUrl, List<String> excludes, int maxRecordBytes) {
            this(source, baseUrl, excludes, maxRecordBytes, false);
        }

        /** License and notice files sit beside exports but are not documents. */
        public static Options defaults() {
            return new Options(null, null, List.of("LICENSE*", "NOTICE*", ".*"), DocumentJson.DEFAULT_MAX_BYTES);
        }

        public Options withBeir(boolean beir) {
            return new Options(source, baseUrl, excludes, maxRecordBytes, beir);
        }
    }

    /**
     * One input record.
     *
     * @param origin where it was read, e.g. {@code export.jsonl:12}
     * @param key the document id as UTF-8, null when none could be read
     * @param value the JSON document as it would be produced (raw, when invalid)
     * @param error why the record breaks the input contract, or null when it is valid
     */
    public record Record(String origin, byte[] key, byte[] value, String error) {

        public boolean valid() {
            return error == null;
        }
    }

    /** A file that is not read, and why. */
    public record Skipped(String path, String reason) {}

    private final Path root;
    private final Options options;
    private final List<Path> files;
    private final List<Skipped> skipped;

    private ExportFiles(Path root, Options options, List<Path> files, List<Skipped> skipped) {
        this.root = root;
        this.options = options;
        this.files = files;
        this.skipped = skipped;
    }

    /** Lists the files under {@code path} (or {@code path} itself) in a stable order. */
    public static ExportFiles scan(Path path, Options options) throws IOException {
        Path root = requireExists(path);
        List<PathMatcher> excludes = options.excludes().stream()
                .map(glob -> FileSystems.getDefault().getPathMatcher("glob:" + glob)).toList();
        List<Path> files = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        List<Path> all;
        if (Files.isDirectory(root)) {
            try (Stream<Path> walk = Files.walk(root)) {
                all = walk.filter(Files::isRegularFile).sorted().toList();
            }
        } else {
            all = List.of(root);
        }
        for (Path file : all) {
            Path relative = Files.isDirectory(root) ? root.relativize(file) : file.getFileName();
            if (!Files.isDirectory(root)) {
                files.add(file); // a file named explicitly is read whatever its name
            } else if (excludes.stream().anyMatch(m -> m.matches(file.getFileName()) || m.matches(relative))) {
                skipped.add(new Skipped(relative.toString(), "excluded"));
            } else if (kind(file) == null) {
                skipped.add(new Skipped(relative.toString(), "not a document file (.jsonl .json .html .md .txt)"));
            } else {
                files.add(file);
            }
        }
        return new ExportFiles(root, options, files, skipped);
    }

    /**
     * Reads files of the export at {@code path} one at a time with {@link #read(Path, RecordSink)},
     * without listing them again: each file of a {@link #scan} can be read where it is needed (a
     * reindex job's subtasks) and gets the same ids, origins and checks as a whole-export read.
     */
    public static ExportFiles reader(Path path, Options options) {
        return new ExportFiles(requireExists(path), options, List.of(), List.of());
    }

    private static Path requireExists(Path path) {
        Path root = path.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            throw new IllegalArgumentException("no such file or directory: " + path);
        }
        return root;
    }

    public List<Path> files() {
        return files;
    }

    public List<Skipped> skipped() {
        return skipped;
    }

    /** How many records {@link #read} will hand over: a line of JSONL, an element of a JSON array, a file. */
    public long countRecords() throws IOException {
        long count = 0;
        for (Path file : files) {
            String kind = Objects.requireNonNullElse(kind(file), "document");
            switch (kind) {
                case "jsonl" -> {
                    try (InputStream in = Files.newInputStream(file)) {
                        LineReader lines = new LineReader(in);
                        for (byte[] line = lines.next(); line != null; line = lines.next()) {
                            if (!isBlank(line)) {
                                count++;
                            }
                        }
                    }
                }
                case "json" -> {
                    JsonNode node = tryJson(Files.readAllBytes(file));
                    count += node != null && node.isArray() ? node.size() : 1;
                }
                default -> count++;
            }
        }
        return count;
    }

    /** Hands every record to {@code sink}, in file order and line order. */
    public void read(RecordSink sink) throws IOException {
        for (Path file : files) {
            read(file, sink);
        }
    }

    /** Hands every record of {@code file}, one of the export's {@link #files()}, to {@code sink} in line order. */
    public void read(Path file, RecordSink sink) throws IOException {
        String kind = Objects.requireNonNullElse(kind(file), "document");
        String name = name(file);
        switch (kind) {
            case "jsonl" -> {
                try (InputStream in = Files.newInputStream(file)) {
                    LineReader lines = new LineReader(in);
                    int number = 0;
                    for (byte[] line = lines.next(); line != null; line = lines.next()) {
                        number++;
                        if (!isBlank(line)) {
                            sink.accept(jsonRecord(name + ":" + number, line));
                        }
                    }
                }
            }
            case "json" -> {
                byte[] bytes = Files.readAllBytes(file);
                JsonNode node = tryJson(bytes);
                if (node != null && node.isArray()) {
                    for (int i = 0; i < node.size(); i++) {
                        sink.accept(jsonRecord(name + "[" + i + "]", Json.MAPPER.writeValueAsBytes(node.get(i))));
                    }
                } else {
                    sink.accept(jsonRecord(name, bytes));
                }
            }
            default -> sink.accept(fileRecord(file, name));
        }
    }

    /** Receives records; may throw to stop reading. */
    @FunctionalInterface
    public interface RecordSink {
        void accept(Record record) throws IOException;
    }

    /** The file's name as ids use it: its path relative to the directory above the one read. */
    private String name(Path file) {
        Path base = Files.isDirectory(root) ? root.getParent() : file.getParent();
        Path relative = base == null ? file.getFileName() : base.relativize(file);
        return relative.toString().replace('\\', '/');
    }

    /** A line of JSONL (or a JSON file): the id is derived from where it was read when the line has none. */
    private Record jsonRecord(String origin, byte[] raw) {
        byte[] key = null;
        byte[] value = options.beir() ? fromBeir(raw) : raw;
        try {
            JsonNode node = Json.MAPPER.readTree(decode(value, StandardCharsets.UTF_8));
            if (node instanceof ObjectNode object) {
                JsonNode id = object.get("id");
                if (id == null || id.isNull() || id.isTextual() && id.asText().isBlank()) {
                    object.put("id", origin);
                    value = Json.MAPPER.writeValueAsBytes(object);
                }
                if (object.get("id").isTextual()) {
                    key = object.get("id").asText().getBytes(StandardCharsets.UTF_8);
                }
            }
        } catch (JsonProcessingException | CharacterCodingException e) {
            // left as read: the contract check below says what is wrong
        }
        return check(origin, key, value);
    }

    /** A BEIR corpus line in the input contract; anything that is not one is left as it is, for the contract check. */
    static byte[] fromBeir(byte[] raw) {
        try {
            JsonNode node = Json.MAPPER.readTree(decode(raw, StandardCharsets.UTF_8));
            if (!(node instanceof ObjectNode in) || !in.path("_id").isTextual()) {
                return raw;
            }
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("id", in.get("_id").asText());
            if (in.path("title").isTextual() && !in.get("title").asText().isBlank()) {
                out.put("title", in.get("title").asText());
            }
            if (in.path("text").isTextual()) {
                out.put("body", in.get("text").asText());
            }
            if (in.path("metadata").isObject()) {
                ObjectNode fields = out.putObject("fields");
                in.get("metadata").properties().forEach(e -> {
                    if (e.getValue().isValueNode() && !e.getValue().isNull()) {
                        fields.set(e.getKey(), e.getValue());
                    }
                });
            }
            return Json.MAPPER.writeValueAsBytes(out);
        } catch (JsonProcessingException | CharacterCodingException e) {
            return raw;
        }
    }

    private Record fileRecord(Path file, String name) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String format = FormatDetector.ofFileName(file.getFileName().toString());
        String body;
        try {
            body = decode(bytes, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            if (!"html".equals(format)) {
                return new Record(name, name.getBytes(StandardCharsets.UTF_8), bytes, "file is not valid UTF-8");
            }
            // Older HTML exports declare another charset in a meta tag; jsoup reads it from there.
            Charset charset = Jsoup.parse(new ByteArrayInputStream(bytes), null, "").charset();
            body = new String(bytes, charset);
        }
        if (body.startsWith("\uFEFF")) {
            body = body.substring(1);
        }
        String source = options.source() != null ? options.source()
                : Files.isDirectory(root) ? root.getFileName().toString() : null;
        Path relative = Files.isDirectory(root) ? root.relativize(file) : file.getFileName();
        String url = options.baseUrl() == null ? null : options.baseUrl() + relative.toString().replace('\\', '/');
        SourceDocument doc = new SourceDocument(name, null, body, format, url, source, null,
                Files.getLastModifiedTime(file).toInstant().truncatedTo(ChronoUnit.SECONDS),
                List.of(), Map.of());
        return check(name, name.getBytes(StandardCharsets.UTF_8), DocumentJson.toBytes(doc));
    }

    /** The same contract check the ingest job makes, so a record that fails here would be dead-lettered there. */
    private Record check(String origin, byte[] key, byte[] value) {
        try {
            DocumentJson.parseRecord(key, value, options.maxRecordBytes());
            return new Record(origin, key, value, null);
        } catch (InvalidDocumentException e) {
            return new Record(origin, key, value, e.getMessage());
        }
    }

    private static String kind(Path file) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) {
            return "jsonl";
        }
        if (lower.endsWith(".json")) {
            return "json";
        }
        return FormatDetector.ofFileName(lower);
    }

    private static JsonNode tryJson(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(decode(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException | CharacterCodingException e) {
            return null;
        }
    }

    private static String decode(byte[] bytes, Charset charset) throws CharacterCodingException {
        return charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    /** Lines as bytes without their line ends, so invalid UTF-8 reaches the contract check intact. */
    private static final class LineReader {

        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line, or null at the end. */
        byte[] next() throws IOException {
            ByteArrayOutputStream line = null;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return line == null ? null : strip(line.toByteArray());
                    }
                }
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                if (line == null) {
                    line = new ByteArrayOutputStream(Math.max(64, position - start));
                }
                line.write(buffer, start, position - start);
                if (position < limit) {
                    position++; // the line end
                    return strip(line.toByteArray());
                }
            }
        }

        private static byte[] strip(byte[] bytes) {
            int length = bytes.length;
            return length > 0 && bytes[length - 1] == '\r' ? Arrays.copyOf(bytes, length - 1) : bytes;
        }
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
