package io.semdex.app;

import java.nio.file.Path;

/** Facts about how this process was launched. */
public final class Launcher {

    private Launcher() {}

    /** The install directory: {@code semdex.home} from the launcher script, else the working directory. */
    public static Path home() {
        return Path.of(System.getProperty("semdex.home", ".")).toAbsolutePath().normalize();
    }
}
