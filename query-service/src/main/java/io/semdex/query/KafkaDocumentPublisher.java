package io.semdex.query;

import io.semdex.core.DocumentJson;
import io.semdex.core.SourceDocument;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces documents to the input topic, keyed by document id, and waits for the acknowledgements. */
public final class KafkaDocumentPublisher implements DocumentPublisher {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public KafkaDocumentPublisher(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, DocumentJson.DEFAULT_MAX_BYTES + 64 * 1024);
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    @Override
    public void publish(List<SourceDocument> documents) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(documents.size());
        for (SourceDocument doc : documents) {
            acks.add(producer.send(new ProducerRecord<>(topic, doc.id().getBytes(StandardCharsets.UTF_8), DocumentJson.toBytes(doc))));
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public String destination() {
        return "kafka:" + topic;
    }

    @Override
    public void close() {
        producer.close();
    }
}
