package io.ipcq;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.CounterIndex;
import io.ipcq.ring.RingConsumer;
import io.ipcq.wait.WaitStrategy;
import io.ipcq.wait.Waiter;
import org.agrona.concurrent.AtomicBuffer;

import java.time.Duration;

/**
 * Leases messages: the highest lane first, and in each lane messages waiting for redelivery before new ones.
 * One thread at a time; its {@link Lease} objects are made up front and reused, so a receive allocates nothing.
 * Closing it releases every lease it still holds.
 */
public final class Consumer extends AttachedHandle
{
    /** How many leases a consumer may hold at once unless it was made with another limit. */
    public static final int DEFAULT_MAX_HELD_LEASES = 64;
    /** How often a consumer waiting on a sealed queue that is not yet drained looks again for the end. */
    private static final long SEALED_RECHECK_NS = 1_000_000L;

    private final RingConsumer[] servingOrder;
    private final long[] requeueCountSeen;
    private final int maxDeliveries;
    private final long leaseTimeoutMs;
    private final int maxHeldLeases;
    /** Every lease object made so far (made as leases are taken, up to the maximum held at once). */
    private Lease[] leases = new Lease[0];
    private int leaseCount;
    /** The lease objects not in use, as a stack: taking and ending a lease costs O(1) however many are held. */
    private Lease[] free = new Lease[0];
    private int freeCount;
    /** Counts grants, so that close can release the leases still held in the order they were taken. */
    private long grants;
    private final Waiter waiter;
    private final int lanesMask;
    private int held;
    private ReceiveStatus status = ReceiveStatus.EMPTY;

    Consumer(
        final IpcQueue queue,
        final int row,
        final RingConsumer[] servingOrder,
        final int maxDeliveries,
        final int maxHeldLeases)
    {
        super(queue, row);
        this.servingOrder = servingOrder;
        this.requeueCountSeen = new long[servingOrder.length];
        // A new consumer scans each lane for waiting redeliveries once.
        java.util.Arrays.fill(requeueCountSeen, -1);
        this.maxDeliveries = maxDeliveries;
        this.leaseTimeoutMs = queue.leaseTimeout().toMillis();
        this.maxHeldLeases = maxHeldLeases;
        this.waiter = new Waiter(queue.waits(), row, WaitStrategy.spinThenBlock());
        int lanesMask = 0;
        for (final RingConsumer ring : servingOrder)
        {
            lanesMask |= 1 << ring.ring().lane();
        }
        this.lanesMask = lanesMask;
    }

    /**
     * Chooses how {@link #lease(Duration)} waits for a message: {@link WaitStrategy#spinThenBlock()} (the default),
     * {@link WaitStrategy#backoff()}, or {@link WaitStrategy#busySpin()}.
     *
     * @param strategy how to wait.
     * @return this consumer.
     */
    public Consumer waitStrategy(final WaitStrategy strategy)
    {
        waiter.strategy(strategy);
        return this;
    }

    /**
     * @return how {@link #lease(Duration)} waits.
     */
    public WaitStrategy waitStrategy()
    {
        return waiter.strategy();
    }

    /**
     * Leases the next message if there is one.
     *
     * @return a lease, or null (then {@link #status()} says EMPTY or END_OF_STREAM).
     * @throws IllegalStateException if this consumer already holds its maximum of leases.
     */
    public Lease tryLease()
    {
        try
        {
            return tryLeaseChecked();
        }
        catch (final InternalError error)
        {
            throw faulted(error);
        }
    }

    private Lease tryLeaseChecked()
    {
        checkOpen();
        final Lease lease = freeLease();
        final RingConsumer[] servingOrder = this.servingOrder;
        for (int i = 0; i < servingOrder.length; i++)
        {
            final RingConsumer ring = servingOrder[i];
            final long requeueCount = ring.ring().requeueCount();
            if (requeueCount != requeueCountSeen[i])
            {
                if (ring.tryLeaseRequeued(holder, lease.slot(), leaseTimeoutMs))
                {
                    return granted(lease);
                }
                requeueCountSeen[i] = requeueCount;
            }
            if (ring.tryLeaseNext(holder, lease.slot(), leaseTimeoutMs))
            {
                return granted(lease);
            }
        }
        status = isEndOfStream() ? ReceiveStatus.END_OF_STREAM : ReceiveStatus.EMPTY;
        return null;
    }

