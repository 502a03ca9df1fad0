package io.semdex.ingest;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Passes records on untouched: parsing happens in {@link ParseFunction}, where failures are dead-lettered. */
final class KafkaRecordSchema implements KafkaRecordDeserializationSchema<KafkaRecord> {

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaRecord> out) {
        out.collect(new KafkaRecord(record.key(), record.value(), record.topic(), record.partition(), record.offset(), Math.max(0, record.timestamp())));
    }

    @Override
    public TypeInformation<KafkaRecord> getProducedType() {
        return TypeInformation.of(KafkaRecord.class);
    }
}
