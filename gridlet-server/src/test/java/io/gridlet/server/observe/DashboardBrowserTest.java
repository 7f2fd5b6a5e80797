package io.gridlet.server.observe;

import io.gridlet.flink.FlinkRun;
import io.gridlet.server.cli.GridletCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import picocli.CommandLine;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser (headless Chromium from the Debian packages, driven by Selenium): against
 * {@code gridlet serve} with meters streaming, the page loads without script errors, every chart gets data points,
 * the forecast panel switches house; a screenshot is kept in {@code target/dashboard.png}.
 */
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    private static int gridlet(String... args) {
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    @Test
    void theDashboardDrawsTheLiveServiceAndSwitchesHouse() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER))
                .as("Chromium and its driver (Debian packages chromium and chromium-driver; .ci/run installs them) "
                        + "at " + CHROMIUM + " and " + DRIVER).isTrue();
        String port = Integer.toString(FlinkRun.freeLoopbackPort());
        String metricsPort = Integer.toString(FlinkRun.freeLoopbackPort());
        Path live = dir.resolve("live");
        ExecutorService background = Executors.newFixedThreadPool(2);
        ChromeDriver browser = null;
        try {
            Future<Integer> serve = background.submit(() -> gridlet("serve", "-q", "--dir", live.toString(), "--port",
                    port, "--meters", "4", "--checkpoint-interval", "1", "--metrics-port", metricsPort));
            Path ids = live.resolve("identities");
            awaitTrue(() -> Files.exists(ids) && listening(Integer.parseInt(port)), 60, "the service listens");
            Future<Integer> meters = background.submit(() -> gridlet("meter", "-q", "--target", "127.0.0.1:" + port,
                    "--meters", "4", "--identities", ids.toString(), "--houses", "3", "--days", "0.2",
                    "--interval", "2", "--seed", "7", "--speedup", "360", "--end-of-data"));

            ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                    .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1500");
            options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
            browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                    .build(), options);
            browser.get("http://127.0.0.1:" + metricsPort + "/");
            JavascriptExecutor js = browser;
            // every series of every chart gets points (the forecast chart: the forecasts and the measured load)
            for (String[] series : new String[][] {{"throughput", "1"}, {"parallelism", "1"}, {"forecast", "1"},
                {"forecast", "2"}, {"shares", "1"}}) {
                awaitTrue(() -> ((Number) js.executeScript("const c = window.gridlet.charts[arguments[0]]; return c "
                        + "? c.data[arguments[1]].filter(v => v !== null && v !== undefined).length : 0", series[0],
                        Integer.parseInt(series[1]))).longValue() > 0, 90,
                        "series " + series[1] + " of the " + series[0] + " chart has points");
            }
            List<WebElement> houses = browser.findElements(By.cssSelector("#house option"));
            assertThat(houses).hasSizeGreaterThan(1);
            String other = houses.get(houses.size() - 1).getAttribute("value");
            houses.get(houses.size() - 1).click();
            awaitTrue(() -> other.equals(String.valueOf(js.executeScript("return String(window.gridlet.house)")))
                    && ((Number) js.executeScript("return window.gridlet.points('forecast')")).longValue() > 0, 30,
                    "the forecast panel shows house " + other);
            assertThat(browser.findElement(By.id("status")).getText()).contains("readings/s");
            ChromeDriver page = browser;
            awaitTrue(() -> page.findElement(By.id("forecast-note")).getText().startsWith("accuracy over the"), 40,
                    "the forecast panel scores the forecasts measured so far");

            File shot = browser.getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
            assertThat((List<?>) js.executeScript("return window.gridlet.errors")).isEmpty();
            List<LogEntry> severe = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
            assertThat(severe).as("script errors in the page").isEmpty();

            assertThat(meters.get(120, TimeUnit.SECONDS)).isZero();
            assertThat(serve.get(120, TimeUnit.SECONDS)).isZero();
        } finally {
            if (browser != null) browser.quit();
            background.shutdownNow();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void awaitTrue(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) return;
            } catch (RuntimeException e) {
                // the page is still loading
            }
            Thread.sleep(250);
        }
        throw new AssertionError("waited " + seconds + " s for: " + what);
    }
}
