package dev.ferry.jobs.server;

import java.time.Instant;

/** One message about an alert: it started, it still holds (every reminder interval), or it cleared. */
public record AlertNotice(String pipe, PipeAlert alert, Kind kind, String detail, Instant at) {

    public enum Kind {
        STARTED("firing"),
        REMINDER("still firing"),
        CLEARED("cleared");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One line for people: {@code pipe shop: lag firing: lag 412 s (over 300 s)}. */
    public String text() {
        return "pipe " + pipe + ": " + alert.label() + " " + kind.label() + (detail.isEmpty() ? "" : ": " + detail);
    }
}
