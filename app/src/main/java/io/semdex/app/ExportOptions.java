package io.semdex.app;

import io.semdex.ingest.ExportFiles;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How an export directory is read, shared by {@code semdex produce} and {@code semdex reindex --file}
 * so that both read the same records: the documents' source and url, the files left out, BEIR lines.
 */
final class ExportOptions {

    @Option(names = "--source", description = "The 'source' of file documents (default: the name of the directory read).")
    String source;

    @Option(names = "--base-url", paramLabel = "URL", description = "Gives file documents a url: URL + their path relative to the export.")
    String baseUrl;

    @Option(names = "--exclude", paramLabel = "GLOB", description = "File names or relative paths to leave out (default: LICENSE* NOTICE* .*).")
    List<String> excludes;

    @Option(names = "--beir", description = "JSON records are BEIR corpus lines ({\"_id\",\"title\",\"text\",\"metadata\"}).")
    boolean beir;

    /** The options as {@link ExportFiles} takes them, defaults filled in. */
    ExportFiles.Options toOptions() {
        ExportFiles.Options defaults = ExportFiles.Options.defaults();
        return new ExportFiles.Options(source, baseUrl, excludes == null ? defaults.excludes() : excludes, defaults.maxRecordBytes(), beir);
    }

    /** Whether any of these options was given. */
    boolean given() {
        return beir || source != null || baseUrl != null || excludes != null;
    }
}
