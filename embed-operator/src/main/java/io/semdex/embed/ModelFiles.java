package io.semdex.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Where a model's files are: resources at the root of a jar on the classpath (the bundled models
 * travel in Maven artifacts), or a local directory. Nothing is ever downloaded.
 *
 * <p>A directory holds {@code tokenizer.json}, optionally {@code tokenizer_config.json} (its
 * {@code pad_token} decides the padding id), and the model: {@code model.onnx} (ONNX Runtime) or
 * {@code model.pt} (TorchScript, PyTorch).
 *
 * @param model file name of the model; null in a directory means {@code model.onnx}, else {@code model.pt}
 * @param tokenizer file name of the HuggingFace {@code tokenizer.json}
 * @param directory local directory holding them, or null for classpath resources (a string, because
 *     {@link Path} is not serializable and presets travel inside Flink job graphs)
 */
public record ModelFiles(String model, String tokenizer, String directory) implements Serializable {

    static final String ONNX_FILE = "model.onnx";
    static final String TORCHSCRIPT_FILE = "model.pt";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";

    public ModelFiles {
        if (tokenizer == null || tokenizer.isBlank()) {
            throw new IllegalArgumentException("a model needs a tokenizer file name");
        }
        if (directory == null && (model == null || model.isBlank())) {
            throw new IllegalArgumentException("a classpath model needs its model file name");
        }
    }

    /** Files at the root of a jar on the classpath. */
    public static ModelFiles classpath(String model, String tokenizer) {
        return new ModelFiles(model, tokenizer, null);
    }

    /**
     * Files in a local directory: {@code tokenizer.json} and the model file named here, or, when
     * {@code model} is null, {@code model.onnx} if present, else {@code model.pt}.
     */
    public static ModelFiles directory(Path directory, String model) {
        return new ModelFiles(model, "tokenizer.json", directory.toAbsolutePath().normalize().toString());
    }

    public Path modelPath() {
        if (directory != null && model == null) {
            Path dir = Path.of(directory);
            for (String name : new String[] {ONNX_FILE, TORCHSCRIPT_FILE}) {
                if (Files.isRegularFile(dir.resolve(name))) {
                    return dir.resolve(name);
                }
            }
            throw new IllegalStateException("model directory " + dir + " has no " + ONNX_FILE + " or " + TORCHSCRIPT_FILE
                    + ": put the exported model there next to tokenizer.json and tokenizer_config.json, or name the"
                    + " model file with ?file=NAME");
        }
        return resolve(model);
    }

    public Path tokenizerPath() {
        return resolve(tokenizer);
    }

    /** {@code tokenizer_config.json} beside the tokenizer, when the model comes from a directory that has one. */
    public Optional<Path> tokenizerConfigPath() {
        if (directory == null) {
            return Optional.empty();
        }
        Path file = Path.of(directory).resolve(TOKENIZER_CONFIG);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    private Path resolve(String name) {
        if (directory != null) {
            Path file = Path.of(directory).resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new IllegalStateException("model file " + file + " does not exist");
            }
            return file;
        }
        return extract(name);
    }

    /**
     * ONNX Runtime reads models from files, so a classpath resource is copied once into the model
     * cache ({@code semdex.model.cache}, default {@code ~/.cache/semdex/models}); concurrent
     * extractions (a Flink subtask and the query service) each write a temp file and rename it.
     */
    private static Path extract(String name) {
        ClassLoader loader = ModelFiles.class.getClassLoader();
        var url = loader.getResource(name);
        if (url == null) {
            throw new IllegalStateException("model resource '" + name + "' is not on the classpath;"
                    + " is the model's Maven artifact a dependency?");
        }
        Path cache = Path.of(System.getProperty("semdex.model.cache",
                System.getProperty("user.home") + "/.cache/semdex/models"));
        try {
            long size = url.openConnection().getContentLengthLong();
            Path target = cache.resolve(name);
            if (Files.isRegularFile(target) && Files.size(target) == size) {
                return target;
            }
            Files.createDirectories(cache);
            Path tmp = Files.createTempFile(cache, name, ".part");
            try (InputStream in = url.openStream()) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract model resource '" + name + "' to " + cache, e);
        }
    }
}
