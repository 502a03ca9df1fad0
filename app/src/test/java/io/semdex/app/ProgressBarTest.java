package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void rendersTheShareDoneAndTheCount() {
        assertThat(ProgressBar.render(0, 175)).isEqualTo("[>                             ] 0/175");
        assertThat(ProgressBar.render(120, 175)).isEqualTo("[====================>         ] 120/175");
        assertThat(ProgressBar.render(175, 175)).isEqualTo("[==============================] 175/175");
        assertThat(ProgressBar.render(0, 0)).isEqualTo("[==============================] 0/0");
    }

    @Test
    void redrawsInPlaceAndEndsTheLineWhenFinished() {
        StringWriter out = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(out), 3);
        bar.advance();
        bar.advance();
        bar.advance();
        bar.finish();
        assertThat(out.toString()).startsWith("\r[").endsWith("] 3/3" + System.lineSeparator()).doesNotContain("\n[");
    }
}
