package io.semdex.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.semdex.app.Semdex;
import io.semdex.core.Json;
import io.semdex.ingest.IngestOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import picocli.CommandLine;

/**
 * The Kubernetes manifests in {@code kubernetes/}, offline: every document validates against the
 * Flink Kubernetes Operator's {@code FlinkDeployment} CRD or Kubernetes' own OpenAPI definitions
 * ({@code kubernetes/schemas}), made strict the way {@code kubectl --validate=strict} is; and they
 * say what the deployment needs: a savepoint upgrade, HA, retained checkpoints on the shared volume,
 * the image's job jar with options the job accepts, query replicas that are ready only when they can
 * search and stop within their grace period behind a Service.
 */
class KubernetesManifestsTest {

    private static final Path REPO = Path.of(System.getProperty("semdex.repo", "..")).toAbsolutePath().normalize();
    private static final Path MANIFESTS = REPO.resolve("kubernetes");

    private static JsonSchema flinkDeployment;
    private static ObjectNode kubernetesDefinitions;

    @BeforeAll
    static void loadSchemas() throws IOException {
        JsonNode crd = yaml(MANIFESTS.resolve("schemas/flinkdeployments.flink.apache.org-v1.yml")).getFirst();
        JsonNode version = crd.at("/spec/versions/0");
        assertThat(version.get("name").asText()).isEqualTo("v1beta1");
        ObjectNode root = version.at("/schema/openAPIV3Schema").deepCopy();
        // What every object has, and the API server checks for any custom resource, is left out of a CRD's schema.
        ObjectNode properties = (ObjectNode) root.get("properties");
        properties.putObject("apiVersion").put("type", "string");
        properties.putObject("kind").put("type", "string");
        properties.putObject("metadata").put("type", "object");
        flinkDeployment = schema(strict(root));
        kubernetesDefinitions = (ObjectNode) Json.MAPPER.readTree(MANIFESTS.resolve("schemas/kubernetes-1.36-definitions.json").toFile());
        ObjectNode definitions = (ObjectNode) kubernetesDefinitions.get("definitions");
        strict(definitions);
        // Kubernetes' own formats: a port or a percentage, and a quantity ("2Gi" or 2).
        definitions.set("io.k8s.apimachinery.pkg.util.intstr.IntOrString", oneOf("string", "integer"));
        definitions.set("io.k8s.apimachinery.pkg.api.resource.Quantity", oneOf("string", "number"));
    }

    @Test
    void everyManifestIsValidAgainstTheOperatorsCrdAndKubernetesOwnSchemas() throws Exception {
        List<JsonNode> documents = manifests();
        assertThat(documents).extracting(d -> d.get("kind").asText())
                .containsExactlyInAnyOrder("FlinkDeployment", "PersistentVolumeClaim", "Deployment", "Service");
        for (JsonNode document : documents) {
            Set<ValidationMessage> errors = validate(document);
            assertThat(errors).as("%s %s", document.get("kind").asText(), document.at("/metadata/name").asText()).isEmpty();
            System.out.printf("%s %s: valid against %s%n", document.get("apiVersion").asText() + "/" + document.get("kind").asText(),
                    document.at("/metadata/name").asText(), document.get("kind").asText().equals("FlinkDeployment")
                            ? "the FlinkDeployment CRD of the Flink Kubernetes Operator 1.15.0" : "Kubernetes 1.36's definitions");
        }
    }

