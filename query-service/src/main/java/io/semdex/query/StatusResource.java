package io.semdex.query;

import io.semdex.core.Band;
import io.semdex.core.Calibration;
import io.semdex.embed.EmbedderInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** {@code GET /api/status}: what the service serves and how fresh its index is; the page's status line reads it. */
final class StatusResource extends Resource {

    private final Searcher searcher;
    private final LiveIndex index;
    private final IndexStatus indexStatus;
    private final DeadLetters deadLetters;
    private final boolean documentsEndpoint;
    private final AccessPolicy access;

    /** @param deadLetters null when there is no Kafka to ask */
    StatusResource(Searcher searcher, LiveIndex index, IndexStatus indexStatus, DeadLetters deadLetters, boolean documentsEndpoint,
            AccessPolicy access) {
        super("GET");
        this.searcher = searcher;
        this.index = index;
        this.indexStatus = indexStatus;
        this.deadLetters = deadLetters;
        this.documentsEndpoint = documentsEndpoint;
        this.access = access;
    }

    @Override
    protected Object answer(Request request, Response response, Callback callback) {
        IndexStatus.Stats stats = indexStatus.stats();
        long now = System.currentTimeMillis();
        EmbedderInfo model = searcher.embedderInfo(); // after a model switch, the new generation's
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model", model.modelId());
        body.put("engine", model.engine());
        body.put("device", model.device());
        body.put("dimensions", model.dimensions());
        body.put("bands", Map.of("strong", Band.STRONG_FROM, "related", Band.RELATED_FROM));
        body.put("calibration", calibration(stats.calibration()));
        Map<String, Object> fusion = new LinkedHashMap<>(); // the default hybrid's full lift: the generation's own, else the constant
        fusion.put("fullLift", stats.fusion() != null ? stats.fusion().fullLift() : FusionWeights.FULL_LIFT);
        fusion.put("fitted", stats.fusion() != null);
        fusion.put("fittedOn", stats.fusion() != null ? stats.fusion().fittedOn() : null);
        body.put("fusion", fusion);
        body.put("ready", index.problem().isEmpty());
        body.put("problem", index.problem().orElse(null));
        body.put("switchFailure", index.switchFailure().map(f -> {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("generation", f.generation());
            failure.put("reason", f.reason());
            failure.put("failedAgoMs", Math.max(0, now - f.atMillis()));
            return failure;
        }).orElse(null));
        body.put("generation", stats.generation());
        body.put("documents", stats.documents());
        body.put("units", stats.units());
        body.put("indexSizeBytes", stats.sizeBytes());
        body.put("indexChangedAgoMs", Math.max(0, now - stats.changedAtMillis()));
        body.put("indexCheckedAgoMs", Math.max(0, now - stats.checkedAtMillis()));
        OptionalLong dead = deadLetters == null ? OptionalLong.empty() : deadLetters.count();
        body.put("deadLetters", dead.isPresent() ? dead.getAsLong() : null);
        body.put("embedFailure", index.embedFailure().map(f -> Map.of("blame", f.blame(), "cause", f.cause(), "at", f.at().toString()))
                .orElse(null));
        body.put("documentsEndpoint", documentsEndpoint);
        body.put("modes", Arrays.stream(SearchMode.values()).map(SearchMode::label).toList());
        body.put("defaultMode", SearchMode.DEFAULT.label());
        body.put("defaultThreshold", SearchRequest.DEFAULT_THRESHOLD);
        body.put("defaultThresholdScale", ThresholdScale.DEFAULT.label());
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("maxK", SearchRequest.MAX_K);
        limits.put("maxQueryChars", SearchRequest.MAX_QUERY_CHARS);
        limits.put("maxBodyBytes", access.maxBodyBytes());
        limits.put("maxDocumentsPerRequest", DocumentsResource.MAX_DOCUMENTS_PER_REQUEST);
        body.put("limits", limits);
        body.put("apiKey", Map.of("writes", access.apiKey() != null, "reads", access.keyForReads()));
        return body;
    }

    /** The live generation's calibration as {@code /api/status} shows it: what it holds for, never its knots. */
    private static Map<String, Object> calibration(Calibration calibration) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("calibrated", calibration != null);
        if (calibration != null) {
            body.put("model", calibration.model());
            body.put("fingerprint", calibration.fingerprint());
            body.put("version", calibration.version());
            body.put("fittedOn", calibration.fittedOn());
            body.put("knots", calibration.cosines().length);
            body.put("cosineAtDefaultThreshold", finite(calibration.cosineAt(SearchRequest.DEFAULT_THRESHOLD)));
            Map<String, Double> bands = new LinkedHashMap<>(); // Map.of takes no null, the value of a band no hit reaches
            bands.put("strong", finite(calibration.cosineAt(Band.STRONG_FROM)));
            bands.put("related", finite(calibration.cosineAt(Band.RELATED_FROM)));
            body.put("cosineAtBands", bands);
        }
        return body;
    }

    /** A cosine JSON can carry: null for one no hit reaches (+infinity), -1 for one every hit passes (-infinity). */
    private static Double finite(double cosine) {
        if (cosine == Double.POSITIVE_INFINITY) {
            return null; // a ternary here would unbox the null and throw
        }
        return cosine == Double.NEGATIVE_INFINITY ? -1.0 : cosine;
    }
}
