package io.semdex.embed;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites a post-norm transformer encoder (BERT and its kin) so that its last layer computes only
 * the one position the pooling reads. A CLS-pooled model throws away every other position of the
 * last layer's output, yet computes each one's query, attention, output projection and
 * feed-forward network: for bge-small-zh-v1.5 (4 layers) that is a fifth of all the work. The
 * rewrite gathers the pooled position from the last layer's input and feeds only that row to the
 * query projection and the residual connection; keys and values still see every position, so
 * the pooled row comes out exactly as before and the model's output becomes {@code [batch, 1, dim]}.
 *
 * <p>The graph is matched by structure, not by node names: the last tensor that feeds exactly
 * three projections by constant weights and one residual {@code Add}, where one projection meets
 * another as the two operands of the attention scores and the third is the attended values. After
 * the rewrite every tensor the pooled row flows into may only meet constants, itself, the keys
 * and values, and the attention mask on the way to the softmax; anything else (pooling inside
 * the graph, a pre-norm or decoder layout, control flow, quantized projections) leaves the model
 * as it is, with the reason.
 */
final class LastLayerPruning {

    /** Ops a projection's output passes through on its way to the attention product. */
    private static final Set<String> PASS_THROUGH =
            Set.of("Add", "Sub", "Mul", "Div", "Reshape", "Transpose", "Cast", "Identity", "Squeeze", "Unsqueeze");
    /** Ops that read only a tensor's shape, never its values. */
    private static final Set<String> SHAPE_ONLY = Set.of("Shape", "Size");

    /**
     * What happened to a model.
     *
     * @param pruned whether the rewritten model was written
     * @param description what was pruned, or why nothing was
     */
    record Outcome(boolean pruned, String description) {}

    private LastLayerPruning() {}

    /**
     * Writes {@code model} with its last layer pruned to {@code target}, when the model and the
     * pooling allow it. {@code target} is left untouched otherwise.
     *
     * @throws IOException when a file cannot be read or written
     */
    static Outcome rewrite(Path model, Pooling pooling, PaddingSide padding, Path target) throws IOException {
        Long position = pooledPosition(pooling, padding);
        if (position == null) {
            return new Outcome(false, pooling == Pooling.MEAN ? "mean pooling reads every position"
                    : pooling.name().toLowerCase(java.util.Locale.ROOT) + " pooling with " + padding.name().toLowerCase(java.util.Locale.ROOT)
                            + " padding reads a different position in each row");
        }
        OnnxGraph graph;
        try {
            graph = OnnxGraph.read(model);
        } catch (IllegalArgumentException e) {
            return new Outcome(false, e.getMessage());
        }
        Plan plan = plan(graph, position);
        if (plan.nodes() == null) {
            return new Outcome(false, plan.description());
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
            graph.write(plan.nodes(), plan.reshaped(), out);
        }
        return new Outcome(true, plan.description());
    }

    /** The position every row's pooled state sits at, or null when it differs from row to row. */
    static Long pooledPosition(Pooling pooling, PaddingSide padding) {
        if (pooling == Pooling.CLS && padding == PaddingSide.RIGHT) {
            return 0L;
        }
        if (pooling == Pooling.LAST_TOKEN && padding == PaddingSide.LEFT) {
            return -1L;
        }
        return null;
    }

    /**
     * The rewritten node list, or the reason there is none.
     *
     * @param nodes the new node list, null when the graph is left as it is
     * @param reshaped tensors whose declared shapes no longer hold
     */
    record Plan(List<OnnxGraph.Node> nodes, Set<String> reshaped, String description) {

        static Plan refused(String reason) {
            return new Plan(null, Set.of(), reason);
        }
    }

    /** A projection's attention product and the operand it arrives as. */
    private record Endpoint(OnnxGraph.Node product, int operand) {}

    static Plan plan(OnnxGraph graph, long position) {
        if (position < 0 && graph.defaultOpset() >= 0 && graph.defaultOpset() < 11) {
            return Plan.refused("opset " + graph.defaultOpset() + " has no negative Gather indices");
        }
        if (graph.hasExternalData()) {
            return Plan.refused("its weights are in external data files");
        }
        List<OnnxGraph.Node> nodes = graph.nodes();
        Map<String, OnnxGraph.Node> producers = new HashMap<>();
        Map<String, List<OnnxGraph.Node>> consumers = new HashMap<>();
        Set<String> constants = new HashSet<>(graph.initializers());
        constants.add(""); // an omitted optional input
        for (OnnxGraph.Node node : nodes) {
            if (Set.of("If", "Loop", "Scan").contains(node.opType())) {
                return Plan.refused("the graph has control flow (" + node.opType() + ")");
            }
            node.outputs().forEach(output -> producers.put(output, node));
            for (String input : new HashSet<>(node.inputs())) {
                consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node);
            }
            if (node.opType().equals("Constant") && node.isDefaultDomain()) {
                constants.addAll(node.outputs());
            }
        }
        for (String input : consumers.keySet()) {
            // neither computed nor fed: stored in the graph in some other form
            if (!producers.containsKey(input) && !graph.inputs().contains(input)) {
                constants.add(input);
            }
        }

