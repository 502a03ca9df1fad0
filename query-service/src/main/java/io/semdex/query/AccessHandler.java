package io.semdex.query;

import java.math.BigDecimal;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The access policy ({@link AccessPolicy}) in front of every resource, after Jetty's
 * {@code CrossOriginHandler} and before its {@code SizeLimitHandler}, in this order: the {@code Host}
 * the request names ({@link BrowserGuard}, 403); {@code OPTIONS}, answered here (204 to a preflight
 * whose origin the CORS handler allowed, 403 otherwise); the client's rate ({@link RateLimiter}, 429
 * with {@code Retry-After}; never {@code /health}); the API key (401); for a write, a JSON content
 * type (415) and an allowed {@code Origin} (403); a declared body over the limit (413). A refusal is
 * answered without reading the body, but for the 413, whose body is read and dropped (up to
 * {@link ApiJson#DRAIN_LIMIT_BYTES}) so that the client reads the answer.
 */
final class AccessHandler extends Handler.Wrapper {

    private final AccessPolicy access;
    private final BrowserGuard browserGuard;
    private final RateLimiter rateLimiter;
    private final ClientKey clientKey;

    AccessHandler(String boundHost, AccessPolicy access, Handler next) {
        super(next);
        this.access = access;
        this.browserGuard = new BrowserGuard(boundHost, access);
        this.rateLimiter = access.requestsPerSecond() > 0 ? new RateLimiter(access.requestsPerSecond(), access.burst(), System::nanoTime) : null;
        this.clientKey = new ClientKey(access.trustedProxies());
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        try {
            if (admitted(request, response, callback)) {
                return super.handle(request, response, callback);
            }
        } catch (ApiException refusal) {
            if (refusal.status != 413 && request.getLength() != 0) { // the body stays unread: the connection cannot carry another request
                refusal.with(HttpHeader.CONNECTION.asString(), "close");
            }
            ApiJson.error(request, response, callback, refusal);
        }
        return true;
    }

    /** True when the request goes on to its resource; false when it has been answered here (a preflight). */
    private boolean admitted(Request request, Response response, Callback callback) {
        String path = ApiJson.path(request);
        String method = request.getMethod();
        HttpFields headers = request.getHeaders();
        browserGuard.checkHost(headers.get(HttpHeader.HOST));
        String origin = headers.get(HttpHeader.ORIGIN);
        if (method.equals("OPTIONS")) {
            // The CORS handler has added Access-Control-Allow-Origin when, and only when, the origin is allowed.
            if (!response.getHeaders().contains(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN)) {
                throw new ApiException(403, origin == null ? "OPTIONS is only answered to CORS preflights"
                        : "origin " + origin + " may not call this API (allowed: "
                        + (access.corsOrigins().isEmpty() ? "none" : String.join(", ", access.corsOrigins())) + ")");
            }
            response.setStatus(204);
            response.write(true, null, callback);
            return false;
        }
        if (rateLimiter != null && !path.equals("/health")) {
            long retryAfter = rateLimiter.acquire(clientKey.of(Request.getRemoteAddr(request), headers.getValuesList(HttpHeader.X_FORWARDED_FOR)));
            if (retryAfter > 0) {
                throw new ApiException(429, "too many requests from this client: at most "
                        + BigDecimal.valueOf(access.requestsPerSecond()).stripTrailingZeros().toPlainString() + " per second (bursts of "
                        + access.burst() + "); retry after " + retryAfter + " s").with(HttpHeader.RETRY_AFTER.asString(), Long.toString(retryAfter));
            }
        }
        if (access.needsKey(method, path)) {
            String presented = ApiKeys.presented(headers);
            if (!ApiKeys.matches(access.apiKey(), presented)) {
                throw new ApiException(401, presented == null
                        ? "this endpoint needs the API key: send 'Authorization: Bearer KEY' or '" + ApiKeys.HEADER + ": KEY'"
                        : "the API key is not valid").with(HttpHeader.WWW_AUTHENTICATE.asString(), "Bearer realm=\"semdex\"");
            }
        }
        if (AccessPolicy.isWrite(method, path) && method.equals("POST")) { // other methods are preflighted, and refused as 405
            browserGuard.checkWrite(headers.get(HttpHeader.CONTENT_TYPE), origin, headers.get(HttpHeader.HOST));
        }
        // Refused here rather than by the SizeLimitHandler behind (which stops a body without a length as it streams in): the
        // body of a client that may write is drained, so that it reads the 413 instead of a reset connection.
        long declared = request.getLength();
        if (declared > access.maxBodyBytes()) {
            throw new ApiException(413, "request body is " + declared + " bytes; the limit is " + access.maxBodyBytes());
        }
        return true;
    }
}
