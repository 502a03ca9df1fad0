package io.semdex.sink;

import java.util.OptionalLong;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * What Flink tells a sink writer about where it runs: which subtask of how many, and a metric
 * group. That is all {@link LuceneSink} reads; the rest of the context fails loudly if it ever does.
 */
final class SubtaskContext implements WriterInitContext {

    private final TaskInfo task;

    SubtaskContext(int subtask, int parallelism) {
        this.task = new TaskInfoImpl("lucene-sink", Math.max(128, parallelism), subtask, parallelism, 0);
    }

    @Override
    public TaskInfo getTaskInfo() {
        return task;
    }

    @Override
    public SinkWriterMetricGroup metricGroup() {
        return UnregisteredMetricsGroup.createSinkWriterMetricGroup();
    }

    @Override
    public OptionalLong getRestoredCheckpointId() {
        return OptionalLong.empty();
    }

    @Override
    public JobInfo getJobInfo() {
        return new JobInfoImpl(new JobID(), "lucene-sink test");
    }

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
        throw unused("a user code class loader");
    }

    @Override
    public MailboxExecutor getMailboxExecutor() {
        throw unused("a mailbox executor");
    }

    @Override
    public ProcessingTimeService getProcessingTimeService() {
        throw unused("processing time");
    }

    @Override
    public SerializationSchema.InitializationContext asSerializationSchemaInitializationContext() {
        throw unused("a serialization schema context");
    }

    @Override
    public boolean isObjectReuseEnabled() {
        throw unused("object reuse");
    }

    @Override
    public <IN> TypeSerializer<IN> createInputSerializer() {
        throw unused("an input serializer");
    }

    private static UnsupportedOperationException unused(String what) {
        return new UnsupportedOperationException("the Lucene sink was not expected to ask for " + what);
    }
}
