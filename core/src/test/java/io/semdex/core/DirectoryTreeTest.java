package io.semdex.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTreeTest {

    @TempDir
    Path temp;

    @Test
    void removesTheRootWithEverythingBelowItAndNothingBeside() throws IOException {
        Path root = temp.resolve("gen-1");
        Files.createDirectories(root.resolve("shard-0/segments"));
        Files.writeString(root.resolve("manifest.json"), "{}");
        Files.writeString(root.resolve("shard-0/segments/_0.cfs"), "x");
        Path sibling = Files.writeString(temp.resolve("gen-10"), "kept");

        DirectoryTree.delete(root);

        assertThat(root).doesNotExist();
        assertThat(sibling).hasContent("kept");
    }

    @Test
    void aMissingRootIsLeftAsItIs() throws IOException {
        DirectoryTree.delete(temp.resolve("never-created"));
        assertThat(temp).isEmptyDirectory();
    }

    @Test
    void aLinkIsRemovedWithoutTouchingWhatItPointsTo() throws IOException {
        Path target = Files.createDirectories(temp.resolve("elsewhere"));
        Files.writeString(target.resolve("keep.txt"), "kept");
        Path root = Files.createDirectories(temp.resolve("scratch"));
        Files.createSymbolicLink(root.resolve("link"), target);

        DirectoryTree.delete(root);

        assertThat(root).doesNotExist();
        assertThat(target.resolve("keep.txt")).hasContent("kept");
    }
}
