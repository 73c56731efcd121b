package dev.ferry.operators.source;

/**
 * A split fetcher's wait after a poll that found nothing, which the fetcher manager's
 * {@code wakeUp()} ends at once (it must, to pause, resume or close the fetcher promptly).
 */
public final class FetchPause {
    private final Object lock = new Object();
    private volatile boolean wokenUp;

    /** A fetch begins: earlier wake-ups are spent. */
    public void reset() {
        wokenUp = false;
    }

    public boolean wokenUp() {
        return wokenUp;
    }

    /** Waits up to {@code millis} ms, or not at all once woken up. */
    public void pause(long millis) {
        if (millis <= 0) {
            return;
        }
        synchronized (lock) {
            if (!wokenUp) {
                try {
                    lock.wait(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    public void wakeUp() {
        wokenUp = true;
        synchronized (lock) {
            lock.notifyAll();
        }
    }
}