    /**
     * Leases up to {@code max} messages into a batch, if there are any, in the order that many {@link #tryLease()}
     * calls would take them: the highest lane first, and in each lane the messages waiting for redelivery (oldest
     * first, one by one, protocol #6) before new ones, which it takes with one step of the lane's lease cursor per
     * run of consecutive positions (#5b: a run ends at a position that needs no delivery, such as an aborted claim
     * or a skipped one, and the next step goes on past it). Fills the batch from entry 0; allocates nothing once
     * this consumer has made its lease objects.
     *
     * @param batch a batch whose earlier leases have all ended.
     * @param max   how many at most; at most the batch's capacity and the leases this consumer may still hold.
     * @return how many were leased; 0 if none ({@link #status()} says EMPTY or END_OF_STREAM).
     * @throws IllegalStateException if this consumer already holds its maximum of leases, or the batch still holds
     * an active lease.
     */
    public int tryLease(final LeaseBatch batch, final int max)
    {
        try
        {
            return tryLeaseBatchChecked(batch, max);
        }
        catch (final InternalError error)
        {
            throw faulted(error);
        }
    }

    private int tryLeaseBatchChecked(final LeaseBatch batch, final int max)
    {
        checkOpen();
        batch.begin();
        final int wanted = Math.min(Math.min(max, batch.capacity()), maxHeldLeases - held);
        if (max > 0 && wanted <= 0)
        {
            freeLease();
        }
        ensureFreeLeases(wanted);
        final io.ipcq.ring.SlotLease[] slots = batch.slots;
        final RingConsumer[] servingOrder = this.servingOrder;
        int count = 0;
        for (int i = 0; i < servingOrder.length && count < wanted; i++)
        {
            final RingConsumer ring = servingOrder[i];
            final long requeueCount = ring.ring().requeueCount();
            if (requeueCount != requeueCountSeen[i])
            {
                while (count < wanted && ring.tryLeaseRequeued(holder, free[freeCount - 1].slot(), leaseTimeoutMs))
                {
                    batch.add(granted(free[freeCount - 1]));
                    count++;
                }
                if (count < wanted)
                {
                    // Found no more: as an empty scan of tryLease, nothing to rescan until the count moves again.
                    requeueCountSeen[i] = requeueCount;
                }
            }
            // A run ends where a position needs no first delivery (acked, aborted, skipped) or is not there yet:
            // lease again from the cursor, which steps over it, until the lane has nothing more.
            while (count < wanted)
            {
                // The top of the free stack, in the order granted() takes them.
                final int n = wanted - count;
                for (int j = 0; j < n; j++)
                {
                    slots[j] = free[freeCount - 1 - j].slot();
                }
                final int leased = ring.tryLeaseNext(holder, slots, 0, n, leaseTimeoutMs);
                for (int j = 0; j < leased; j++)
                {
                    batch.add(granted(free[freeCount - 1]));
                }
                if (leased == 0)
                {
                    break;
                }
                count += leased;
            }
        }
        if (count == 0)
        {
            status = isEndOfStream() ? ReceiveStatus.END_OF_STREAM : ReceiveStatus.EMPTY;
        }
        return count;
    }

    /**
     * Leases up to {@code max} messages into a batch as {@link #tryLease(LeaseBatch, int)} does, waiting up to a
     * timeout for the first as {@link #lease(Duration)} does.
     *
     * @param batch   a batch whose earlier leases have all ended.
     * @param max     how many at most.
     * @param timeout how long to wait for a message.
     * @return how many were leased; 0 if none: {@link #status()} says TIMED_OUT or END_OF_STREAM.
     */
    public int lease(final LeaseBatch batch, final int max, final Duration timeout)
    {
        return await(batch, max, timeout);
    }