        String layerInput = null;
        for (OnnxGraph.Node node : nodes) {
            for (String output : node.outputs()) {
                if (isLayerInput(output, consumers, constants)) {
                    layerInput = output;
                }
            }
        }
        if (layerInput == null) {
            return Plan.refused("no post-norm encoder layer found (a tensor feeding exactly the query, key and value projections"
                    + " and the residual Add)");
        }
        List<OnnxGraph.Node> projections = new ArrayList<>();
        OnnxGraph.Node residual = null;
        for (OnnxGraph.Node consumer : consumers.get(layerInput)) {
            if (consumer.opType().equals("MatMul")) {
                projections.add(consumer);
            } else {
                residual = consumer;
            }
        }
        Map<OnnxGraph.Node, Endpoint> endpoints = new IdentityHashMap<>();
        for (OnnxGraph.Node projection : projections) {
            Endpoint endpoint = attentionEndpoint(projection, consumers, constants);
            if (endpoint == null) {
                return Plan.refused("a projection of the last layer does not lead to one attention product");
            }
            endpoints.put(projection, endpoint);
        }
        OnnxGraph.Node query = null;
        OnnxGraph.Node scores = null;
        for (OnnxGraph.Node candidate : projections) {
            Endpoint e = endpoints.get(candidate);
            boolean keyMeetsIt = projections.stream().anyMatch(other -> other != candidate
                    && endpoints.get(other).product() == e.product() && endpoints.get(other).operand() == 1);
            if (e.operand() == 0 && keyMeetsIt) {
                query = candidate;
                scores = e.product();
            }
        }
        if (query == null) {
            return Plan.refused("no query and key projections meeting in the attention scores");
        }
        OnnxGraph.Node attended = null;
        for (OnnxGraph.Node projection : projections) {
            Endpoint e = endpoints.get(projection);
            if (e.product() != scores && e.operand() == 1) {
                attended = e.product();
            }
        }
        if (attended == null) {
            return Plan.refused("no value projection meeting the attention weights");
        }

        // The rewrite: gather the pooled row once, feed it to the query projection and the residual.
        String row = unique(layerInput + "/pooled_row", producers, consumers);
        String index = unique(layerInput + "/pooled_position", producers, consumers);
        OnnxGraph.Node indexNode = OnnxGraph.Node.create(index, "Constant", List.of(), List.of(index),
                OnnxGraph.int64TensorAttribute("value", position));
        OnnxGraph.Node gather = OnnxGraph.Node.create(row, "Gather", List.of(layerInput, index), List.of(row),
                OnnxGraph.intAttribute("axis", 1));
        List<OnnxGraph.Node> rewritten = new ArrayList<>(nodes.size() + 2);
        String full = layerInput;
        boolean gathered = false;
        for (OnnxGraph.Node node : nodes) {
            if (node == query || node == residual) {
                if (!gathered) { // before the first of the two, after the layer input
                    rewritten.add(indexNode);
                    rewritten.add(gather);
                    gathered = true;
                }
                rewritten.add(node.withInputs(node.inputs().stream().map(in -> in.equals(full) ? row : in).toList()));
            } else {
                rewritten.add(node);
            }
        }

