package io.ipcq;

/**
 * The mechanism behind a test-only set of halt hooks (ipc-core's protocol steps, docs/crash-matrix.md; the bridge's
 * steps, docs/bridge.md): a system property names one point of an enum, optionally with a count, {@code NAME} or
 * {@code NAME:N}, and the Nth time that point is reached the JVM halts ({@link Runtime#halt(int)}: no shutdown hook,
 * no finally block) with the set's exit status, so a parent process can prove what a {@code kill -9} right there
 * leaves behind.
 * <p>
 * Each set of hooks is an enum that keeps its own list of points, its property and its exit status, and holds one
 * trigger in a static final field; its {@code ENABLED} flag, tested on hot paths, is a static final boolean set from
 * {@link #armed()}, so the JIT folds every check away when the property is not set:
 * <pre>{@code
 * public enum MyCrashPoint
 * {
 *     STEP_ONE, STEP_TWO;
 *
 *     private static final CrashTrigger<MyCrashPoint> TRIGGER =
 *         CrashTrigger.fromProperty("my.crashAt", MyCrashPoint.class, 97);
 *     public static final boolean ENABLED = TRIGGER.armed();
 *
 *     public void reached() { TRIGGER.reached(this); }       // call only behind if (MyCrashPoint.ENABLED)
 * }
 * }</pre>
 *
 * @param <E> the enum of the set's points.
 */
public final class CrashTrigger<E extends Enum<E>>
{
    private final E armedPoint;
    private final int haltStatus;
    private int remaining;

    private CrashTrigger(final E armedPoint, final int nth, final int haltStatus)
    {
        this.armedPoint = armedPoint;
        this.remaining = nth;
        this.haltStatus = haltStatus;
    }

    /**
     * Reads the system property once.
     *
     * @param property   the system property that arms one point: {@code NAME} (halt the first time) or
     *                   {@code NAME:N} (halt the Nth time); unset, nothing is armed.
     * @param points     the enum of the points.
     * @param haltStatus the exit status of a JVM halted by this trigger.
     * @param <E>        the enum of the points.
     * @return the trigger, armed or not.
     * @throws IllegalArgumentException if the property names no point of {@code points} or N is not a number.
     */
    public static <E extends Enum<E>> CrashTrigger<E> fromProperty(
        final String property, final Class<E> points, final int haltStatus)
    {
        final String spec = System.getProperty(property);
        if (spec == null)
        {
            return new CrashTrigger<>(null, 0, haltStatus);
        }
        final int colon = spec.indexOf(':');
        final E point = Enum.valueOf(points, colon < 0 ? spec : spec.substring(0, colon));
        final int nth = colon < 0 ? 1 : Integer.parseInt(spec.substring(colon + 1));
        return new CrashTrigger<>(point, nth, haltStatus);
    }

    /** @return true if the property named a point: the value for the enum's {@code ENABLED} constant. */
    public boolean armed()
    {
        return armedPoint != null;
    }

    /**
     * Counts a passage through {@code point} and halts the JVM if it is the armed point and this passage is the Nth.
     * Safe from any thread; call only behind the enum's {@code ENABLED} check.
     *
     * @param point the step just reached.
     */
    public void reached(final E point)
    {
        if (point == armedPoint)
        {
            synchronized (this)
            {
                if (--remaining == 0)
                {
                    Runtime.getRuntime().halt(haltStatus);
                }
            }
        }
    }
}
