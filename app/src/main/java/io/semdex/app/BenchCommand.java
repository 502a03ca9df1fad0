package io.semdex.app;

import picocli.CommandLine.Command;

/** {@code semdex bench}: measurements, never assertions. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {BenchIndexCommand.class})
final class BenchCommand {}
