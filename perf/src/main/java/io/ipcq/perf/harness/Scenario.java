package io.ipcq.perf.harness;

/**
 * What a round runs. Producer threads take control rows [0, producers), consumers the rows after them. Across
 * processes, side A holds the producers (pinned to cpu 0) and side B the consumers (cpu 1); in-process systems hold
 * both in one JVM with the same thread placement.
 */
enum Scenario
{
    /** Ping-pong: one 64-byte message out, the same back, one at a time; the pinger times each round trip. */
    RTT_1P1C("rtt-1p1c", 1, 1, 1024, 0, false, 1),
    /** One producer as fast as it can, one consumer (lease + ack for ipcq); one message in 32 carries a timestamp. */
    THROUGHPUT_1P1C("throughput-1p1c", 1, 1, 65_536, 0, false, 32),
    /** Four producers and four consumers as fast as they can; waiting threads spin, then yield. */
    THROUGHPUT_4P4C("throughput-4p4c", 4, 4, 65_536, 0, true, 32),
    /** Eight producers at a fixed total of 100,000 msgs/s, four consumers; latency from the intended send time. */
    PACED_8P4C("paced-8p4c", 8, 4, 65_536, 100_000, true, 1),
    /** A send on one queue to a lease on another through a loopback JetStream (docs/bridge.md), beside plain jnats. */
    BRIDGE("bridge", 1, 1, 4096, 0, true, 32),

    /**
     * Wake-up: one message every {@link #WAKEUP_PERIOD_NS}, so the consumer has been waiting (parked, asleep) at
     * least 10 ms when it comes; each system's consumer waits its own way (ipcq: the default spin-then-block lease;
     * Agrona: {@code BackoffIdleStrategy}; Chronicle: {@code Pauser.balanced()}); latency from the send to the lease.
     */
    WAKEUP("wakeup", 1, 1, 1024, 0, false, 1);

    /** The wakeup scenario's gap between messages: the consumer waits about this long for each. */
    static final long WAKEUP_PERIOD_NS = 12_000_000L;

    final String id;
    final int producers;
    final int consumers;
    /** Messages the queue holds (for byte rings: rounded up to the power of two of bytes they need). */
    final int capacity;
    /** Total offered msgs/s, or 0 for as fast as possible. */
    final int pacedRate;
    /** Whether a thread with nothing to do yields after a short spin (more threads than cores). */
    final boolean yielding;
    /** One message in this many carries a send timestamp (the others carry 0 and are not timed). */
    final int timestampStride;

    Scenario(
        final String id,
        final int producers,
        final int consumers,
        final int capacity,
        final int pacedRate,
        final boolean yielding,
        final int timestampStride)
    {
        this.id = id;
        this.producers = producers;
        this.consumers = consumers;
        this.capacity = capacity;
        this.pacedRate = pacedRate;
        this.yielding = yielding;
        this.timestampStride = timestampStride;
    }

    boolean isRtt()
    {
        return this == RTT_1P1C;
    }

    boolean isWakeup()
    {
        return this == WAKEUP;
    }

    boolean isPaced()
    {
        return pacedRate > 0;
    }

    int threads()
    {
        return producers + consumers;
    }

    static Scenario byId(final String id)
    {
        for (final Scenario scenario : values())
        {
            if (scenario.id.equals(id))
            {
                return scenario;
            }
        }
        throw new IllegalArgumentException("unknown scenario: " + id);
    }
}
