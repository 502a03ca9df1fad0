package io.semdex.app;

import picocli.CommandLine.Command;

/** {@code semdex bench …}: throughput measurements, apart from the tests and never asserted. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measures semdex components; prints tables to paste into the README.",
        subcommands = {BenchEmbedCommand.class})
final class BenchCommand {}
