package io.semdex.embed;

import java.util.List;

/**
 * Where an embedder instance runs: the Flink subtask it serves and the GPUs it may use from those
 * Flink's external resource framework gave its TaskManager ({@code external-resource.gpu.*}), by index.
 * The embed operator passes the one GPU it leased for the subtask ({@link TaskManagerGpus}).
 *
 * @param subtaskIndex 0-based index of the subtask; spreads subtasks over GPUs when several are given
 * @param gpuIndices GPU indices from {@code getExternalResourceInfos("gpu")}, empty when none is declared
 */
public record Slot(int subtaskIndex, List<String> gpuIndices) {

    /** A process with one embedder and no Flink GPU resources, such as the query service. */
    public static final Slot SINGLE = new Slot(0, List.of());

    public Slot {
        if (subtaskIndex < 0) {
            throw new IllegalArgumentException("subtask index must be >= 0, got " + subtaskIndex);
        }
        gpuIndices = List.copyOf(gpuIndices);
    }
}
