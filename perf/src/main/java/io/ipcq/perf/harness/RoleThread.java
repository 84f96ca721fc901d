package io.ipcq.perf.harness;

import org.HdrHistogram.Histogram;

import java.util.concurrent.locks.LockSupport;

/**
 * One worker thread of a scenario. It lives for the whole scenario: between rounds it parks; when the control file
 * shows a new round in phase RUN it runs {@link #runRound}, recording latencies only while the phase is MEASURE,
 * and marks its row done when the round is over (for a consumer: once every message sent was received).
 */
abstract class RoleThread extends Thread
{
    /** Latencies above 100 s are clamped (none are expected). */
    static final long MAX_NS = 100_000_000_000L;
    private static final long STUCK_NS = 30_000_000_000L;
    /** How long a thread parks at a time while its system is not the one running a round. */
    private static final long IDLE_PARK_NS = 2_000_000L;

    final Control ctl;
    final Scenario scenario;
    final int slot;
    final int localIndex;
    private final int cpu;
    /** Latency from the intended send time (for rtt: the round trip). */
    final Histogram histogram = new Histogram(MAX_NS, 3);
    /** Latency from the actual send time (differs from the above only when paced). */
    final Histogram fromSent = new Histogram(MAX_NS, 3);
    volatile Throwable failure;
    volatile String pinning = "not pinned";

    RoleThread(final String name, final Control ctl, final Scenario scenario, final int slot, final int localIndex,
        final int cpu)
    {
        super(name);
        setDaemon(true);
        this.ctl = ctl;
        this.scenario = scenario;
        this.slot = slot;
        this.localIndex = localIndex;
        this.cpu = cpu;
    }

    @Override
    public final void run()
    {
        if (cpu >= 0)
        {
            pinning = Affinity.pinCurrentThread(cpu) ? "cpu " + cpu : "pinning to cpu " + cpu + " failed";
        }
        long last = 0;
        while (true)
        {
            final long state = ctl.stateVolatile();
            final long round = Control.round(state);
            final int phase = Control.phase(state);
            if (phase == Control.PHASE_END)
            {
                return;
            }
            // A thread that wakes late (after STOP) still takes part: a producer has nothing to send, a consumer
            // still drains, and both mark the round done.
            if (round > last && phase != Control.PHASE_IDLE)
            {
                histogram.reset();
                fromSent.reset();
                try
                {
                    runRound(round);
                }
                catch (final Throwable ex)
                {
                    failure = ex;
                    ex.printStackTrace();
                    ctl.failedRelease(slot, round);
                }
                last = round;
                ctl.doneRelease(slot, round);
            }
            else
            {
                // Between rounds every system's threads wait here while another system is measured: wake rarely, or
                // a dozen idle JVMs' wake-ups (100 us parks: ~10^5 per second) steal the two cores from it. The
                // coordinator lets a round settle (50 ms or more) before measuring, so 2 ms is soon enough.
                LockSupport.parkNanos(IDLE_PARK_NS);
            }
        }
    }

    abstract void runRound(long round);

    static boolean sending(final long state)
    {
        final int phase = Control.phase(state);
        return phase == Control.PHASE_RUN || phase == Control.PHASE_MEASURE;
    }

    static boolean measuring(final long state)
    {
        return Control.phase(state) == Control.PHASE_MEASURE;
    }

    static void record(final Histogram histogram, final long value)
    {
        histogram.recordValue(value < 0 ? 0 : Math.min(value, MAX_NS));
    }

    /**
     * Every producer has finished the round and every message sent has been received.
     */
    final boolean drained(final long round)
    {
        final long state = ctl.stateVolatile();
        if (sending(state) && Control.round(state) == round)
        {
            return false;
        }
        final int producers = scenario.producers;
        for (int t = 0; t < producers; t++)
        {
            if (ctl.done(t) < round)
            {
                return false;
            }
        }
        return ctl.sumSent(0, producers) == ctl.sumReceived(producers, producers + scenario.consumers);
    }

    final void idle(final int count)
    {
        if (!scenario.yielding || count < 64)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
    }

    static void checkStuck(final long sinceNs, final String what)
    {
        if (System.nanoTime() - sinceNs > STUCK_NS)
        {
            throw new IllegalStateException("stuck for 30 s: " + what);
        }
    }

    /** Pings, times the round trip (the pong received, and for ipcq leased and acked). */
    static final class Pinger extends RoleThread implements Channel.MessageSink
    {
        private final Channel ping;
        private final Channel pong;

        Pinger(final Control ctl, final Scenario scenario, final Channel ping, final Channel pong, final int cpu)
        {
            super("pinger", ctl, scenario, 0, 0, cpu);
            this.ping = ping;
            this.pong = pong;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Sender sender = ping.sender(0);
            final Channel.Receiver receiver = pong.receiver(0);
            final Histogram histogram = this.histogram;
            final Control ctl = this.ctl;
            long sequence = ctl.sent(slot);
            while (true)
            {
                final long state = ctl.stateVolatile();
                if (!sending(state))
                {
                    return;
                }
                final long t0 = System.nanoTime();
                while (!sender.offer(t0, sequence, t0))
                {
                    Thread.onSpinWait();
                }
                sequence++;
                ctl.sentRelease(slot, sequence);
                int spins = 0;
                while (receiver.poll(this) == 0)
                {
                    Thread.onSpinWait();
                    if (++spins == 1 << 24)
                    {
                        checkStuck(t0, "no pong for ping " + (sequence - 1));
                        spins = 0;
                    }
                }
                final long t1 = System.nanoTime();
                if (measuring(state))
                {
                    record(histogram, t1 - t0);
                }
            }
        }