    /**
     * The lanes sealed and drained, then every ring this consumer serves drained too (lanes first: a message on its
     * way to the dead-letter ring is seen in one or the other).
     */
    private boolean isEndOfStream()
    {
        if (!queue.isEndOfStream())
        {
            return false;
        }
        for (final RingConsumer ring : servingOrder)
        {
            if (!ring.ring().isDrained())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Leases the next message, waiting up to a timeout as the {@link #waitStrategy() wait strategy} says: with the
     * default one, spin a little, then sleep in the kernel until a send, a requeue or seal wakes this consumer
     * (protocol #W1, #W2, #W6), or the timeout passes.
     *
     * @param timeout how long to wait.
     * @return a lease, or null: {@link #status()} says TIMED_OUT or END_OF_STREAM.
     */
    public Lease lease(final Duration timeout)
    {
        if (await(null, 1, timeout) == 0)
        {
            return null;
        }
        final Lease lease = waited;
        waited = null;
        return lease;
    }

    /** The lease the last {@link #await} without a batch took. */
    private Lease waited;

    /**
     * One attempt of a blocking lease: into the batch, or without one a single lease (kept in {@link #waited}).
     */
    private int attempt(final LeaseBatch batch, final int max)
    {
        if (batch != null)
        {
            return tryLease(batch, max);
        }
        waited = tryLease();
        return waited == null ? 0 : 1;
    }

    /**
     * Waits as the {@link #waitStrategy() wait strategy} says until an attempt leases something, the stream ends or
     * the timeout passes.
     */
    private int await(final LeaseBatch batch, final int max, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        final Waiter waiter = this.waiter;
        waiter.reset();
        while (true)
        {
            int leased = attempt(batch, max);
            if (leased > 0 || status == ReceiveStatus.END_OF_STREAM)
            {
                waiter.finished(true);
                return leased;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                waiter.finished(false);
                status = ReceiveStatus.TIMED_OUT;
                return 0;
            }
            if (waiter.idle())
            {
                waiter.register(lanesMask, false);
                leased = attempt(batch, max);
                if (leased > 0 || status == ReceiveStatus.END_OF_STREAM)
                {
                    waiter.unregister();
                    waiter.finished(true);
                    return leased;
                }
                // Sealed but not drained: the last acks wake no consumer, so look again soon.
                waiter.sleep(deadlineNs, queue.isSealed() ? SEALED_RECHECK_NS : queue.maxBlockNs());
            }
        }
    }

    /**
     * @return why the last receive returned what it did.
     */
    public ReceiveStatus status()
    {
        return status;
    }

    /**
     * @return leases held now (granted, not yet acked, released or closed).
     */
    public int heldLeases()
    {
        return held;
    }


    /**
     * @return the lease object the next grant uses (the top of the free stack; made now if none is free, so a
     * consumer allowed many leases allocates only as it takes them, and nothing once warmed up).
     */
    private Lease freeLease()
    {
        if (held == maxHeldLeases)
        {
            throw new IllegalStateException("consumer holds " + held + " leases, its maximum: ack, release or " +
                "close some first");
        }
        ensureFreeLeases(1);
        return free[freeCount - 1];
    }

    /**
     * Makes lease objects until {@code count} are free (at most {@code maxHeldLeases - held}).
     */
    private void ensureFreeLeases(final int count)
    {
        while (freeCount < count)
        {
            final Lease lease = new Lease(this);
            if (leaseCount == leases.length)
            {
                final int grown = (int)Math.min(maxHeldLeases, Math.max(4, 2L * leases.length));
                leases = java.util.Arrays.copyOf(leases, grown);
                free = java.util.Arrays.copyOf(free, grown);
            }
            leases[leaseCount++] = lease;
            free[freeCount++] = lease;
        }
    }

    private Lease granted(final Lease lease)
    {
        // The lease granted is the one freeLease() handed out: the top of the free stack.
        free[--freeCount] = null;
        lease.grantSequence = grants++;
        lease.activate();
        held++;
        status = ReceiveStatus.LEASED;
        ParticipantTable.increment(buffer, rowOffset, CounterIndex.DELIVERED);
        if (lease.deliveryCount() > 1)
        {
            ParticipantTable.increment(buffer, rowOffset, CounterIndex.REDELIVERED);
        }
        ParticipantTable.addLeasesHeld(buffer, rowOffset, 1);
        return lease;
    }

    // -------------------------------------------------------------------------------------------------------
    // For Lease
    // -------------------------------------------------------------------------------------------------------

    void finished(final Lease lease, final int counterIndex)
    {
        free[freeCount++] = lease;
        held--;
        ParticipantTable.addLeasesHeld(buffer, rowOffset, -1);
        if (counterIndex >= 0)
        {
            ParticipantTable.increment(buffer, rowOffset, counterIndex);
        }
    }

    void count(final int counterIndex)
    {
        ParticipantTable.increment(buffer, rowOffset, counterIndex);
    }

    int holder()
    {
        return holder;
    }

    int maxDeliveries()
    {
        return maxDeliveries;
    }

    IpcQueue queue()
    {
        return queue;
    }

    @Override
    String role()
    {
        return "consumer";
    }

    /**
     * Releases every lease still held, oldest granted first (they go back for redelivery at once, or to the dead
     * letters after max deliveries, in that order), then frees the participant row.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        // On a truncated or replaced file nothing is written: a CAS there would crash the JVM (SIGBUS).
        if (!fileBroken())
        {
            // Oldest first, as the leases were taken: their messages go back (or to the dead letters) in that order.
            final Lease[] held = java.util.Arrays.stream(leases, 0, leaseCount).filter(Lease::isActive)
                .sorted(java.util.Comparator.comparingLong(lease -> lease.grantSequence)).toArray(Lease[]::new);
            for (final Lease lease : held)
            {
                lease.close();
            }
        }
        waiter.close();
        closed = true;
        queue.detached(this, row);
    }
}
