package io.semdex.app.eval;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Embeddings already computed, by key, in an append-only file: a second evaluation run of the same
 * set and model skips the model (minutes on CPU for esci-dev). Lives in a work directory outside
 * the repository; deleting it only costs time. A torn last record (a run killed mid-write) is ignored.
 */
public final class VectorCache implements Closeable {

    private final Map<String, float[]> vectors = new HashMap<>();
    private final DataOutputStream out;

    private VectorCache(DataOutputStream out) {
        this.out = out;
    }

    static VectorCache open(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Map<String, float[]> loaded = new HashMap<>();
        long good = 0;
        if (Files.exists(file)) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
                while (true) {
                    String key = in.readUTF();
                    float[] v = new float[in.readInt()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = in.readFloat();
                    }
                    loaded.put(key, v);
                    good += 2 + key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4 + 4L * v.length;
                }
            } catch (EOFException | java.io.UTFDataFormatException torn) {
                // end of file, or a record cut short: keep what was whole
            }
            try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(good);
            }
        }
        VectorCache cache = new VectorCache(new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND))));
        cache.vectors.putAll(loaded);
        return cache;
    }

    synchronized float[] get(String key) {
        return vectors.get(key);
    }

    synchronized void put(String key, float[] vector) throws IOException {
        vectors.put(key, vector);
        out.writeUTF(key);
        out.writeInt(vector.length);
        for (float f : vector) {
            out.writeFloat(f);
        }
    }

    synchronized int size() {
        return vectors.size();
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
