package io.semdex.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One {@code semdex} command line run in this JVM, as {@link Semdex#main} runs it, with what it printed. */
record CommandRun(int exit, String out, String err) {

    static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Semdex.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new CommandRun(exit, out.toString(), err.toString());
    }
}
