package io.semdex.embed;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands DJL's PyTorch engine the CPU libtorch of an installation when, and only when, a TorchScript
 * model is opened: the library is 112 MB of native code that no ONNX model needs, so an installation
 * keeps its jar in {@code lib/pytorch} (the {@code semdex.pytorch} system property), off the class
 * path of every command.
 *
 * <p>Nothing is done when libtorch comes from elsewhere: {@code PYTORCH_LIBRARY_PATH} (a CUDA
 * libtorch on a GPU host), or a native jar on the class path (a development build, the tests).
 */
final class PyTorchLibrary {

    static final String FOLDER_PROPERTY = "semdex.pytorch";

    private static final Logger LOG = LoggerFactory.getLogger(PyTorchLibrary.class);
    private static boolean loaded;

    private PyTorchLibrary() {}

    /** Loads DJL's PyTorch engine, from the installation's libtorch jar where nothing else provides one. */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        String folder = System.getProperty(FOLDER_PROPERTY);
        if (folder == null || providedElsewhere()) {
            loaded = true;
            return;
        }
        URL[] jars = jars(Path.of(folder));
        if (jars.length == 0) {
            throw new IllegalStateException("a TorchScript model needs libtorch, and this installation has none in " + folder
                    + ": put pytorch-native-cpu-2.7.1-linux-x86_64.jar there, or set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1"
                    + " (with PYTORCH_FLAVOR, e.g. cu124, for a CUDA build)");
        }
        // DJL finds its native library as a resource of the thread's context class loader, extracts it into its cache
        // and loads it into the JVM once; the loader is needed for that moment only.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(new URLClassLoader("semdex-pytorch", jars, previous));
        try {
            Engine engine = Engine.getEngine("PyTorch");
            LOG.info("PyTorch engine {} loaded from {}", engine.getVersion(), folder);
        } finally {
            thread.setContextClassLoader(previous);
        }
        loaded = true;
    }

    private static boolean providedElsewhere() {
        if (System.getenv("PYTORCH_LIBRARY_PATH") != null || System.getProperty("PYTORCH_LIBRARY_PATH") != null) {
            return true;
        }
        try {
            // The engine jar has no such file; the native jars (CPU or CUDA) each have one.
            return PyTorchLibrary.class.getClassLoader().getResources("native/lib/pytorch.properties").hasMoreElements();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static URL[] jars(Path folder) {
        if (!Files.isDirectory(folder)) {
            return new URL[0];
        }
        try (Stream<Path> files = Files.list(folder)) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
            URL[] urls = new URL[jars.size()];
            for (int i = 0; i < urls.length; i++) {
                urls[i] = jars.get(i).toUri().toURL();
            }
            return urls;
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }
}
