package io.ipcq.internal;

import io.ipcq.CrashTrigger;

/**
 * Test-only hook: halts the JVM at a named step of the protocol, so a test can prove what the reaper restores
 * after a crash exactly there (docs/crash-matrix.md). Off unless the system property {@code ipcq.test.crashAt}
 * is set to {@code NAME} or {@code NAME:N} (halt the Nth time the step is reached); when off, {@link #ENABLED} is a
 * constant false and the JIT removes every check.
 */
public enum CrashPoint
{
    CLAIM_AFTER_TAIL_CAS,
    CLAIM_AFTER_CLAIMED,
    SKIP_AFTER_MARK,
    SEND_AFTER_PAYLOAD_WRITE,
    COMMIT_AFTER_READY,
    COMMIT_AFTER_SEQUENCE,
    LEASE_AFTER_STATE_CAS,
    LEASE_AFTER_CURSOR_CAS,
    BATCH_LEASE_BEFORE_CURSOR_CAS,
    LEASE_AFTER_DEADLINE,
    READ_AFTER_PAYLOAD,
    ACK_AFTER_STATE_CAS,
    ACK_AFTER_SEQUENCE,
    RELEASE_AFTER_STATE_CAS,
    RELEASE_AFTER_REQUEUE_COUNT,
    EXTEND_AFTER_DEADLINE_CAS,
    EXPIRE_AFTER_DEADLINE_CAS,
    DEAD_LETTER_AFTER_STATE_CAS,
    DEAD_LETTER_AFTER_COPY_COMMIT,
    DEAD_LETTER_AFTER_FREE,
    PURGE_AFTER_STATE_CAS,
    PURGE_AFTER_SEQUENCE,
    REDRIVE_AFTER_STATE_CAS,
    REDRIVE_AFTER_CLAIM,
    REDRIVE_AFTER_COPY,
    REDRIVE_AFTER_TARGET,
    REDRIVE_AFTER_READY_CAS,
    REDRIVE_AFTER_COMMIT,
    REDRIVE_AFTER_FREE_CAS,
    REDRIVE_AFTER_FREE,
    SEAL_AFTER_LANE,
    CREATE_AFTER_OPEN,
    CREATE_AFTER_MODE,
    WAIT_AFTER_REGISTER;

    public static final String PROPERTY = "ipcq.test.crashAt";
    /** Exit status of a JVM halted by a crash point. */
    public static final int HALT_STATUS = 99;

    private static final CrashTrigger<CrashPoint> TRIGGER =
        CrashTrigger.fromProperty(PROPERTY, CrashPoint.class, HALT_STATUS);
    public static final boolean ENABLED = TRIGGER.armed();

    /**
     * Halts the JVM (no shutdown hooks, no finally blocks) if this is the armed point and its count is reached.
     * Call only behind {@code if (CrashPoint.ENABLED)}.
     */
    public void reached()
    {
        TRIGGER.reached(this);
    }
}
