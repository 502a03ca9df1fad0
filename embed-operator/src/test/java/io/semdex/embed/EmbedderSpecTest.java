package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedderSpecTest {

    @Test
    void aBarePresetNameRunsInProcessWithCpuBatching() {
        EmbedderSpec spec = EmbedderSpec.parse("bge-small-zh-v1.5");
        assertThat(spec.preset().id()).isEqualTo("bge-small-zh-v1.5");
        assertThat(spec.preset().dimensions()).isEqualTo(512);
        assertThat(spec.isRemote()).isFalse();
        assertThat(spec.device()).isEqualTo(DeviceChoice.AUTO);
        assertThat(spec.batchingFor(Device.cpu())).isEqualTo(Batching.CPU_DEFAULT);
        assertThat(spec.batchingFor(Device.gpu(0))).isEqualTo(Batching.GPU_DEFAULT);
        assertThat(spec.pruneLastLayer()).isTrue();
    }

    @Test
    void lastLayerPruningCanBeTurnedOffButNotMisspelled() {
        assertThat(EmbedderSpec.parse("bge-small-zh-v1.5?prune=false").pruneLastLayer()).isFalse();
        assertThat(EmbedderSpec.parse("bge-small-zh-v1.5?prune=TRUE").pruneLastLayer()).isTrue();
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?prune=no")).hasMessageContaining("prune must be true or false, got 'no'");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?url=http://h:8000&remote-model=m&prune=false"))
                .hasMessageContaining("does not apply to a remote server");
    }

    @Test
    void qwen3SettingsApplyToThePreset() {
        EmbedderSpec spec = EmbedderSpec.parse(
                "qwen3-embedding-4b?dir=/models/q4&file=model.pt&dimensions=256&max-tokens=2048&device=cuda:1&batch-tokens=65536");
        ModelPreset preset = spec.preset();
        assertThat(preset.files().directory()).isEqualTo(Path.of("/models/q4").toString());
        assertThat(preset.files().model()).isEqualTo("model.pt");
        assertThat(preset.nativeDimensions()).isEqualTo(2560);
        assertThat(preset.dimensions()).isEqualTo(256);
        assertThat(preset.maxTokens()).isEqualTo(2048);
        assertThat(preset.pooling()).isEqualTo(Pooling.LAST_TOKEN);
        assertThat(preset.paddingSide()).isEqualTo(PaddingSide.LEFT);
        assertThat(preset.appendToken()).isEqualTo("<|endoftext|>");
        assertThat(spec.device().toString()).isEqualTo("cuda:1");
        assertThat(spec.batchingFor(Device.gpu(1))).isEqualTo(new Batching(Batching.GPU_DEFAULT.maxBatchSize(), 65536));
        assertThat(spec.batchingFor(Device.cpu())).isEqualTo(new Batching(Batching.CPU_DEFAULT.maxBatchSize(), 65536));
        assertThat(EmbedderSpec.parse("qwen3-embedding-8b").preset().nativeDimensions()).isEqualTo(4096);
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b").preset().nativeDimensions()).isEqualTo(1024);
    }

    @Test
    void aUrlMakesItARemoteModel() {
        EmbedderSpec spec = EmbedderSpec.parse(
                "qwen3-embedding-0.6b?url=http://gpu-host:8000&remote-model=Qwen/Qwen3-Embedding-0.6B&timeout=5s&retries=2&api-key-env=KEY");
        assertThat(spec.isRemote()).isTrue();
        assertThat(spec.remote().baseUrl()).isEqualTo("http://gpu-host:8000/v1");
        assertThat(spec.remote().embeddingsUri().toString()).isEqualTo("http://gpu-host:8000/v1/embeddings");
        assertThat(spec.remote().timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(spec.remote().retries()).isEqualTo(2);
        assertThat(spec.remote().apiKeyEnv()).isEqualTo("KEY");
    }

    @Test
    void mistakesAreNamedWithWhatIsAllowed() {
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-large")).hasMessageContaining("known: bge-small-zh-v1.5");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?dimension=256")).hasMessageContaining("unknown model spec key 'dimension'");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?dimensions=256")).hasMessageContaining("must be 512");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?task=x")).hasMessageContaining("task= does not apply");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?retries=3")).hasMessageContaining("add url=");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?url=ftp://x&remote-model=m")).hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?url=http://x")).hasMessageContaining("remote-model=");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?url=http://x&remote-model=m&device=cuda"))
                .hasMessageContaining("does not apply to a remote server");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?batch-size=0")).hasMessageContaining("1..65536");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?engine=tensorflow")).hasMessageContaining("auto, onnxruntime or pytorch");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?device=cuda&device=cpu")).hasMessageContaining("twice");
        assertThatThrownBy(() -> EmbedderSpec.parse("bge-small-zh-v1.5?file=x.onnx")).hasMessageContaining("needs dir=");
    }

    @Test
    void aSpecTravelsInAFlinkJobGraph() throws Exception {
        EmbedderSpec spec = EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1/v1&remote-model=q");
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(spec);
            out.writeObject(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/m&dimensions=64"));
        }
    }

    @Test
    void theQueryTemplateFillsTaskAndQuery() {
        ModelPreset bge = EmbedderSpec.parse("bge-small-zh-v1.5").preset();
        assertThat(bge.queryText("苹果")).isEqualTo("为这个句子生成表示以用于检索相关文章：苹果");
        assertThat(bge.documentText("苹果")).isEqualTo("苹果");
        ModelPreset e5 = EmbedderSpec.parse("e5-small-v2").preset();
        assertThat(e5.queryText("a")).isEqualTo("query: a");
        assertThat(e5.documentText("a")).isEqualTo("passage: a");
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b").preset().queryText("{task}?"))
                .endsWith("\nQuery:{task}?"); // a query that itself says {task} is left alone
    }

    @Test
    void theReuseFingerprintChangesWithWhatAVectorDependsOn() {
        ModelPreset qwen = EmbedderSpec.parse("qwen3-embedding-0.6b").preset();
        assertThat(qwen.fingerprint()).isEqualTo(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/elsewhere").preset().fingerprint());
        assertThat(qwen.fingerprint()).isNotEqualTo(qwen.withDimensions(256).fingerprint());
        assertThat(qwen.fingerprint()).isNotEqualTo(EmbedderSpec.parse("qwen3-embedding-4b").preset().fingerprint());
    }

    @Test
    void theStoredVectorFingerprintFollowsTheModelFileNotJustThePreset(@TempDir Path temp) throws Exception {
        Path first = Files.createDirectories(temp.resolve("a"));
        Path second = Files.createDirectories(temp.resolve("b"));
        byte[] weights = new byte[300 * 1024];
        new java.util.Random(7).nextBytes(weights);
        Files.write(first.resolve("model.onnx"), weights);
        weights[weights.length - 1] ^= 1; // same size, one byte in the last 64 KiB differs
        Files.write(second.resolve("model.onnx"), weights);
        String a = EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + first).fingerprint();

        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + first).fingerprint()).as("stable for the same file").isEqualTo(a);
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + second).fingerprint()).as("another checkpoint").isNotEqualTo(a);
        Files.write(second.resolve("model.onnx"), Arrays.copyOf(weights, weights.length + 1));
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + second).fingerprint()).isNotEqualTo(a);
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + first + "&dimensions=256").fingerprint())
                .as("the preset's settings still count").isNotEqualTo(a);
        assertThatThrownBy(() -> EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + temp.resolve("none")).fingerprint())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("none");
    }

    @Test
    void aRemoteFingerprintNamesTheServerAndItsModel() {
        String remote = EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1/v1&remote-model=q").fingerprint();
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1&remote-model=q&tokenizer=/t.json").fingerprint())
                .isEqualTo(remote);
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:2/v1&remote-model=q").fingerprint()).isNotEqualTo(remote);
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1/v1&remote-model=q2").fingerprint()).isNotEqualTo(remote);
    }

    @Test
    void theTokenizerOfASpecIsInItsFiles() {
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?dir=/models/q").tokenizerFiles().orElseThrow().directory())
                .isEqualTo("/models/q");
        ModelFiles remote = EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1&remote-model=q&tokenizer=/tok/q3.json")
                .tokenizerFiles().orElseThrow();
        assertThat(Path.of(remote.directory()).resolve(remote.tokenizer())).isEqualTo(Path.of("/tok/q3.json"));
        assertThat(EmbedderSpec.parse("qwen3-embedding-0.6b?url=http://h:1&remote-model=q").tokenizerFiles()).isEmpty();
        assertThatThrownBy(() -> EmbedderSpec.parse("qwen3-embedding-0.6b?tokenizer=/t.json")).hasMessageContaining("add url=");
    }
}
