# The Flink image the Flink Kubernetes Operator runs (kubernetes/semdex-ingest.yaml): Flink's own 2.2.1 image on
# Java 21, whose pods the operator starts with Flink's own entrypoint, plus the job jar (Java 21 bytecode) and what
# Flink's lib/ needs beside it: DJL, its tokenizers and ONNX Runtime (Linux builds), which load parent-first
# (classloader.parent-first-patterns.additional in the FlinkDeployment). Build from the repository root after
# `mvn -B -DskipTests package`:
#   docker build -f kubernetes/flink.Dockerfile -t semdex-flink-k8s:0.1.0 .
# No RUN step (docs/cluster.md, Images).
ARG BASE_IMAGE=flink:2.2.1-scala_2.12-java21
FROM ${BASE_IMAGE}

COPY cluster/target/flink-addons/lib/ /opt/flink/lib/
COPY dist/target/semdex/job/semdex-ingest-job.jar /opt/flink/usrlib/semdex-ingest-job.jar

# Flink's own image runs as its user "flink" (uid 9999); the FlinkDeployment's pod template says so too.
USER 9999:9999
EXPOSE 6123 8081
