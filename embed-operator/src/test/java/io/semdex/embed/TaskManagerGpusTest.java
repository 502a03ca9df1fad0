package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TaskManagerGpusTest {

    @Test
    void subtasksOnOneTaskManagerGetDifferentGpusWhateverTheirIndices() {
        List<String> gpus = List.of("4", "5", "6", "7");
        List<TaskManagerGpus.Lease> leases = new ArrayList<>();
        List<Device> devices = new ArrayList<>();
        // Subtasks 0, 4, 8, 12 of sixteen: by index modulo four all four would take the first GPU.
        for (int subtask : new int[] {0, 4, 8, 12}) {
            TaskManagerGpus.Lease lease = TaskManagerGpus.acquire(gpus);
            leases.add(lease);
            devices.add(DeviceChoice.AUTO.resolve(new Slot(subtask, List.of(lease.index())), () -> 0));
        }
        assertThat(devices).containsExactly(Device.gpu(4), Device.gpu(5), Device.gpu(6), Device.gpu(7));
        leases.forEach(TaskManagerGpus.Lease::close);
    }

    @Test
    void aClosedLeaseFreesItsGpuForTheRestartedSubtask() {
        List<String> gpus = List.of("10", "11");
        TaskManagerGpus.Lease a = TaskManagerGpus.acquire(gpus);
        TaskManagerGpus.Lease b = TaskManagerGpus.acquire(gpus);
        assertThat(List.of(a.index(), b.index())).containsExactly("10", "11");
        b.close();
        b.close(); // twice is harmless
        TaskManagerGpus.Lease again = TaskManagerGpus.acquire(gpus);
        assertThat(again.index()).isEqualTo("11");
        // More subtasks than GPUs share them evenly.
        TaskManagerGpus.Lease third = TaskManagerGpus.acquire(gpus);
        TaskManagerGpus.Lease fourth = TaskManagerGpus.acquire(gpus);
        assertThat(List.of(third.index(), fourth.index())).containsExactlyInAnyOrder("10", "11");
        List.of(a, again, third, fourth).forEach(TaskManagerGpus.Lease::close);
    }

    @Test
    void aTaskManagerWithoutGpusHasNothingToLease() {
        assertThatThrownBy(() -> TaskManagerGpus.acquire(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