        // Where the pooled row flows, it may only meet what a single position legitimately meets.
        Set<String> pruned = forwardClosure(row, rewritten);
        Set<OnnxGraph.Node> scorePath = between(scores, attended, consumers, producers);
        for (OnnxGraph.Node node : rewritten) {
            if (node.inputs().stream().noneMatch(pruned::contains)) {
                continue;
            }
            for (int i = 0; i < node.inputs().size(); i++) {
                String input = node.inputs().get(i);
                boolean allowed = pruned.contains(input) || constants.contains(input)
                        || (node == scores && i == 1) || (node == attended && i == 1) || scorePath.contains(node);
                if (!allowed) {
                    return Plan.refused("the last layer's output meets '" + input + "' at a " + node.opType()
                            + " node, which would need every position");
                }
            }
        }
        Set<String> prunedOutputs = new HashSet<>(graph.outputs());
        prunedOutputs.retainAll(pruned);
        if (prunedOutputs.isEmpty()) {
            return Plan.refused("no graph output depends on the last layer");
        }
        return new Plan(rewritten, pruned, "the last layer computes only position " + position + " (query and feed-forward of one row"
                + " instead of every row); outputs " + prunedOutputs.stream().sorted().toList() + " hold that position alone");
    }

    /** Feeds exactly three projections by constant weights (as their first operand) and one Add. */
    private static boolean isLayerInput(String tensor, Map<String, List<OnnxGraph.Node>> consumers, Set<String> constants) {
        List<OnnxGraph.Node> users = consumers.getOrDefault(tensor, List.of());
        if (users.size() != 4) {
            return false;
        }
        int projections = 0;
        int adds = 0;
        for (OnnxGraph.Node user : users) {
            if (!user.isDefaultDomain()) {
                return false;
            }
            if (user.opType().equals("MatMul") && user.inputs().size() == 2 && user.inputs().get(0).equals(tensor)
                    && constants.contains(user.inputs().get(1))) {
                projections++;
            } else if (user.opType().equals("Add") && user.inputs().size() == 2) {
                adds++;
            }
        }
        return projections == 3 && adds == 1;
    }

    /** Follows a projection through bias, reshape and transpose to the one MatMul of two computed operands it feeds. */
    private static Endpoint attentionEndpoint(OnnxGraph.Node projection, Map<String, List<OnnxGraph.Node>> consumers, Set<String> constants) {
        Deque<String> frontier = new ArrayDeque<>(projection.outputs());
        Set<String> seen = new HashSet<>(frontier);
        List<Endpoint> found = new ArrayList<>();
        while (!frontier.isEmpty()) {
            String tensor = frontier.pop();
            for (OnnxGraph.Node user : consumers.getOrDefault(tensor, List.of())) {
                if (!user.isDefaultDomain()) {
                    return null;
                }
                if (SHAPE_ONLY.contains(user.opType())) {
                    continue;
                }
                if (user.opType().equals("MatMul") && user.inputs().stream().noneMatch(constants::contains)) {
                    found.add(new Endpoint(user, user.inputs().indexOf(tensor)));
                } else if (PASS_THROUGH.contains(user.opType()) && user.outputs().size() == 1) {
                    if (seen.add(user.outputs().get(0))) {
                        frontier.push(user.outputs().get(0));
                    }
                } else {
                    return null;
                }
            }
        }
        return found.size() == 1 ? found.get(0) : null;
    }

    /** Every tensor computed from {@code start} (itself included), through the nodes in order. */
    private static Set<String> forwardClosure(String start, List<OnnxGraph.Node> nodes) {
        Set<String> reached = new HashSet<>(Set.of(start));
        for (OnnxGraph.Node node : nodes) { // topological order: one pass suffices
            if (node.inputs().stream().anyMatch(reached::contains)) {
                reached.addAll(node.outputs());
            }
        }
        return reached;
    }

    /** Nodes on a data path from the attention scores to the attention product (mask, scale, softmax). */
    private static Set<OnnxGraph.Node> between(OnnxGraph.Node scores, OnnxGraph.Node attended,
            Map<String, List<OnnxGraph.Node>> consumers, Map<String, OnnxGraph.Node> producers) {
        Set<OnnxGraph.Node> downstream = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<String> frontier = new ArrayDeque<>(scores.outputs());
        while (!frontier.isEmpty()) {
            for (OnnxGraph.Node user : consumers.getOrDefault(frontier.pop(), List.of())) {
                if (user != attended && downstream.add(user)) {
                    frontier.addAll(user.outputs());
                }
            }
        }
        Set<OnnxGraph.Node> path = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<String> back = new ArrayDeque<>(List.of(attended.inputs().get(0)));
        while (!back.isEmpty()) {
            OnnxGraph.Node producer = producers.get(back.pop());
            if (producer != null && producer != scores && downstream.contains(producer) && path.add(producer)) {
                back.addAll(producer.inputs());
            }
        }
        return path;
    }

    private static String unique(String name, Map<String, OnnxGraph.Node> producers, Map<String, List<OnnxGraph.Node>> consumers) {
        String candidate = name;
        for (int i = 2; producers.containsKey(candidate) || consumers.containsKey(candidate); i++) {
            candidate = name + "_" + i;
        }
        return candidate;
    }
}
