package io.ipcq;

import io.ipcq.internal.CrashPoint;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The public names of the halt hooks are the internal ones, and a spec that names no hook is refused before a child
 * JVM would fail on it at start-up.
 */
class CrashHooksTest
{
    @Test
    void namesAreTheHooksAndSpecsAreChecked()
    {
        assertEquals(Arrays.stream(CrashPoint.values()).map(Enum::name).toList(), CrashHooks.names());
        assertEquals("ACK_AFTER_SEQUENCE:7", CrashHooks.spec("ACK_AFTER_SEQUENCE", 7));
        assertEquals("-Dipcq.test.crashAt=ACK_AFTER_SEQUENCE:7", CrashHooks.jvmFlag("ACK_AFTER_SEQUENCE:7"));
        assertEquals(CrashPoint.PROPERTY, CrashHooks.PROPERTY);
        assertEquals(CrashPoint.HALT_STATUS, CrashHooks.HALT_STATUS);
        assertThrows(IllegalArgumentException.class, () -> CrashHooks.spec("ACK_AFTER_NOTHING", 1));
        assertThrows(IllegalArgumentException.class, () -> CrashHooks.spec("ACK_AFTER_SEQUENCE", 0));
    }
}
