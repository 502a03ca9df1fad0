package io.semdex.embed;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands the GPUs of this TaskManager (Flink's {@code external-resource.gpu}, which every slot of
 * the TaskManager sees as the same list) to its embed subtasks, one each, least used first: with
 * one slot per GPU, every subtask gets a GPU of its own.
 *
 * <p>Choosing by subtask index modulo the GPU count would not do that: the subtasks that land on
 * one TaskManager have arbitrary indices (0, 4, 8, 12 with 16 subtasks on four TaskManagers, all
 * on GPU 0). The subtasks of a job on one TaskManager share its user class loader, so a static
 * count is the TaskManager-wide view; a lease is returned when the subtask closes (failover,
 * cancel), so a restarted subtask takes a free GPU again.
 */
final class TaskManagerGpus {

    private static final Map<String, Integer> IN_USE = new HashMap<>();

    private TaskManagerGpus() {}

    /** A GPU index held by one subtask until {@link #close()}. */
    static final class Lease implements AutoCloseable {
        private final String index;
        private boolean closed;

        private Lease(String index) {
            this.index = index;
        }

        String index() {
            return index;
        }

        @Override
        public void close() {
            synchronized (IN_USE) {
                if (!closed) {
                    closed = true;
                    IN_USE.computeIfPresent(index, (k, n) -> n > 1 ? n - 1 : null);
                }
            }
        }
    }

    /**
     * Leases the least used of {@code gpus} (the first of them on a tie).
     *
     * @throws IllegalArgumentException when {@code gpus} is empty
     */
    static Lease acquire(List<String> gpus) {
        if (gpus.isEmpty()) {
            throw new IllegalArgumentException("no GPU to lease: the TaskManager declares none");
        }
        synchronized (IN_USE) {
            String best = gpus.getFirst();
            for (String gpu : gpus) {
                if (IN_USE.getOrDefault(gpu, 0) < IN_USE.getOrDefault(best, 0)) {
                    best = gpu;
                }
            }
            IN_USE.merge(best, 1, Integer::sum);
            return new Lease(best);
        }
    }
}
