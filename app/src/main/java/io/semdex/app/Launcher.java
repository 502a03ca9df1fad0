package io.semdex.app;

import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about how this process was launched. */
public final class Launcher {

    private Launcher() {}

    /** The installation directory: {@code semdex.home} from the launcher script, else the working directory. */
    public static Path home() {
        return Path.of(System.getProperty("semdex.home", ".")).toAbsolutePath().normalize();
    }

    /**
     * The shared data folder (evaluation sets, exports, samples): {@code semdex.shared.data} from the
     * launcher ({@code SEMDEX_SHARED_DATA}; a source checkout's {@code ../shared/data}), else
     * {@code ../shared/data} beside the installation.
     */
    public static Path sharedData() {
        String shared = System.getProperty("semdex.shared.data");
        return (shared != null ? Path.of(shared) : home().resolve("../shared/data")).toAbsolutePath().normalize();
    }

    /** The demo's knowledge base: the shared data's sample, else the one an installation carries in {@code samples/}. */
    static Path knowledgeBase() {
        Path shared = sharedData().resolve("samples/knowledge-base.txt");
        return Files.isRegularFile(shared) ? shared : home().resolve("samples/knowledge-base.txt");
    }
}
