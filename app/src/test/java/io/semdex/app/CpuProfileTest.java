package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Collapsed async-profiler stacks summed into parts of the work and thread groups. */
class CpuProfileTest {

    @Test
    void samplesGoToTheFirstPartWhoseFrameIsInTheStackAndPoolThreadsCountAsOne() {
        String collapsed = String.join("\n",
                "[semdex-embed-bge-small-zh-v1.5 tid=101];java.lang.Thread.run;ai.djl.inference.Predictor.predict;ai.onnxruntime.OrtSession.run 60",
                "[semdex-embed-bge-small-zh-v1.5 tid=102];java.lang.Thread.run;ai.onnxruntime.OrtSession.run 30",
                "[embed: bge (1/1)#0 tid=55];org.apache.flink.streaming.runtime.tasks.StreamTask.invoke;io.semdex.ingest.Splitter.split 6",
                "[kafka-producer-network-thread | producer-1 tid=7];org.apache.kafka.clients.NetworkClient.poll 3",
                "[main tid=1];java.lang.Thread.sleep 1",
                "not a stack line");
        CpuProfile.Breakdown breakdown = CpuProfile.summarize(collapsed);
        assertThat(breakdown.total()).isEqualTo(100);
        assertThat(breakdown.share("model inference (ONNX Runtime / PyTorch)")).isEqualTo(0.9);
        assertThat(breakdown.share("parse and split")).isEqualTo(0.06);
        assertThat(breakdown.share("Kafka (broker, clients)")).isEqualTo(0.03);
        assertThat(breakdown.share("other")).isEqualTo(0.01);
        assertThat(breakdown.threads()).containsEntry("semdex-embed-bge-small-zh-v1.5", 90L).containsEntry("embed: bge", 6L);
    }
}
