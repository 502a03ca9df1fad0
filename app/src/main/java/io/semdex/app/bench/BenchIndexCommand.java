package io.semdex.app.bench;

import io.semdex.core.ContentHash;
import io.semdex.core.DirectoryTree;
import io.semdex.core.EmbeddedDocument;
import io.semdex.core.EmbeddedUnit;
import io.semdex.core.IndexOptions;
import io.semdex.core.Percentiles;
import io.semdex.core.PublishedCommit;
import io.semdex.core.TextAnalysis;
import io.semdex.core.Unit;
import io.semdex.sink.ShardWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code semdex bench index}: how fast a shard takes units and commits, and how big it gets, with
 * each vector quantization. No model runs: vectors are random unit vectors, so the figures are
 * the index's own cost. Quantized formats add their int8 / int4 copy beside the float vectors,
 * which Lucene keeps (semdex reports exact cosines from them), so they grow the disk footprint
 * while shrinking what kNN search has to hold in memory.
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = "Index build rate (units/s, no embedding), commit latency and index size per 1,000 units, per quantization.")
final class BenchIndexCommand implements Callable<Integer> {

    @Option(names = "--units", defaultValue = "20000", description = "Units to index per run (default: ${DEFAULT-VALUE}).")
    int units;

    @Option(names = "--dimensions", defaultValue = "512", description = "Vector dimensions (default: ${DEFAULT-VALUE}, bge-small-zh-v1.5).")
    int dimensions;

    @Option(names = "--commit-every", defaultValue = "500", description = "Units between commits, as checkpoints would cut them (default: ${DEFAULT-VALUE}).")
    int commitEvery;

    @Override
    public Integer call() throws Exception {
        System.out.printf("%d units of %d dimensions, one commit per %d units%n%n", units, dimensions, commitEvery);
        System.out.println("| quantization | units/s | commit p50 ms | commit p95 ms | disk / 1,000 units (MB) | force-merged (MB) |");
        System.out.println("|---|---|---|---|---|---|");
        for (String quantization : List.of("none", "int8", "int4")) {
            run(quantization);
        }
        return 0;
    }

    private void run(String quantization) throws Exception {
        Path dir = Files.createTempDirectory("semdex-bench-index-");
        Random random = new Random(42);
        Percentiles commitNanos = new Percentiles();
        long start = System.nanoTime();
        try (ShardWriter shard = ShardWriter.open(dir, TextAnalysis.CJK_BIGRAM, IndexOptions.DEFAULT.withQuantization(quantization),
                OptionalLong.empty())) {
            for (int i = 0; i < units; i++) {
                String id = "bench-" + i;
                String text = "Unit " + i + " about shipping, returns and order " + random.nextInt(1000) + " 物流和退货说明 " + i;
                Unit unit = new Unit(Unit.idOf(id, 0), id, 0, text, List.of(), null, null, null, null, null, ContentHash.of(text));
                shard.apply(new EmbeddedDocument(id, 0, false, List.of(new EmbeddedUnit(unit, randomUnitVector(random)))));
                if ((i + 1) % commitEvery == 0) {
                    long c = System.nanoTime();
                    PublishedCommit.write(dir, shard.commit().orElseThrow());
                    commitNanos.record(System.nanoTime() - c);
                }
            }
            shard.commitAndPublish();
            double seconds = (System.nanoTime() - start) / 1e9;
            double size = sizeMb(dir) * 1000.0 / units;
            shard.forceMerge();
            shard.commitAndPublish();
            double merged = sizeMb(dir) * 1000.0 / units;
            System.out.printf("| %s | %.0f | %.1f | %.1f | %.2f | %.2f |%n", quantization, units / seconds,
                    commitNanos.at(50) / 1e6, commitNanos.at(95) / 1e6, size, merged);
        } finally {
            DirectoryTree.delete(dir);
        }
    }

    private float[] randomUnitVector(Random random) {
        float[] v = new float[dimensions];
        double norm = 0;
        for (int d = 0; d < dimensions; d++) {
            v[d] = (float) random.nextGaussian();
            norm += v[d] * v[d];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < dimensions; d++) {
            v[d] *= inv;
        }
        return v;
    }

    private static double sizeMb(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum() / 1e6;
        }
    }

}
