package io.semdex.app;

import io.semdex.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes documents straight to an embedded stack's input topic, keyed by id, as a producer of the contract would. */
final class StackTopic implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    StackTopic(EmbeddedStack stack) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = stack.topic();
    }

    /** Sends {@code {"id": id, "body": body}}. */
    void send(String id, String body) {
        producer.send(new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8),
                Json.MAPPER.createObjectNode().put("id", id).put("body", body).toString().getBytes(StandardCharsets.UTF_8)));
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
