package io.semdex.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The search page: plain HTML, CSS and JavaScript from this jar, loaded once. Its Content Security
 * Policy allows only its own files, so even text that slipped into the DOM as markup could not run.
 * Mapped as the API's default resource: any other path is a 404 that lists the endpoints.
 */
final class StaticPage extends Resource {

    private static final String DIR = "/io/semdex/query/web/";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> FILES = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/static/app.js", "app.js",
            "/static/app.css", "app.css");

    private final Map<String, byte[]> content;

    StaticPage() {
        super(); // the methods depend on the path: checked below
        content = Map.of("index.html", load("index.html"), "app.js", load("app.js"), "app.css", load("app.css"));
    }

    @Override
    protected Object answer(Request request, Response response, Callback callback) {
        String path = ApiJson.path(request);
        String file = FILES.get(path);
        if (file == null) {
            throw new ApiException(404, "no such endpoint: " + path
                    + " (try /, /api/search, /api/documents, /api/status, /metrics, /health, /ready, /v1/embeddings, /openapi.json)");
        }
        String method = request.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw notAllowed(method, "GET");
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, file.endsWith(".html") ? "text/html; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
        response.getHeaders().put("Content-Security-Policy", CSP);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "no-referrer");
        response.getHeaders().put("X-Frame-Options", "DENY");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        response.write(true, ByteBuffer.wrap(content.get(file)), callback);
        return null;
    }

    private static byte[] load(String name) {
        try (InputStream in = StaticPage.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("the search page's " + name + " is missing from the jar (" + DIR + name + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
