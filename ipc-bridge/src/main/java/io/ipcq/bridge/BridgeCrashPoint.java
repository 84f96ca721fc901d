package io.ipcq.bridge;

import io.ipcq.CrashTrigger;

/**
 * Test-only hook: halts the bridge's JVM right after a named step (the crash table of docs/bridge.md), so a test can
 * prove what a {@code kill -9} there leaves and what a restart does. Off unless the system property
 * {@code ipcq.bridge.crashAt} is {@code NAME} or {@code NAME:N} (halt the Nth time the step is reached); when off,
 * {@link #ENABLED} is a constant false and the JIT removes every check. The bridge's own hook: ipc-bridge uses the
 * public API of ipc-core only.
 */
public enum BridgeCrashPoint
{
    /** Out, row O1: a message leased from the local queue, not yet published. */
    OUT_AFTER_LEASE,
    /** Out, row O2: published (async), JetStream's answer not yet read. */
    OUT_AFTER_PUBLISH,
    /** Out, row O3: JetStream confirmed (stored or duplicate), the local lease not yet acked. */
    OUT_AFTER_CONFIRM,
    /** Out, row O4: the local lease acked. */
    OUT_AFTER_ACK,
    /** In, row I1: a message pulled from JetStream, not yet sent into the local queue. */
    IN_AFTER_FETCH,
    /** In, row I2: committed into the local queue, not yet acked to JetStream. */
    IN_AFTER_COMMIT,
    /** In, row I3: acked to JetStream. */
    IN_AFTER_ACK;

    public static final String PROPERTY = "ipcq.bridge.crashAt";
    /** Exit status of a JVM halted by a crash point. */
    public static final int HALT_STATUS = 98;

    private static final CrashTrigger<BridgeCrashPoint> TRIGGER =
        CrashTrigger.fromProperty(PROPERTY, BridgeCrashPoint.class, HALT_STATUS);
    public static final boolean ENABLED = TRIGGER.armed();

    /**
     * Halts the JVM (no shutdown hooks, no finally blocks) if this is the armed point and its count is reached.
     * Call only behind {@code if (BridgeCrashPoint.ENABLED)}.
     */
    public void reached()
    {
        TRIGGER.reached(this);
    }
}
