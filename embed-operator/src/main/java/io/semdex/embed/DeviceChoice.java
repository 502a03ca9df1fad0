package io.semdex.embed;

import ai.djl.Device;
import java.io.Serializable;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * Which device a model runs on, as configured: {@code cpu}, {@code cuda} (a GPU chosen per slot),
 * {@code cuda:N} (that GPU), or {@code auto} (a GPU per slot when there is one, else the CPU).
 *
 * <p>Per slot, the GPU is the one the embed operator leased for its subtask among those Flink's GPU
 * resource gave the TaskManager (subtask index modulo their number when a slot is given several);
 * without Flink GPU resources, subtask index modulo the GPUs the CUDA runtime sees.
 */
public record DeviceChoice(Kind kind, int index) implements Serializable {

    public enum Kind { CPU, CUDA, AUTO }

    public static final DeviceChoice CPU = new DeviceChoice(Kind.CPU, -1);
    public static final DeviceChoice AUTO = new DeviceChoice(Kind.AUTO, -1);

    public DeviceChoice {
        if (kind == Kind.CUDA ? index < -1 : index != -1) {
            throw new IllegalArgumentException("a GPU index must be >= 0 and only given with cuda, got " + kind + ":" + index);
        }
    }

    /** Parses {@code cpu}, {@code cuda}, {@code cuda:N} ({@code gpu} is a synonym) or {@code auto}. */
    public static DeviceChoice parse(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return CPU;
        }
        if (s.equals("auto")) {
            return AUTO;
        }
        if (s.equals("cuda") || s.equals("gpu")) {
            return new DeviceChoice(Kind.CUDA, -1);
        }
        if (s.startsWith("cuda:") || s.startsWith("gpu:")) {
            try {
                int index = Integer.parseInt(s.substring(s.indexOf(':') + 1));
                if (index >= 0) {
                    return new DeviceChoice(Kind.CUDA, index);
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
        }
        throw new IllegalArgumentException("device must be cpu, cuda, cuda:N (N >= 0) or auto, got '" + text + "'");
    }

    /** Whether this choice may end on a GPU. */
    public boolean wantsGpu() {
        return kind != Kind.CPU;
    }

    /**
     * The device for one slot.
     *
     * @param visibleGpus how many GPUs the CUDA runtime sees; asked only when needed
     * @throws IllegalStateException when {@code cuda} is configured and there is no GPU
     */
    public Device resolve(Slot slot, IntSupplier visibleGpus) {
        if (kind == Kind.CPU) {
            return Device.cpu();
        }
        if (kind == Kind.CUDA && index >= 0) {
            return Device.gpu(index);
        }
        int gpu = gpuFor(slot, slot.gpuIndices().isEmpty() ? visibleGpus.getAsInt() : 0);
        if (gpu >= 0) {
            return Device.gpu(gpu);
        }
        if (kind == Kind.AUTO) {
            return Device.cpu();
        }
        throw new IllegalStateException("device is cuda but subtask " + slot.subtaskIndex() + " sees no GPU: declare"
                + " external-resource.gpu.* on the TaskManager, make the CUDA runtime visible, or configure device=auto|cpu");
    }

    /**
     * The GPU index for a slot: from Flink's GPU resource when declared, else among the visible
     * GPUs; -1 when there is none.
     */
    static int gpuFor(Slot slot, int visibleGpus) {
        if (!slot.gpuIndices().isEmpty()) {
            String index = slot.gpuIndices().get(slot.subtaskIndex() % slot.gpuIndices().size());
            try {
                return Integer.parseInt(index.strip());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("Flink's GPU resource reported index '" + index + "', not a number", e);
            }
        }
        return visibleGpus > 0 ? slot.subtaskIndex() % visibleGpus : -1;
    }

    @Override
    public String toString() {
        return kind == Kind.CUDA && index >= 0 ? "cuda:" + index : kind.name().toLowerCase(Locale.ROOT);
    }
}
