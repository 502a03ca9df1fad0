package io.semdex.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.semdex.core.DocumentJson;
import io.semdex.core.SourceDocument;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportFilesTest {

    @TempDir
    Path tmp;

    @Test
    void readsEveryDocumentFileWithIdsFromPathsAndFormatsFromExtensions() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("wiki"));
        Files.writeString(Files.createDirectories(export.resolve("space")).resolve("Page.html"), "<h1>T</h1><p>Hello.</p>");
        Files.writeString(export.resolve("notes.md"), "# Notes\n\nSome *notes*.");
        Files.writeString(export.resolve("plain.txt"), "Plain text.");
        Files.writeString(export.resolve("LICENSE-CC0.txt"), "license text");
        Files.write(export.resolve("logo.png"), new byte[] {1, 2, 3});
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        lines.writeBytes("{\"id\":\"a\",\"body\":\"with id\"}\n".getBytes(StandardCharsets.UTF_8));
        lines.writeBytes("{\"body\":\"without id\",\"format\":\"text\"}\r\n\n".getBytes(StandardCharsets.UTF_8));
        lines.writeBytes("{\"id\":\"b\",\"body\":\n".getBytes(StandardCharsets.UTF_8));
        lines.writeBytes(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', 'c', '"', ',', '"', 'b', 'o', 'd', 'y', '"', ':', '"', (byte) 0xFF, '"', '}', '\n'});
        Files.write(export.resolve("export.jsonl"), lines.toByteArray());
        Files.writeString(export.resolve("more.json"), "[{\"id\":\"j1\",\"title\":\"One\"},{\"title\":\"Two\"}]");

        ExportFiles files = ExportFiles.scan(export, ExportFiles.Options.defaults());
        assertThat(files.skipped()).extracting(ExportFiles.Skipped::path).containsExactly("LICENSE-CC0.txt", "logo.png");
        List<ExportFiles.Record> records = new ArrayList<>();
        files.read(records::add);
        assertThat(files.countRecords()).isEqualTo(records.size()).isEqualTo(9);

        assertThat(records).extracting(ExportFiles.Record::origin).containsExactly(
                "wiki/export.jsonl:1", "wiki/export.jsonl:2", "wiki/export.jsonl:4", "wiki/export.jsonl:5",
                "wiki/more.json[0]", "wiki/more.json[1]", "wiki/notes.md", "wiki/plain.txt", "wiki/space/Page.html");
        assertThat(records).extracting(ExportFiles.Record::error).satisfiesExactly(
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).startsWith("malformed JSON"),
                e -> assertThat(e).isEqualTo("record value is not valid UTF-8"),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isNull());

        SourceDocument withoutId = document(records.get(1));
        assertThat(withoutId.id()).isEqualTo("wiki/export.jsonl:2");
        assertThat(new String(records.get(1).key(), StandardCharsets.UTF_8)).isEqualTo("wiki/export.jsonl:2");
        assertThat(document(records.get(5)).id()).isEqualTo("wiki/more.json[1]");
        assertThat(records.get(2).key()).as("no id can be read from malformed JSON").isNull();
        assertThat(new String(records.get(2).value(), StandardCharsets.UTF_8)).as("a bad line is kept as read").isEqualTo("{\"id\":\"b\",\"body\":");

        SourceDocument page = document(records.get(8));
        assertThat(page.id()).isEqualTo("wiki/space/Page.html");
        assertThat(page.format()).isEqualTo("html");
        assertThat(page.source()).isEqualTo("wiki");
        assertThat(page.updated()).isNotNull();
        assertThat(document(records.get(6)).format()).isEqualTo("markdown");
        assertThat(document(records.get(7)).format()).isEqualTo("text");
    }

    @Test
    void aFileOverTheRecordLimitOrNotInUtf8IsReportedNotRead() throws Exception {
        Files.writeString(tmp.resolve("big.md"), "x".repeat(2000));
        Files.write(tmp.resolve("latin1.md"), "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        Files.write(tmp.resolve("latin1.html"), "<meta charset=\"iso-8859-1\"><p>caf\u00e9</p>".getBytes(StandardCharsets.ISO_8859_1));
        ExportFiles files = ExportFiles.scan(tmp, new ExportFiles.Options("docs", "https://docs.example/", List.of(), 1000));
        List<ExportFiles.Record> records = new ArrayList<>();
        files.read(records::add);
        assertThat(records).extracting(ExportFiles.Record::error).satisfiesExactly(
                e -> assertThat(e).contains("the limit is 1000"),
                e -> assertThat(e).isNull(),
                e -> assertThat(e).isEqualTo("file is not valid UTF-8"));
        SourceDocument html = document(records.get(1));
        assertThat(html.body()).contains("café");
        assertThat(html.url()).isEqualTo("https://docs.example/latin1.html");
        assertThat(html.source()).isEqualTo("docs");
    }

    @Test
    void aReaderGivesEachFileTheRecordsOfAWholeExportRead() throws Exception {
        Path export = Files.createDirectories(tmp.resolve("kb"));
        Files.writeString(Files.createDirectories(export.resolve("a")).resolve("one.html"), "<h1>One</h1><p>First.</p>");
        Files.writeString(export.resolve("two.md"), "# Two\n\nSecond.");
        Files.writeString(export.resolve("lines.jsonl"), "{\"body\":\"no id\"}\n{\"id\":\"x\",\"body\":\n");
        ExportFiles scanned = ExportFiles.scan(export, ExportFiles.Options.defaults());
        List<ExportFiles.Record> whole = new ArrayList<>();
        scanned.read(whole::add);
        ExportFiles reader = ExportFiles.reader(export, ExportFiles.Options.defaults());
        List<ExportFiles.Record> byFile = new ArrayList<>();
        for (Path file : scanned.files()) {
            reader.read(file, byFile::add);
        }
        assertThat(byFile).hasSize(4);
        for (int i = 0; i < whole.size(); i++) {
            assertThat(byFile.get(i).origin()).isEqualTo(whole.get(i).origin());
            assertThat(byFile.get(i).key()).isEqualTo(whole.get(i).key());
            assertThat(byFile.get(i).value()).isEqualTo(whole.get(i).value());
            assertThat(byFile.get(i).error()).isEqualTo(whole.get(i).error());
        }
    }

    @Test
    void beirCorpusLinesAreRewrittenIntoTheInputContract() throws Exception {
        Path corpus = tmp.resolve("corpus.jsonl");
        Files.writeString(corpus, "{\"_id\":\"d1\",\"title\":\"T\",\"text\":\"Body text.\",\"metadata\":{\"brand\":\"Acme\",\"x\":null}}\n"
                + "{\"_id\":\"d2\",\"title\":\"\",\"text\":\"Only text.\"}\n");
        List<ExportFiles.Record> records = new ArrayList<>();
        ExportFiles.scan(corpus, ExportFiles.Options.defaults().withBeir(true)).read(records::add);
        assertThat(records).allMatch(ExportFiles.Record::valid);
        SourceDocument first = document(records.get(0));
        assertThat(first.id()).isEqualTo("d1");
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("d1");
        assertThat(first.title()).isEqualTo("T");
        assertThat(first.body()).isEqualTo("Body text.");
        assertThat(first.fields()).containsOnlyKeys("brand");
        assertThat(document(records.get(1)).title()).isNull();
        List<ExportFiles.Record> plain = new ArrayList<>();
        ExportFiles.scan(corpus, ExportFiles.Options.defaults()).read(plain::add);
        assertThat(plain).noneMatch(ExportFiles.Record::valid);
    }

    private static SourceDocument document(ExportFiles.Record record) {
        return DocumentJson.parseRecord(record.key(), record.value(), DocumentJson.DEFAULT_MAX_BYTES).document();
    }
}