        @Override
        public void onMessage(final long intendedNs, final long sequence, final long sentNs)
        {
            // the round trip is timed around the poll
        }
    }

    /** Receives each ping and sends it back before returning (so before the ack, for ipcq). */
    static final class Ponger extends RoleThread implements Channel.MessageSink
    {
        private final Channel ping;
        private final Channel pong;
        private Channel.Sender sender;

        Ponger(final Control ctl, final Scenario scenario, final Channel ping, final Channel pong, final int cpu)
        {
            super("ponger", ctl, scenario, 1, 0, cpu);
            this.ping = ping;
            this.pong = pong;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Receiver receiver = ping.receiver(0);
            sender = pong.sender(0);
            long received = ctl.received(slot);
            int idle = 0;
            long idleSince = System.nanoTime();
            while (true)
            {
                final int n = receiver.poll(this);
                if (n > 0)
                {
                    received += n;
                    ctl.receivedRelease(slot, received);
                    idle = 0;
                    continue;
                }
                Thread.onSpinWait();
                if ((++idle & 0xFF) == 0)
                {
                    if (drained(round))
                    {
                        return;
                    }
                    if (idle == 256)
                    {
                        idleSince = System.nanoTime();
                    }
                    else if ((idle & 0xFFFFF) == 0)
                    {
                        checkStuck(idleSince, "ponger draining round " + round);
                    }
                }
            }
        }

        @Override
        public void onMessage(final long intendedNs, final long sequence, final long sentNs)
        {
            while (!sender.offer(intendedNs, sequence, sentNs))
            {
                Thread.onSpinWait();
            }
        }
    }

    /** Sends as fast as the queue takes them; one message in {@code timestampStride} is timestamped. */
    static final class Producer extends RoleThread
    {
        private final Channel channel;

        Producer(final Control ctl, final Scenario scenario, final Channel channel, final int slot, final int cpu)
        {
            super("producer-" + slot, ctl, scenario, slot, slot, cpu);
            this.channel = channel;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Sender sender = channel.sender(localIndex);
            final Control ctl = this.ctl;
            final long stampMask = scenario.timestampStride - 1;
            final boolean batched = sender.batchSize() > 1;
            long sequence = ctl.sent(slot);
            long full = ctl.full(slot);
            int iterations = 0;
            int idle = 0;
            while (true)
            {
                if ((iterations++ & 63) == 0)
                {
                    ctl.fullRelease(slot, full);
                    if (!sending(ctl.stateVolatile()))
                    {
                        break;
                    }
                }
                if (batched)
                {
                    final int sent = sender.offerBatch(sequence, stampMask);
                    if (sent > 0)
                    {
                        sequence += sent;
                        ctl.sentRelease(slot, sequence);
                        idle = 0;
                    }
                    else
                    {
                        full++;
                        idle(idle++);
                    }
                    continue;
                }
                final long stamp = (sequence & stampMask) == 0 ? System.nanoTime() : 0;
                if (sender.offer(stamp, sequence, stamp))
                {
                    sequence++;
                    ctl.sentRelease(slot, sequence);
                    idle = 0;
                }
                else
                {
                    full++;
                    idle(idle++);
                }
            }
            ctl.fullRelease(slot, full);
        }
    }

    /**
     * Sends on a fixed schedule (its share of the scenario's rate, staggered against the other producers). A
     * message is stamped with its intended send time, so a late send is charged to the latency (no coordinated
     * omission). FULL answers are counted and retried until the next message is due, then the message is
     * rejected (counted) and the schedule goes on: admission control, not an endless retry.
     */
    static final class PacedProducer extends RoleThread
    {
        private final Channel channel;

        PacedProducer(final Control ctl, final Scenario scenario, final Channel channel, final int slot, final int cpu)
        {
            super("paced-producer-" + slot, ctl, scenario, slot, slot, cpu);
            this.channel = channel;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Sender sender = channel.sender(localIndex);
            final Control ctl = this.ctl;
            final long periodNs = 1_000_000_000L * scenario.producers / scenario.pacedRate;
            final long start = System.nanoTime() + periodNs * localIndex / scenario.producers;
            long sequence = ctl.sent(slot);
            long full = ctl.full(slot);
            long rejected = ctl.rejected(slot);
            for (long k = 0; ; k++)
            {
                final long intended = start + k * periodNs;
                int idle = 0;
                while (System.nanoTime() - intended < 0)
                {
                    idle(idle++);
                }
                if (!sending(ctl.stateVolatile()))
                {
                    return;
                }
                final long due = intended + periodNs;
                idle = 0;
                while (true)
                {
                    final long sentNs = System.nanoTime();
                    if (sender.offer(intended, sequence, sentNs))
                    {
                        sequence++;
                        ctl.sentRelease(slot, sequence);
                        break;
                    }
                    full++;
                    ctl.fullRelease(slot, full);
                    if (System.nanoTime() - due >= 0)
                    {
                        rejected++;
                        ctl.rejectedRelease(slot, rejected);
                        break;
                    }
                    idle(idle++);
                }
            }
        }
    }

