package dev.ferry.state.lifecycle;

import static dev.ferry.state.lifecycle.PipeState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipeTransitionsTest {

    /** The transition table of DESIGN.md, written out independently of the implementation. */
    private static final Map<PipeState, Set<PipeState>> EXPECTED = Map.of(
            PROVISIONING, EnumSet.of(SETUP, FAILED),
            SETUP, EnumSet.of(SNAPSHOT, RUNNING, FAILED),
            SNAPSHOT, EnumSet.of(RUNNING, COMPLETED, PAUSING, FAILED),
            RUNNING, EnumSet.of(PAUSING, RESYNC, FAILED),
            PAUSING, EnumSet.of(PAUSED, RUNNING, SNAPSHOT, RESYNC, FAILED),
            PAUSED, EnumSet.of(RUNNING, SNAPSHOT, RESYNC, MODIFYING, FAILED),
            MODIFYING, EnumSet.of(SNAPSHOT, RUNNING, FAILED),
            RESYNC, EnumSet.of(RUNNING, COMPLETED, PAUSING, FAILED),
            COMPLETED, EnumSet.of(RESYNC),
            FAILED, EnumSet.of(RESYNC));

    @Test
    void everyPairIsAllowedExactlyWhenTheTableSaysSo() {
        int legal = 0;
        int illegal = 0;
        for (PipeState from : PipeState.values()) {
            for (PipeState to : PipeState.values()) {
                boolean expected = EXPECTED.get(from).contains(to);
                assertThat(PipeTransitions.isAllowed(from, to)).as(from + " -> " + to).isEqualTo(expected);
                if (expected) {
                    assertThat(PipeTransitions.check(from, to)).isEqualTo(to);
                    legal++;
                } else {
                    assertThatThrownBy(() -> PipeTransitions.check(from, to))
                            .isInstanceOf(IllegalTransitionException.class)
                            .hasMessageContaining("a " + from.label() + " pipe cannot become " + to.label());
                    illegal++;
                }
            }
        }
        assertThat(legal + illegal).isEqualTo(100);
        assertThat(legal).isEqualTo(EXPECTED.values().stream().mapToInt(Set::size).sum());
    }

    @Test
    void refusalSaysWhatIsPossible() {
        assertThatThrownBy(() -> PipeTransitions.check(RUNNING, COMPLETED))
                .hasMessage("a Running pipe cannot become Completed (possible: Pausing, Resync, Failed)");
        assertThatThrownBy(() -> PipeTransitions.check(COMPLETED, PAUSING))
                .hasMessage("a Completed pipe cannot become Pausing (possible: Resync)");
    }

    @Test
    void documentedPathsAreWalkable() {
        walk(PROVISIONING, SETUP, SNAPSHOT, RUNNING, PAUSING, PAUSED, RUNNING);
        walk(PROVISIONING, SETUP, SNAPSHOT, COMPLETED, RESYNC, COMPLETED);
        walk(PROVISIONING, SETUP, RUNNING, PAUSING, PAUSED, MODIFYING, SNAPSHOT, RUNNING);
        walk(RUNNING, RESYNC, RUNNING, FAILED, RESYNC, RUNNING);
    }

    @Test
    void everyStateIsReachableFromProvisioning() {
        Set<PipeState> seen = new HashSet<>(Set.of(PROVISIONING));
        boolean grew = true;
        while (grew) {
            Set<PipeState> next = new HashSet<>(seen);
            seen.forEach(s -> next.addAll(PipeTransitions.next(s)));
            grew = next.size() > seen.size();
            seen = next;
        }
        assertThat(seen).containsExactlyInAnyOrder(PipeState.values());
    }

    @Test
    void labelsRoundTripAndCodesAreStable() {
        for (PipeState s : PipeState.values()) {
            assertThat(PipeState.fromLabel(s.label())).isEqualTo(s);
        }
        assertThat(RUNNING.code()).isEqualTo(3);
        assertThat(FAILED.code()).isEqualTo(9);
        assertThatThrownBy(() -> PipeState.fromLabel("Sleeping")).hasMessageContaining("unknown pipe state");
    }

    private static void walk(PipeState... path) {
        for (int i = 1; i < path.length; i++) {
            assertThat(PipeTransitions.check(path[i - 1], path[i])).isEqualTo(path[i]);
        }
    }
}
