package dev.ferry.jobs.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends alert notices to a webhook: a generic JSON body ({@code pipe}, {@code alert}, {@code status},
 * {@code detail}, {@code at}, {@code text}) or Slack's incoming-webhook body ({@code text}). A notice
 * that cannot be delivered after a retry is logged, not queued: the next reminder says it again.
 */
public final class WebhookNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Format {
        GENERIC,
        SLACK
    }

    private final URI url;
    private final Format format;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public WebhookNotifier(URI url, Format format) {
        if (url.getScheme() == null || !url.getScheme().startsWith("http")) {
            throw new IllegalArgumentException("webhook " + url + " is not an http(s) URL");
        }
        this.url = url;
        this.format = format;
    }

    /** The body sent for {@code notice}. */
    String body(AlertNotice notice) {
        ObjectNode body = JSON.createObjectNode();
        if (format == Format.SLACK) {
            body.put("text", ":rotating_light: Ferry " + notice.text());
        } else {
            body.put("pipe", notice.pipe());
            body.put("alert", notice.alert().label());
            body.put("status", notice.kind().name().toLowerCase(java.util.Locale.ROOT));
            body.put("detail", notice.detail());
            body.put("at", notice.at().toString());
            body.put("text", notice.text());
        }
        return body.toString();
    }

    public void send(AlertNotice notice) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body(notice))).build();
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return;
                }
                LOG.warn("webhook {} answered {} to {}", host(), r.statusCode(), notice.text());
            } catch (IOException e) {
                LOG.warn("webhook {} unreachable ({}) for {}", host(), e.getMessage(), notice.text());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The webhook's host only: its path often holds a secret (Slack's does). */
    private String host() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }
}
