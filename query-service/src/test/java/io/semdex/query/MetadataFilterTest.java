package io.semdex.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetadataFilterTest {

    @Test
    void aTermFilterNamesAMetadataFieldOrOneOfTheUnitsOwn() {
        MetadataFilter category = MetadataFilter.parse("category:shoes");
        assertThat(category.value()).isEqualTo("shoes");
        assertThat(category.indexField()).isEqualTo("field.category");
        assertThat(MetadataFilter.parse("source:confluence").indexField()).isEqualTo("source");
        assertThat(MetadataFilter.parse("brand:\"Under Armour\"").value()).isEqualTo("Under Armour");
        assertThat(MetadataFilter.parse("url:https://x.org/a").value()).as("split at the first colon").isEqualTo("https://x.org/a");
    }

    @Test
    void aRangeHasInclusiveOrExclusiveOrOpenBounds() {
        MetadataFilter.Range closed = MetadataFilter.parse("price:[10 TO 60]").range();
        assertThat(closed).isEqualTo(new MetadataFilter.Range(10, true, 60, true));
        MetadataFilter.Range half = MetadataFilter.parse("price:{10 TO *]").range();
        assertThat(half).isEqualTo(new MetadataFilter.Range(10, false, Double.POSITIVE_INFINITY, true));
        assertThat(MetadataFilter.parse("rating:[* TO 4.5}").range())
                .isEqualTo(new MetadataFilter.Range(Double.NEGATIVE_INFINITY, true, 4.5, false));
    }

    @Test
    void malformedFiltersSayWhatToWrite() {
        assertThatThrownBy(() -> MetadataFilter.parse("shoes")).hasMessageContaining("'name:value'");
        assertThatThrownBy(() -> MetadataFilter.parse("category:")).hasMessageContaining("'name:value'");
        assertThatThrownBy(() -> MetadataFilter.parse("cat egory:x")).hasMessageContaining("'cat egory'");
        assertThatThrownBy(() -> MetadataFilter.parse("price:[10 TO]")).hasMessageContaining("[10 TO 60]");
        assertThatThrownBy(() -> MetadataFilter.parse("price:[ten TO 60]")).hasMessageContaining("'ten'");
        assertThatThrownBy(() -> MetadataFilter.parse("price:[60 TO 10]")).hasMessageContaining("above its upper bound");
        assertThatThrownBy(() -> MetadataFilter.parse("brand:\"\"")).hasMessageContaining("empty value");
    }
}
