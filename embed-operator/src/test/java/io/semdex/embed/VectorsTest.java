package io.semdex.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VectorsTest {

    @Test
    void aVectorsBytesGiveBackExactlyItsFloats() {
        float[] v = {0.1f, -0.0f, Float.MIN_VALUE, -Float.MAX_VALUE, 1f / 3, Float.NaN};
        byte[] bytes = Vectors.toBytes(v);
        assertThat(bytes).hasSize(v.length * 4);
        float[] back = Vectors.fromBytes(bytes);
        assertThat(back).hasSameSizeAs(v);
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.floatToRawIntBits(back[i])).as("float %d", i).isEqualTo(Float.floatToRawIntBits(v[i]));
        }
        // Little-endian: 1.0f is 0x3F800000.
        assertThat(Vectors.toBytes(new float[] {1f})).containsExactly(0x00, 0x00, (byte) 0x80, 0x3F);
    }

    @Test
    void bytesThatAreNotWholeFloatsAreRefused() {
        assertThatThrownBy(() -> Vectors.fromBytes(new byte[6])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6");
    }
}
