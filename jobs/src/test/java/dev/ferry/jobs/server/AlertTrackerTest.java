package dev.ferry.jobs.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Notices from random histories of a condition: once when it has held long enough, reminders, once when it clears. */
class AlertTrackerTest {

    @Test
    void noticesFollowTheConditionsHistory() {
        long seed = Long.getLong("ferry.alerts.seed", System.nanoTime());
        System.out.println("AlertTrackerTest seed " + seed + " (rerun with -Dferry.alerts.seed=" + seed + ")");
        Random random = new Random(seed);
        for (int history = 0; history < 200; history++) {
            Duration hold = Duration.ofMinutes(random.nextInt(4) * 5L); // 0, 5, 10 or 15 minutes
            AlertTracker tracker = new AlertTracker();
            Instant now = Instant.parse("2026-01-01T00:00:00Z");
            Instant heldSince = null;
            Instant lastSent = null;
            boolean firing = false;
            List<String> said = new ArrayList<>();
            for (int step = 0; step < 300; step++) {
                now = now.plusSeconds(5 + random.nextInt(120));
                boolean holds = random.nextInt(10) < (heldSince == null ? 2 : 9); // episodes of varying length
                Optional<AlertNotice> n = tracker.observe("p", PipeAlert.LAG, holds, hold, "d", now);
                n.ifPresent(x -> said.add(x.kind().name()));
                if (holds) {
                    heldSince = heldSince == null ? now : heldSince;
                    boolean due = !firing ? !now.isBefore(heldSince.plus(hold))
                            : !now.isBefore(lastSent.plus(AlertTracker.REMIND_EVERY));
                    assertThat(n.isPresent()).as("seed %d history %d step %d: notice due", seed, history, step).isEqualTo(due);
                    if (due) {
                        assertThat(n.get().kind()).isEqualTo(firing ? AlertNotice.Kind.REMINDER : AlertNotice.Kind.STARTED);
                        firing = true;
                        lastSent = now;
                    }
                } else {
                    assertThat(n.map(AlertNotice::kind)).as("seed %d history %d step %d", seed, history, step)
                            .isEqualTo(firing ? Optional.of(AlertNotice.Kind.CLEARED) : Optional.empty());
                    heldSince = null;
                    firing = false;
                }
                assertThat(tracker.firing("p", PipeAlert.LAG)).isEqualTo(firing);
            }
            // every episode told: started, reminders, cleared, in that order
            assertThat(String.join(" ", said)).doesNotContain("CLEARED CLEARED", "STARTED STARTED", "CLEARED REMINDER");
        }
    }

    @Test
    void pipesAndAlertsAreTrackedApartAndForgotten() {
        AlertTracker tracker = new AlertTracker();
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(tracker.observe("a", PipeAlert.FAILED, true, Duration.ZERO, "slot gone", t)).isPresent();
        assertThat(tracker.observe("b", PipeAlert.FAILED, true, Duration.ZERO, "x", t)).isPresent();
        assertThat(tracker.observe("a", PipeAlert.SLOT_WAL, false, Duration.ZERO, "", t)).isEmpty();
        tracker.forget("a");
        assertThat(tracker.firing("a", PipeAlert.FAILED)).isFalse();
        assertThat(tracker.firing("b", PipeAlert.FAILED)).isTrue();
        assertThat(tracker.observe("a", PipeAlert.FAILED, false, Duration.ZERO, "", t.plusSeconds(5))).isEmpty();
    }
}