    /** Receives (for ipcq: leases and acks) and records the latency of timestamped messages. */
    static final class Consumer extends RoleThread implements Channel.MessageSink
    {
        private final Channel channel;
        private final boolean paced;
        private boolean measuring;

        Consumer(final Control ctl, final Scenario scenario, final Channel channel, final int slot,
            final int localIndex, final int cpu)
        {
            super("consumer-" + localIndex, ctl, scenario, slot, localIndex, cpu);
            this.channel = channel;
            this.paced = scenario.isPaced();
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Receiver receiver = channel.receiver(localIndex);
            final Control ctl = this.ctl;
            long received = ctl.received(slot);
            measuring = measuring(ctl.stateVolatile());
            int sinceCheck = 0;
            int idle = 0;
            long idleSince = 0;
            while (true)
            {
                final int n = receiver.poll(this);
                if (n > 0)
                {
                    received += n;
                    ctl.receivedRelease(slot, received);
                    idle = 0;
                    sinceCheck += n;
                    if (sinceCheck >= 64)
                    {
                        sinceCheck = 0;
                        measuring = measuring(ctl.stateVolatile());
                    }
                    continue;
                }
                measuring = measuring(ctl.stateVolatile());
                if (idle == 0)
                {
                    idleSince = System.nanoTime();
                }
                if ((idle & 0xF) == 0 && drained(round))
                {
                    return;
                }
                if ((idle & 0xFFFFF) == 0xFFFFF)
                {
                    checkStuck(idleSince, "consumer draining round " + round);
                }
                idle(idle++);
            }
        }

        @Override
        public void onMessage(final long intendedNs, final long sequence, final long sentNs)
        {
            if (intendedNs != 0 && measuring)
            {
                final long now = System.nanoTime();
                record(histogram, now - intendedNs);
                if (paced)
                {
                    record(fromSent, now - sentNs);
                }
            }
        }
    }

    /**
     * The wakeup scenario's producer: one message every {@link Scenario#WAKEUP_PERIOD_NS}, parked in between,
     * stamped with its send time.
     */
    static final class WakeupProducer extends RoleThread
    {
        private final Channel channel;

        WakeupProducer(final Control ctl, final Scenario scenario, final Channel channel, final int slot, final int cpu)
        {
            super("wakeup-producer-" + slot, ctl, scenario, slot, slot, cpu);
            this.channel = channel;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Sender sender = channel.sender(localIndex);
            final Control ctl = this.ctl;
            long sequence = ctl.sent(slot);
            long due = System.nanoTime() + Scenario.WAKEUP_PERIOD_NS;
            while (true)
            {
                long left;
                while ((left = due - System.nanoTime()) > 0)
                {
                    LockSupport.parkNanos(left);
                }
                if (!sending(ctl.stateVolatile()))
                {
                    return;
                }
                final long sentNs = System.nanoTime();
                while (!sender.offer(sentNs, sequence, sentNs))
                {
                    Thread.onSpinWait();
                }
                sequence++;
                ctl.sentRelease(slot, sequence);
                due = sentNs + Scenario.WAKEUP_PERIOD_NS;
            }
        }
    }

    /** The wakeup scenario's consumer: waits with its system's own strategy ({@link Channel.Receiver#await}). */
    static final class WakeupConsumer extends RoleThread implements Channel.MessageSink
    {
        private static final long AWAIT_NS = 50_000_000L;
        private final Channel channel;
        private boolean measuring;

        WakeupConsumer(final Control ctl, final Scenario scenario, final Channel channel, final int slot,
            final int localIndex, final int cpu)
        {
            super("wakeup-consumer-" + localIndex, ctl, scenario, slot, localIndex, cpu);
            this.channel = channel;
        }

        @Override
        void runRound(final long round)
        {
            final Channel.Receiver receiver = channel.receiver(localIndex);
            final Control ctl = this.ctl;
            long received = ctl.received(slot);
            final long startNs = System.nanoTime();
            while (true)
            {
                measuring = measuring(ctl.stateVolatile());
                final int n = receiver.await(this, AWAIT_NS);
                if (n > 0)
                {
                    received += n;
                    ctl.receivedRelease(slot, received);
                }
                else if (drained(round))
                {
                    return;
                }
                else
                {
                    checkStuck(startNs, "wakeup consumer in round " + round);
                }
            }
        }

        @Override
        public void onMessage(final long intendedNs, final long sequence, final long sentNs)
        {
            if (measuring)
            {
                record(histogram, System.nanoTime() - sentNs);
            }
        }
    }
}
