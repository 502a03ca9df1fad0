package io.semdex.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.semdex.core.ContentHash;
import io.semdex.core.DocumentJson;
import io.semdex.core.IndexFields;
import io.semdex.core.InvalidDocumentException;
import io.semdex.core.SourceDocument;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.TermQuery;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/documents}: {@code POST} adds documents by producing them to the input topic (202),
 * so they travel the real pipeline; {@code GET ?id=…} says which of them are searchable now.
 */
final class DocumentsResource extends Resource {

    private static final Logger LOG = LoggerFactory.getLogger(DocumentsResource.class);
    static final int MAX_DOCUMENTS_PER_REQUEST = 1000;
    /** Document ids one {@code GET} may ask about. */
    static final int MAX_STATUS_IDS = 1000;
    /** What a refused write is told to wait while the service stops: about as long as a restart takes. */
    static final long STOPPING_RETRY_AFTER_SECONDS = 10;

    private final DocumentPublisher publisher;
    private final LiveIndex index;
    private final BooleanSupplier stopping;
    private final int maxBodyBytes;

    /** @param publisher null when there is no pipeline (503 to every write) */
    DocumentsResource(DocumentPublisher publisher, LiveIndex index, BooleanSupplier stopping, int maxBodyBytes) {
        super("GET", "POST");
        this.publisher = publisher;
        this.index = index;
        this.stopping = stopping;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected Object answer(Request request, Response response, Callback callback) throws Exception {
        if (request.getMethod().equals("GET")) {
            return indexed(request);
        }
        if (stopping.getAsBoolean()) {
            throw new ApiException(503, "this service is stopping and takes no more documents; retry after " + STOPPING_RETRY_AFTER_SECONDS
                    + " s (on another replica, or once it is back)").with(HttpHeader.RETRY_AFTER.asString(),
                    Long.toString(STOPPING_RETRY_AFTER_SECONDS));
        }
        if (publisher == null) {
            throw new ApiException(503, "this service has no document pipeline configured (start it with Kafka)");
        }
        List<SourceDocument> docs = documents(ApiJson.read(request, maxBodyBytes));
        try {
            publisher.publish(docs);
        } catch (Exception e) {
            LOG.error("Publishing {} documents to {} failed", docs.size(), publisher.destination(), e);
            throw new ApiException(503, "the document pipeline did not accept the documents; nothing was lost on your side, retry");
        }
        Map<String, Object> accepted = new LinkedHashMap<>();
        accepted.put("accepted", docs.size());
        accepted.put("ids", docs.stream().map(SourceDocument::id).toList());
        accepted.put("destination", publisher.destination());
        ApiJson.send(response, callback, 202, accepted);
        return null;
    }

    /** The documents of a body: one object or an array of 1 to {@value #MAX_DOCUMENTS_PER_REQUEST}, each checked by the input contract. */
    private static List<SourceDocument> documents(JsonNode body) {
        List<JsonNode> nodes = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(nodes::add);
        } else if (body.isObject()) {
            nodes.add(body);
        } else {
            throw new ApiException(400, "send a document object or an array of them");
        }
        if (nodes.isEmpty() || nodes.size() > MAX_DOCUMENTS_PER_REQUEST) {
            throw new ApiException(400, "send 1 to " + MAX_DOCUMENTS_PER_REQUEST + " documents per request, got " + nodes.size());
        }
        List<SourceDocument> docs = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            if (!(nodes.get(i) instanceof ObjectNode doc)) {
                throw new ApiException(400, "document [" + i + "] must be a JSON object");
            }
            if (!doc.hasNonNull("id")) {
                // A document without an id gets one from its content: adding it twice stays one document.
                doc.put("id", "doc-" + ContentHash.of(doc.toString()).substring(0, 16));
            }
            try {
                docs.add(DocumentJson.fromNode(doc, null));
            } catch (InvalidDocumentException e) {
                throw new ApiException(400, "document [" + i + "]: " + e.getMessage());
            }
        }
        return docs;
    }

    /** {@code GET /api/documents?id=…&id=…}: which of these documents are searchable now. */
    private Map<String, Object> indexed(Request request) throws Exception {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, List<String>> param : SearchResource.queryParameters(request).entrySet()) {
            if (!param.getKey().equals("id")) {
                throw new ApiException(400, "unknown parameter '" + param.getKey() + "'; ask with id=DOC_ID (repeatable)");
            }
            ids.addAll(param.getValue());
        }
        if (ids.isEmpty() || ids.size() > MAX_STATUS_IDS) {
            throw new ApiException(400, "ask about 1 to " + MAX_STATUS_IDS + " documents with id=DOC_ID, got " + ids.size());
        }
        List<String> indexed = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        try (LiveIndex.Snapshot snapshot = index.acquire()) {
            for (String id : ids) {
                boolean found = snapshot.generation().isPresent()
                        && snapshot.searcher().count(new TermQuery(new Term(IndexFields.DOC_ID, id))) > 0;
                (found ? indexed : pending).add(id);
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("indexed", indexed);
        body.put("pending", pending);
        return body;
    }
}
