package io.ipcq.ring;

import java.util.HashMap;
import java.util.Map;

/**
 * A reaper's memory between passes of the claimed positions it saw left FREE (their producer died, or stalls,
 * between the tail CAS and the CLAIMED CAS, #1): (ring, position, word), and when first seen (local nanoTime). A
 * position is tombstoned (#13) once it has stayed so for the timeout. Owned by one sweeper, used under its lock.
 */
public final class StalledClaims
{
    private record Key(int lane, long position, long word)
    {
    }

    private final long timeoutNs;
    private final Map<Key, Long> firstSeen = new HashMap<>();
    private final Map<Key, Long> seenThisPass = new HashMap<>();

    /**
     * @param timeoutMs how long a claimed position may stay FREE before it is tombstoned.
     */
    public StalledClaims(final long timeoutMs)
    {
        this.timeoutNs = timeoutMs * 1_000_000L;
    }

    /** Before a pass over every ring. */
    public void beginPass()
    {
        seenThisPass.clear();
    }

    /** After a pass over every ring: forgets what it did not see again. */
    public void endPass()
    {
        firstSeen.keySet().retainAll(seenThisPass.keySet());
    }

    /**
     * @return true if this (ring, position, word) was seen in an earlier pass at least the timeout ago.
     */
    boolean stalled(final int lane, final long position, final long word)
    {
        final Key key = new Key(lane, position, word);
        final long nowNs = System.nanoTime();
        final Long first = firstSeen.putIfAbsent(key, nowNs);
        seenThisPass.put(key, nowNs);
        return first != null && nowNs - first >= timeoutNs;
    }

    /** The position was repaired: nothing to remember. */
    void repaired(final int lane, final long position, final long word)
    {
        final Key key = new Key(lane, position, word);
        firstSeen.remove(key);
        seenThisPass.remove(key);
    }
}
