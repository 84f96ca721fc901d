package io.ipcq.bridge;

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

    public static final boolean ENABLED = System.getProperty(PROPERTY) != null;
    private static final BridgeCrashPoint ARMED;
    private static int remaining;

    static
    {
        final String spec = System.getProperty(PROPERTY);
        if (spec == null)
        {
            ARMED = null;
        }
        else
        {
            final int colon = spec.indexOf(':');
            ARMED = valueOf(colon < 0 ? spec : spec.substring(0, colon));
            remaining = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1));
        }
    }

    /**
     * Halts the JVM (no shutdown hooks, no finally blocks) if this is the armed point and its count is reached.
     * Call only behind {@code if (BridgeCrashPoint.ENABLED)}.
     */
    public void reached()
    {
        if (this == ARMED)
        {
            synchronized (BridgeCrashPoint.class)
            {
                if (--remaining == 0)
                {
                    Runtime.getRuntime().halt(HALT_STATUS);
                }
            }
        }
    }
}
