package io.semdex.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where a model's files are: resources at the root of a jar on the classpath (the bundled models
 * travel in Maven artifacts), or a local directory. Nothing is ever downloaded.
 *
 * @param model file name of the model ({@code .onnx})
 * @param tokenizer file name of the HuggingFace {@code tokenizer.json}
 * @param directory local directory holding both, or null for classpath resources
 */
public record ModelFiles(String model, String tokenizer, Path directory) implements Serializable {

    /** Files at the root of a jar on the classpath. */
    public static ModelFiles classpath(String model, String tokenizer) {
        return new ModelFiles(model, tokenizer, null);
    }

    public Path modelPath() {
        return resolve(model);
    }

    public Path tokenizerPath() {
        return resolve(tokenizer);
    }

    private Path resolve(String name) {
        if (directory != null) {
            Path file = directory.resolve(name);
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
