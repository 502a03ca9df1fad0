package io.semdex.cluster;

import io.semdex.core.PublishedUnits;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What a reader of the published commits sees: every unit text per document, in ordinal order. */
final class PublishedIndex {

    private PublishedIndex() {}

    /**
     * The units of the live generation's published commits, as {@link PublishedUnits} reads them (again
     * when a commit is deleted under it); a map naming the first duplicate unit when one is found.
     */
    static Map<String, List<String>> units(Path indexRoot) throws Exception {
        try {
            return PublishedUnits.textsByDocument(PublishedUnits.read(indexRoot));
        } catch (IllegalStateException duplicate) {
            return Map.of(duplicate.getMessage(), List.of());
        }
    }

    /** Polls until the published index equals {@code want}; returns the last state seen. */
    static Map<String, List<String>> awaitEqual(Path indexRoot, Map<String, List<String>> want, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Map<String, List<String>> got = Map.of();
        while (System.currentTimeMillis() < deadline) {
            got = units(indexRoot);
            if (got.equals(want)) {
                return got;
            }
            Thread.sleep(100);
        }
        return got;
    }
}