    @Test
    void theSchemasRefuseAMisspelledFieldAWrongTypeAndAnUnknownVersion() throws Exception {
        ObjectNode job = (ObjectNode) manifest("FlinkDeployment").deepCopy();
        ((ObjectNode) job.at("/spec/job")).put("upgradMode", "savepoint");
        assertThat(validate(job)).as("spec.job.upgradMode misspelled").isNotEmpty();
        ObjectNode version = (ObjectNode) manifest("FlinkDeployment").deepCopy();
        ((ObjectNode) version.get("spec")).put("flinkVersion", "v9_9");
        assertThat(validate(version)).as("an unknown Flink version").isNotEmpty();

        ObjectNode replicas = (ObjectNode) manifest("Deployment").deepCopy();
        ((ObjectNode) replicas.get("spec")).put("replicas", "two");
        assertThat(validate(replicas)).as("replicas: \"two\"").isNotEmpty();
        ObjectNode probe = (ObjectNode) manifest("Deployment").deepCopy();
        ((ObjectNode) probe.at("/spec/template/spec/containers/0")).set("readinesProbe", probe.at("/spec/template/spec/containers/0/readinessProbe"));
        assertThat(validate(probe)).as("containers[0].readinesProbe misspelled").isNotEmpty();
    }

    @Test
    void theStreamingJobUpgradesThroughASavepointWithHaAndRunsTheImagesJobJar() throws Exception {
        JsonNode deployment = manifest("FlinkDeployment");
        JsonNode spec = deployment.get("spec");
        assertThat(spec.at("/job/upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(spec.at("/job/state").asText()).isEqualTo("running");
        assertThat(spec.get("flinkVersion").asText()).isEqualTo("v2_2");
        JsonNode config = spec.get("flinkConfiguration");
        assertThat(config.get("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(config.get("execution.checkpointing.externalized-checkpoint-retention").asText()).isEqualTo("RETAIN_ON_CANCELLATION");
        assertThat(config.get("classloader.parent-first-patterns.additional").asText()).contains("ai.djl.").contains("ai.onnxruntime.");
        assertThat(config.get("web.submit.enable").asText()).isEqualTo("false");

        // Checkpoints, savepoints, HA data and the index on the volume the pods mount.
        String mount = spec.at("/podTemplate/spec/containers/0/volumeMounts/0/mountPath").asText();
        for (String key : List.of("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir", "high-availability.storageDir")) {
            assertThat(config.get(key).asText()).as(key).startsWith("file://" + mount + "/");
        }
        assertThat(spec.at("/podTemplate/spec/volumes/0/persistentVolumeClaim/claimName").asText())
                .isEqualTo(manifest("PersistentVolumeClaim").at("/metadata/name").asText());

        // The image the operator runs (kubernetes/flink.Dockerfile) has the job jar where jarURI points.
        String jar = spec.at("/job/jarURI").asText();
        assertThat(jar).startsWith("local://");
        Dockerfile image = Dockerfile.parse(MANIFESTS.resolve("flink.Dockerfile"));
        assertThat(image.copies()).extracting(Dockerfile.Copy::target).contains(jar.substring("local://".length()));
        assertThat(spec.get("image").asText()).startsWith("semdex-flink-k8s:");
        assertThat(spec.at("/podTemplate/spec/securityContext/runAsUser").asInt()).isEqualTo(image.uid());

        // The job's own option checks accept its arguments, and its parallelism is the deployment's.
        List<String> args = new ArrayList<>();
        spec.at("/job/args").forEach(a -> args.add(a.asText()));
        IngestOptions options = IngestOptions.parse(args.toArray(String[]::new));
        assertThat(options.job().indexRoot().toString()).startsWith(mount + "/");
        assertThat(args.get(args.indexOf("--parallelism") + 1)).isEqualTo(spec.at("/job/parallelism").asText());
        assertThat(spec.at("/job/entryClass").asText()).isEqualTo("io.semdex.ingest.IngestMain");
    }

    @Test
    void queryReplicasAreReadyOnlyWhenTheyCanSearchAndStopWithinTheirGracePeriod() throws Exception {
        JsonNode deployment = manifest("Deployment");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
        // The preStop pause, then semdex's own stop (30 s at most), inside the grace period.
        int preStop = container.at("/lifecycle/preStop/sleep/seconds").asInt();
        assertThat(preStop).isPositive();
        assertThat(pod.get("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(preStop + 30);
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(Dockerfile.parse(REPO.resolve("dist/Dockerfile")).uid());
        assertThat(container.get("image").asText()).startsWith("semdex-query:");

        // `semdex serve` accepts the arguments; on 0.0.0.0 it needs the key, which comes from a Secret.
        List<String> args = new ArrayList<>();
        container.get("args").forEach(a -> args.add(a.asText()));
        CommandLine.ParseResult parsed = new CommandLine(new Semdex()).parseArgs(args.toArray(String[]::new));
        CommandLine.Model.CommandSpec serve = parsed.subcommand().commandSpec();
        assertThat(serve.name()).isEqualTo("serve");
        String keyVariable = serve.findOption("--api-key-env").getValue();
        assertThat(container.get("env")).anySatisfy(e -> {
            assertThat(e.get("name").asText()).isEqualTo(keyVariable);
            assertThat(e.at("/valueFrom/secretKeyRef/name").asText()).isNotEmpty();
        });
        int port = serve.findOption("--port").<Integer>getValue();
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(port);

        // The Service selects these pods and sends to the named port; the pods read the job's volume.
        JsonNode service = manifest("Service");
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        assertThat(service.at("/spec/selector").properties()).isNotEmpty().allSatisfy(label ->
                assertThat(podLabels.path(label.getKey()).asText()).as(label.getKey()).isEqualTo(label.getValue().asText()));
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo(container.at("/ports/0/name").asText());
        assertThat(pod.at("/volumes/0/persistentVolumeClaim/claimName").asText())
                .isEqualTo(manifest("FlinkDeployment").at("/spec/podTemplate/spec/volumes/0/persistentVolumeClaim/claimName").asText());
        assertThat(manifest("PersistentVolumeClaim").at("/spec/accessModes/0").asText()).isEqualTo("ReadWriteMany");
    }

    private static Set<ValidationMessage> validate(JsonNode document) {
        String kind = document.get("kind").asText();
        JsonSchema schema = switch (kind) {
            case "FlinkDeployment" -> flinkDeployment;
            case "Deployment" -> kubernetes("io.k8s.api.apps.v1.Deployment");
            case "Service" -> kubernetes("io.k8s.api.core.v1.Service");
            case "PersistentVolumeClaim" -> kubernetes("io.k8s.api.core.v1.PersistentVolumeClaim");
            default -> throw new AssertionError("no schema for kind " + kind);
        };
        return schema.validate(document);
    }

    private static JsonSchema kubernetes(String definition) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("$ref", "#/definitions/" + definition);
        root.set("definitions", kubernetesDefinitions.get("definitions"));
        return schema(root);
    }

    private static JsonSchema schema(JsonNode node) {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(node);
    }

    /**
     * Makes a Kubernetes schema strict: an object schema with properties admits no others (unless it
     * preserves unknown fields, as a free-form map does), and the vendor extensions go once read.
     */
    private static JsonNode strict(JsonNode node) {
        if (node instanceof ObjectNode object) {
            boolean preserve = object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            if (object.has("properties") && !object.has("additionalProperties") && !preserve) {
                object.put("additionalProperties", false);
            }
            for (Iterator<String> names = object.fieldNames(); names.hasNext();) {
                if (names.next().startsWith("x-")) {
                    names.remove();
                }
            }
            object.forEach(KubernetesManifestsTest::strict);
        } else if (node instanceof ArrayNode array) {
            array.forEach(KubernetesManifestsTest::strict);
        }
        return node;
    }

    private static ObjectNode oneOf(String... types) {
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        ArrayNode options = schema.putArray("oneOf");
        for (String type : types) {
            options.addObject().put("type", type);
        }
        return schema;
    }

    private static JsonNode manifest(String kind) throws IOException {
        return manifests().stream().filter(d -> d.get("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in " + MANIFESTS));
    }

    private static List<JsonNode> manifests() throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (Stream<Path> files = Files.list(MANIFESTS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                documents.addAll(yaml(file));
            }
        }
        return documents;
    }

    private static List<JsonNode> yaml(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
            if (document instanceof Map<?, ?>) {
                documents.add(Json.MAPPER.valueToTree(document));
            }
        }
        return documents;
    }
}
