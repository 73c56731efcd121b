package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.jobs.FerryCli;
import dev.ferry.jobs.FlinkTestCluster;
import dev.ferry.testing.ClickHouseTestDatabase;
import dev.ferry.testing.LocalServers;
import dev.ferry.testing.PostgresTestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (Debian's chromium, headless, through its chromedriver), on the
 * server over the local Postgres, ClickHouse and Flink session cluster: a pipe created from the
 * form, its initial load watched to the end, paused, resumed and resynced with the buttons (each
 * confirmed), then failed under it (its slot dropped) and the cause shown. Leaves screenshots of
 * the pipe page in {@code target/console-pipe.png} (running) and {@code target/console-failed.png}.
 */
class FerryConsoleIT {
    private static final Duration LONG = Duration.ofMinutes(3);

    private PostgresTestDatabase pg;
    private ClickHouseTestDatabase ch;
    private FerryServer server;
    private WebDriver browser;
    private WebDriverWait wait;

    @BeforeAll
    static void cluster() {
        FlinkTestCluster.start();
    }

    @BeforeEach
    void start() throws Exception {
        pg = new PostgresTestDatabase("console");
        ch = new ClickHouseTestDatabase("console");
        server = TestServers.start(ch, ApiTokens.none(), AlertSettings.defaults(), notice -> { });
        List<String> paths = LocalServers.runScript(Map.of(), "deploy/local/test-tools.sh", "install", "browser").strip().lines().toList();
        ChromeOptions options = new ChromeOptions().setBinary(paths.get(paths.size() - 2))
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1100");
        browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(Path.of(paths.get(paths.size() - 1)).toFile()).build(), options);
        wait = new WebDriverWait(browser, LONG, Duration.ofMillis(300));
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        new FerryCli(ch).run("delete", "console");
        server.close();
        ch.close();
        pg.close();
    }

    @Test
    void createWatchPauseResumeResyncAndSeeAFailure() throws Exception {
        pg.execute("CREATE TABLE items (id int PRIMARY KEY, v text)", "ALTER TABLE items REPLICA IDENTITY FULL",
                "INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 300000) g");
        String base = "http://127.0.0.1:" + server.address().getPort();
        browser.get(base + "/#/create");
        // left empty: the pipe runs on the server's Flink (here the test cluster)
        browser.findElement(By.id("flink-url")).clear();
        browser.findElement(By.id("spec")).clear();
        browser.findElement(By.id("spec")).sendKeys("name: console\n" + pg.sourceYaml() + ch.destinationYaml()
                + "tables: [items]\nsettings: {sync_interval_seconds: 1, snapshot_num_rows_per_partition: 20000,"
                + " initial_load_parallelism: 1}\n");
        browser.findElement(By.id("btn-create")).click();

        // the load watched on the pipe's page, to its end
        wait.until(ExpectedConditions.urlContains("#/pipe/console"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#tables .partitions"), "/"));
        awaitState("Running");
        String partitions = browser.findElement(By.cssSelector("#tables .partitions")).getText();
        assertThat(partitions.split("/")[0]).isEqualTo(partitions.split("/")[1]);
        assertThat(browser.findElement(By.id("tables")).getText()).contains("public.items", "300,000");
        assertThat(browser.findElement(By.id("history")).getText()).contains("Snapshot", "Running");
        assertThat(browser.findElement(By.cssSelector("a[href*='/#/job/']")).getAttribute("href"))
                .startsWith(FlinkTestCluster.url());

        press("btn-pause");
        awaitState("Paused");
        press("btn-resume");
        awaitState("Running");
        press("btn-resync");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "Resync"));
        awaitState("Running");
        assertThat(browser.findElement(By.id("actions")).getText()).contains("pause", "resume", "resync", "local");
        pg.execute("UPDATE items SET v = 'changed' WHERE id % 3 = 0");
        wait.until(d -> !d.findElements(By.cssSelector("#charts polyline")).isEmpty());
        // the page's top: state, job, replication, actions, tables and charts
        browser.manage().window().setSize(new Dimension(1280, 790));
        screenshot("console-pipe.png");
        browser.manage().window().setSize(new Dimension(1280, 1100));

        pg.dropActiveSlot("ferry_console");
        awaitState("Failed");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("root-cause"), "replication slot ferry_console"));
        screenshot("console-failed.png");

        browser.get(base + "/#/");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("pipes"), "Failed"));
        assertThat(browser.findElement(By.id("pipes")).getText()).contains("console", "replication slot ferry_console");
    }

    private void screenshot(String name) throws java.io.IOException {
        Files.write(Path.of("target", name), ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
    }

    /** Clicks an action's button and confirms it. */
    private void press(String button) {
        browser.findElement(By.id(button)).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
    }

    private void awaitState(String state) {
        wait.until(ExpectedConditions.textToBe(By.cssSelector("#pipe-state .state"), state));
    }
}
