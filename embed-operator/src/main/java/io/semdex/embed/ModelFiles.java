package io.semdex.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Where a model's files are: resources at the root of a model jar (the bundled models travel in
 * Maven artifacts), or a local directory. Nothing is ever downloaded.
 *
 * <p>A model jar is found on the classpath, or else among the jars of the folder named by the
 * {@code semdex.models} system property: an installation keeps its model jars in {@code lib/models},
 * off the classpath, so a command carries only the model it opens.
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
    /** The folder of model jars that are not on the classpath (an installation's {@code lib/models}). */
    static final String MODELS_PROPERTY = "semdex.models";

    public ModelFiles {
        if (tokenizer == null || tokenizer.isBlank()) {
            throw new IllegalArgumentException("a model needs a tokenizer file name");
        }
        if (directory == null && (model == null || model.isBlank())) {
            throw new IllegalArgumentException("a classpath model needs its model file name");
        }
    }

    /** Files at the root of a model jar (on the classpath or in {@code semdex.models}). */
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
        URL url = locate(name);
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

    /** The model jar entry {@code name}: from the classpath, else from a jar in the {@code semdex.models} folder. */
    private static URL locate(String name) {
        URL url = ModelFiles.class.getClassLoader().getResource(name);
        if (url != null) {
            return url;
        }
        String folder = System.getProperty(MODELS_PROPERTY);
        if (folder != null) {
            List<Path> jars;
            try (Stream<Path> files = Files.list(Path.of(folder))) {
                jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
            } catch (IOException e) {
                jars = List.of(); // no such folder: the message below names it
            }
            for (Path jar : jars) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    if (file.getEntry(name) != null) {
                        return URI.create("jar:" + jar.toUri() + "!/" + name).toURL();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read model jar " + jar, e);
                }
            }
        }
        throw new IllegalStateException("model file '" + name + "' is in no jar on the classpath"
                + (folder == null ? "" : " or in " + folder) + ": is the model's jar installed (lib/models of the installation,"
                + " or the Maven artifact as a dependency)?");
    }
}
