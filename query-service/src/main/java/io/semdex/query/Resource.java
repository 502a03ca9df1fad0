package io.semdex.query;

import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One resource of the HTTP API, mapped to its path: it answers the methods it has and 405 to the
 * others, and every failure becomes a JSON error in the shape of its endpoint ({@link ApiJson}): an
 * {@link ApiException} as it says, anything else as a 500 whose details go to the log only.
 *
 * <pre>{@code
 * Resource health = Resource.get((request, response, callback) -> Map.of("status", "ok"));
 * }</pre>
 */
abstract class Resource extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(Resource.class);

    /** What a resource does for one request: the 200 JSON body, or null when it has answered itself. */
    @FunctionalInterface
    interface Answer {
        Object answer(Request request, Response response, Callback callback) throws Exception;
    }

    private final List<String> methods;

    /** @param methods the methods answered; empty when the resource checks them itself */
    Resource(String... methods) {
        this.methods = List.of(methods);
    }

    /** A resource that answers GET only. */
    static Resource get(Answer answer) {
        return new Resource("GET") {
            @Override
            protected Object answer(Request request, Response response, Callback callback) throws Exception {
                return answer.answer(request, response, callback);
            }
        };
    }

    @Override
    public final boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = ApiJson.path(request);
        try {
            if (!methods.isEmpty() && !methods.contains(method)) {
                throw notAllowed(method, String.join(" or ", methods));
            }
            Object body = answer(request, response, callback);
            if (body != null) {
                ApiJson.send(response, callback, 200, body);
            }
        } catch (ApiException e) {
            ApiJson.error(request, response, callback, e);
        } catch (Exception | LinkageError e) {
            LOG.error("{} {} failed", method, path, e);
            ApiJson.error(request, response, callback, ApiJson.internal(path));
        }
        return true;
    }

    /** Answers the request, whose method is one of this resource's. */
    protected abstract Object answer(Request request, Response response, Callback callback) throws Exception;

    /** 405, saying which methods to use. */
    static ApiException notAllowed(String method, String allowed) {
        return new ApiException(405, "method " + method + " is not allowed here; use " + allowed);
    }
}
