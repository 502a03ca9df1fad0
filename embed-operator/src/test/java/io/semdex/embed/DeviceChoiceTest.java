package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {

    @Test
    void theFlinkGpuResourceOfTheSlotDecidesFirst() {
        Slot slot = new Slot(3, List.of("2", "5"));
        assertThat(DeviceChoice.parse("cuda").resolve(slot, () -> 8)).isEqualTo(Device.gpu(5));
        assertThat(DeviceChoice.parse("auto").resolve(new Slot(2, List.of("2", "5")), () -> 0)).isEqualTo(Device.gpu(2));
    }

    @Test
    void withoutFlinkGpuResourcesSubtasksSpreadOverTheVisibleGpus() {
        assertThat(DeviceChoice.parse("cuda").resolve(new Slot(5, List.of()), () -> 4)).isEqualTo(Device.gpu(1));
        assertThat(DeviceChoice.parse("auto").resolve(new Slot(0, List.of()), () -> 2)).isEqualTo(Device.gpu(0));
    }

    @Test
    void autoFallsBackToTheCpuButCudaWithoutAGpuIsAnError() {
        assertThat(DeviceChoice.AUTO.resolve(Slot.SINGLE, () -> 0)).isEqualTo(Device.cpu());
        assertThatThrownBy(() -> DeviceChoice.parse("cuda").resolve(Slot.SINGLE, () -> 0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("external-resource.gpu");
    }

    @Test
    void aFixedGpuAndTheCpuIgnoreTheSlot() {
        assertThat(DeviceChoice.parse("cuda:3").resolve(new Slot(1, List.of("0")), () -> 0)).isEqualTo(Device.gpu(3));
        assertThat(DeviceChoice.parse("gpu:0").toString()).isEqualTo("cuda:0");
        assertThat(DeviceChoice.CPU.resolve(new Slot(1, List.of("0")), () -> 4)).isEqualTo(Device.cpu());
    }

    @Test
    void badDevicesAreRefusedWithTheAllowedForms() {
        for (String bad : List.of("tpu", "cuda:-1", "cuda:x", "")) {
            assertThatThrownBy(() -> DeviceChoice.parse(bad)).hasMessageContaining("cpu, cuda, cuda:N");
        }
    }
}
