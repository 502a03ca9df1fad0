package io.semdex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.semdex.core.Json;
import io.semdex.embed.EmbedderSpec;
import io.semdex.embed.ModelPresets;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The search page in headless Chromium against the real stack (KRaft broker, the ingest job on a
 * Flink MiniCluster, the bundled model): lines typed into the knowledge-base box go through
 * {@code /api/documents} and Kafka into the index, and the page shows them; the threshold slider
 * speaks the calibrated scale and filters the fetched hits at exactly their calibrated relevance; each
 * hit shows its relevance and its raw cosine; bands have their colors; markup in entries
 * stays text. Needs Debian's {@code chromium} and {@code chromium-driver}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SearchPageIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** How long the page may take to show something; a wait, never an assertion on time. */
    private static final Duration PATIENCE = Duration.ofSeconds(180);

    private static final String SCRIPT_LINE = "<script>window.__xss = 'script'</script> A script tag that must stay text.";
    private static final String IMG_LINE = "<img src=x onerror=\"window.__xss = 'img'\"> An image tag that must stay text.";
    /** Ten entries, and four lines the page must leave out. */
    private static final String KNOWLEDGE_BASE = String.join("\n",
            "苹果富含果胶和膳食纤维，是一种常见又好吃的水果。",
            "橙子和猕猴桃都含有大量维生素C。",
            "",
            "The office closes at 6 pm on Fridays and opens at 9 am on Mondays.",
            "   \t ",
            "退货需在签收后七天内提交申请，并保持商品完好。",
            "Refunds are paid back to the original card within five working days.",
            "!!! ??? --- ***",
            "北京是中华人民共和国的首都。",
            "Cats sleep for around fifteen hours a day.",
            "。。。，，",
            "西瓜含水量超过九成，夏天吃可以消暑补水。",
            SCRIPT_LINE,
            IMG_LINE);
    private static final int ENTRIES = 10;
    private static final String QUERY = "哪些水果含有大量维生素C";

    /** The page's band colors (app.css), as the browser reports computed colors. */
    private static final Map<String, String> BAND_COLORS = Map.of(
            "strong", "rgb(27, 94, 32)", "related", "rgb(139, 195, 74)", "weak", "rgb(158, 158, 158)");

    @TempDir
    static Path data;
    @TempDir
    static Path browserProfile;
    @TempDir
    static Path downloads;

    private EmbeddedStack stack;
    private WebDriver driver;
    private WebDriverWait wait;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("The page's browser tests need Chromium at " + CHROMIUM + " and chromedriver at " + CHROMEDRIVER
                    + ": install them with `apt-get install -y chromium chromium-driver` (.ci/run does this on CI).");
        }
        stack = EmbeddedStack.start(new EmbeddedStack.Options(data, "127.0.0.1", 0, EmbedderSpec.defaultModel(), 1, Duration.ofMillis(500)));
        driver = startChromium();
        wait = new WebDriverWait(driver, PATIENCE, Duration.ofMillis(100));
    }

    private WebDriver startChromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1500", "--user-data-dir=" + browserProfile.toAbsolutePath());
        options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toAbsolutePath().toString(),
                "download.prompt_for_download", false));
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stack.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(200);
        return Json.MAPPER.readTree(response.body());
    }

    @Test
    @Order(1)
    void linesAddedOnThePageBecomeSearchableAndEmptyOrSymbolOnlyLinesAreLeftOut() {
        driver.get(stack.url() + "/");
        wait.until(d -> "true".equals(byId("status").getDomAttribute("data-ready"))
                || byId("status").getText().contains("generation none yet"));
        assertThat(byId("status").getText()).contains("model bge-small-zh-v1.5", "device ");
        WebElement box = byId("kb");
        // Typed line by line, as a user would; Shift+Enter is not needed in a textarea.
        js("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", box, KNOWLEDGE_BASE);
        byId("add").click();
        wait.until(d -> "done".equals(byId("kb-status").getDomAttribute("data-state"))
                || "error".equals(byId("kb-status").getDomAttribute("data-state")));
        assertThat(byId("kb-status").getDomAttribute("data-state")).as(byId("kb-status").getText()).isEqualTo("done");
        assertThat(byId("kb-status").getDomAttribute("data-count")).isEqualTo(Integer.toString(ENTRIES));
        assertThat(byId("kb-status").getText()).contains("All " + ENTRIES + " entries are searchable");
        List<WebElement> entries = driver.findElements(By.cssSelector("#kb-entries li"));
        assertThat(entries).hasSize(ENTRIES);
        assertThat(entries).allSatisfy(li -> assertThat(li.getDomAttribute("data-state")).isEqualTo("searchable"));
        // The markup lines are listed as text.
        assertThat(entries.stream().map(li -> li.findElement(By.className("text")).getText()).toList()).contains(SCRIPT_LINE, IMG_LINE);
        // The status line catches up with the index.
        wait.until(d -> byId("status").getText().contains(ENTRIES + " documents"));
        assertThat(byId("status").getText()).contains(ENTRIES + " units indexed", "generation gen-", "index updated");
    }

    /** One hit as the page shows it. */
    private record Shown(String unit, double cosine, String cosineText, double relevance, String relevanceText, String band,
            String barColor, double barFraction) {}

    @SuppressWarnings("unchecked")
    private List<Shown> shown() {
        List<Map<String, Object>> rows = (List<Map<String, Object>>) js("""
                return [...document.querySelectorAll('#results li.hit')].map(li => {
                  const fill = li.querySelector('.bar-fill');
                  return { unit: li.dataset.unit, cosine: li.dataset.cosine, text: li.querySelector('.hit-cosine').textContent,
                           relevance: li.dataset.relevance, relevanceText: li.querySelector('.hit-relevance').textContent,
                           band: li.dataset.band, color: getComputedStyle(fill).backgroundColor,
                           fraction: fill.getBoundingClientRect().width / li.querySelector('.bar').getBoundingClientRect().width };
                });""");
        List<Shown> hits = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            hits.add(new Shown((String) r.get("unit"), Double.parseDouble((String) r.get("cosine")), (String) r.get("text"),
                    r.get("relevance") == null ? Double.NaN : Double.parseDouble((String) r.get("relevance")), (String) r.get("relevanceText"),
                    (String) r.get("band"), (String) r.get("color"), ((Number) r.get("fraction")).doubleValue()));
        }
        return hits;
    }

    private void search(String query, String mode) {
        WebElement q = byId("q");
        q.clear();
        q.sendKeys(query);
        driver.findElement(By.cssSelector("input[name='mode'][value='" + mode + "']")).click();
        byId("search").click();
        wait.until(d -> "done".equals(byId("results").getDomAttribute("data-state"))
                && query.equals(byId("results").getDomAttribute("data-query"))
                && mode.equals(byId("results").getDomAttribute("data-mode")));
    }

    private double slider() {
        return Double.parseDouble(byId("threshold").getDomProperty("value"));
    }

    @Test
    @Order(2)
    void theSliderShowsExactlyTheHitsAtOrAboveItsCalibratedRelevanceWithoutANewRequest() throws Exception {
        search(QUERY, "vector");
        JsonNode status = api("/api/status");
        double strong = status.at("/bands/strong").asDouble();
        double related = status.at("/bands/related").asDouble();
        // The default model's generation carries its calibration, and the slider starts at the default threshold.
        assertThat(status.at("/calibration/calibrated").asBoolean()).isTrue();
        assertThat(status.at("/calibration/model").asText()).isEqualTo(ModelPresets.DEFAULT);
        assertThat(slider()).isEqualTo(status.get("defaultThreshold").asDouble());
        assertThat(byId("threshold-label").getText()).isEqualTo("Threshold (calibrated relevance)");
        // What the page fetched: the service's ranking at the slider's lowest calibrated relevance.
        JsonNode answer = api("/api/search?mode=vector&k=100&threshold=0.01&q=" + URLEncoder.encode(QUERY, StandardCharsets.UTF_8));
        assertThat(answer.get("thresholdScale").asText()).isEqualTo("calibrated");
        List<String> rankedUnits = new ArrayList<>();
        Map<String, Double> cosines = new HashMap<>();
        Map<String, Double> relevances = new HashMap<>();
        Map<String, String> bands = new HashMap<>();
        for (JsonNode hit : answer.get("hits")) {
            rankedUnits.add(hit.get("unitId").asText());
            cosines.put(hit.get("unitId").asText(), hit.get("cosine").asDouble());
            relevances.put(hit.get("unitId").asText(), hit.get("relevance").asDouble());
            bands.put(hit.get("unitId").asText(), hit.get("band").asText());
            // Every hit the service kept has at least the cosine the calibrated threshold comes to.
            assertThat(hit.get("cosine").asDouble()).isGreaterThanOrEqualTo(answer.get("thresholdCosine").asDouble() - 1e-9);
        }
        assertThat(rankedUnits).hasSizeGreaterThanOrEqualTo(2);
        // Count the page's searches and embeddings from here on (the status line keeps polling; that is not counted).
        js("""
                window.__searches = 0;
                const fetchBefore = window.fetch;
                window.fetch = (resource, init) => {
                  if (/\\/api\\/search|\\/v1\\/embeddings/.test(String(resource))) window.__searches++;
                  return fetchBefore(resource, init);
                };""");

        WebElement range = byId("threshold");
        range.sendKeys(Keys.HOME);
        assertThat(slider()).isEqualTo(0.01);
        Set<Integer> counts = new HashSet<>();
        Set<String> bandsSeen = new HashSet<>();
        for (int step = 0; step <= 89; step++) {
            double t = slider();
            assertThat(t).isCloseTo(0.01 + 0.01 * step, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(byId("threshold-value").getText()).isEqualTo(String.format("%.2f", t));
            List<String> expected = rankedUnits.stream().filter(u -> relevances.get(u) >= t).toList();
            List<Shown> hits = shown();
            assertThat(hits.stream().map(Shown::unit).toList()).as("hits shown at threshold %.2f", t).isEqualTo(expected);
            for (Shown hit : hits) {
                assertThat(hit.cosine()).isEqualTo(cosines.get(hit.unit()));
                assertThat(hit.cosineText()).isEqualTo(String.format(java.util.Locale.ROOT, "%.4f", hit.cosine()));
                // Both numbers on each hit: the calibrated relevance the slider filters by, and the raw cosine.
                assertThat(hit.relevance()).isEqualTo(relevances.get(hit.unit())).isGreaterThanOrEqualTo(t);
                assertThat(hit.relevanceText()).isEqualTo(String.format(java.util.Locale.ROOT, "relevance %.2f", hit.relevance()));
                String band = hit.relevance() >= strong ? "strong" : hit.relevance() >= related ? "related" : "weak";
                assertThat(hit.band()).as(hit.unit()).isEqualTo(band).isEqualTo(bands.get(hit.unit()));
                assertThat(hit.barColor()).as("bar color of a %s hit", band).isEqualTo(BAND_COLORS.get(band));
                assertThat(hit.barFraction()).as("bar length of relevance %.4f", hit.relevance()).isCloseTo(hit.relevance(),
                        org.assertj.core.data.Offset.offset(0.01));
                bandsSeen.add(band);
            }
            counts.add(hits.size());
            range.sendKeys(Keys.ARROW_RIGHT);
        }
        assertThat(slider()).isEqualTo(0.9);
        // The sweep is not vacuous: hits appeared and disappeared, in more than one band.
        assertThat(counts).hasSizeGreaterThanOrEqualTo(2).contains(0);
        assertThat(bandsSeen).hasSizeGreaterThanOrEqualTo(2);
        // Moving the slider sent no request.
        assertThat(((Number) js("return window.__searches;")).intValue()).isZero();

        // Back to the default for what follows.
        range.sendKeys(Keys.HOME);
        while (slider() < status.get("defaultThreshold").asDouble() - 1e-9) {
            range.sendKeys(Keys.ARROW_RIGHT);
        }
        assertThat(slider()).isEqualTo(status.get("defaultThreshold").asDouble());
        assertThat(shown()).isNotEmpty();
        assertThat(shown().get(0).unit()).isEqualTo(rankedUnits.get(0));
        assertThat(driver.findElement(By.cssSelector("#results li.hit .hit-text")).getText()).isEqualTo("橙子和猕猴桃都含有大量维生素C。");
    }

    @Test
    @Order(3)
    void theVectorPanelShowsTheQueryEmbedding() {
        WebElement info = byId("vector-info");
        assertThat(info.getDomAttribute("data-dimensions")).isEqualTo("512");
        assertThat(info.getText()).contains("512 dimensions", "norm 1.0000");
        List<WebElement> values = driver.findElements(By.cssSelector("#vector-values span"));
        assertThat(values).hasSize(50);
        assertThat(values).allSatisfy(v -> assertThat(v.getText()).matches("-?\\d\\.\\d{4}"));
        assertThat(driver.findElements(By.cssSelector("#histogram div"))).hasSize(32);
    }

    @Test
    @Order(4)
    void theScreenshotShowsThePageWithResults() throws Exception {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = dir.resolve("search-page.png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(target)).isGreaterThan(10_000);
    }

    @Test
    @Order(5)
    void markupInEntriesIsShownAsTextAndNeverRuns() {
        search("script onerror image tag must stay text", "keyword");
        // The request counter of the slider test sees real searches (so its zero meant something).
        assertThat(((Number) js("return window.__searches;")).intValue()).isPositive();
        List<String> texts = driver.findElements(By.cssSelector("#results .hit-text")).stream().map(WebElement::getText).toList();
        assertThat(texts).contains(SCRIPT_LINE, IMG_LINE);
        search("A script tag or an image tag that must stay text", "hybrid");
        byId("threshold").sendKeys(Keys.HOME);
        texts = driver.findElements(By.cssSelector("#results .hit-text")).stream().map(WebElement::getText).toList();
        assertThat(texts).contains(SCRIPT_LINE, IMG_LINE);
        // Highlights are marks around text, not markup from the entry.
        assertThat(driver.findElements(By.cssSelector("#results mark"))).isNotEmpty();
        assertThat(driver.findElements(By.cssSelector("#results script, #results img, #kb-entries script, #kb-entries img, main img")))
                .isEmpty();
        assertThat(js("return window.__xss === undefined;")).isEqualTo(true);
    }

    @Test
    @Order(6)
    void csvExportHasTheShownResults() throws Exception {
        search(QUERY, "vector");
        int shown = shown().size();
        byId("export").click();
        Path csv = downloads.resolve("semdex-results.csv");
        wait.until(d -> Files.isRegularFile(csv) && !Files.exists(downloads.resolve("semdex-results.csv.crdownload")));
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        assertThat(lines.get(0))
                .isEqualTo("\ufeff\"rank\",\"relevance\",\"cosine\",\"band\",\"score\",\"bm25\",\"doc_id\",\"unit_id\",\"title\",\"text\"");
        assertThat(lines).hasSize(shown + 1);
        assertThat(lines.get(1)).startsWith("\"1\",\"" + String.format(java.util.Locale.ROOT, "%.4f", shown().get(0).relevance()) + "\",\""
                + String.format(java.util.Locale.ROOT, "%.4f", shown().get(0).cosine()) + "\"");
    }
}
