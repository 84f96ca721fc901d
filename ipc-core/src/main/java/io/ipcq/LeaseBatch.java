package io.ipcq;

import org.agrona.DirectBuffer;

/**
 * Up to {@link #capacity()} messages leased by one call, {@link Consumer#tryLease(LeaseBatch, int)} or
 * {@link Consumer#lease(LeaseBatch, int, java.time.Duration)}: new messages of a lane with one step of its lease
 * cursor per run of consecutive positions (protocol #5b), after any redeliveries, the highest lane first, as that many {@link Consumer#tryLease()}
 * calls would. Entry {@code i} is a {@link Lease} like any other ({@link #lease(int)}); the by-index methods are
 * shorthands for it. Reusable: make one per consumer thread and keep it; a lease call fills it again from entry 0,
 * allocating nothing.
 * <p>
 * A batch not acked behaves as its leases: {@link #close()} releases those not yet ended (as {@link Lease#close()}
 * does), and so does closing the consumer. A lease call refuses a batch that still holds active leases, so that none
 * is forgotten.
 */
public final class LeaseBatch implements AutoCloseable
{
    private final Lease[] leases;
    /** The slot of each lease object handed to the ring, in the order the ring fills them (scratch, reused). */
    final io.ipcq.ring.SlotLease[] slots;
    private int size;

    /**
     * @param capacity the most messages one call leases into it.
     */
    public LeaseBatch(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("a batch holds at least one lease, not " + capacity);
        }
        this.leases = new Lease[capacity];
        this.slots = new io.ipcq.ring.SlotLease[capacity];
    }

    /**
     * @return the most messages one call leases into this batch.
     */
    public int capacity()
    {
        return leases.length;
    }

    /**
     * @return how many messages the last lease call put in it.
     */
    public int size()
    {
        return size;
    }

    /** Before a lease call fills it: none of its leases may still be active. */
    void begin()
    {
        for (int i = 0; i < size; i++)
        {
            if (leases[i].isActive())
            {
                throw new IllegalStateException("lease batch still holds lease " + i + " (" + leases[i] +
                    "): ack, release or close it first");
            }
            leases[i] = null;
        }
        size = 0;
    }

    void add(final Lease lease)
    {
        leases[size++] = lease;
    }

    /**
     * @param index 0 to {@link #size()} - 1.
     * @return the lease of entry {@code index}: valid until it ends, like any lease.
     */
    public Lease lease(final int index)
    {
        if (index < 0 || index >= size)
        {
            throw new IndexOutOfBoundsException("lease " + index + " of a batch of " + size);
        }
        return leases[index];
    }

    /**
     * @param index the entry.
     * @return its message id ({@link Lease#id()}).
     */
    public long id(final int index)
    {
        return lease(index).id();
    }

    /**
     * @param index the entry.
     * @return its payload, read in place ({@link Lease#payload()}).
     */
    public DirectBuffer payload(final int index)
    {
        return lease(index).payload();
    }

    /**
     * @param index the entry.
     * @return its payload length ({@link Lease#length()}).
     */
    public int length(final int index)
    {
        return lease(index).length();
    }

    /**
     * @param index the entry.
     * @return which delivery this is ({@link Lease#deliveryCount()}).
     */
    public int deliveryCount(final int index)
    {
        return lease(index).deliveryCount();
    }

    /**
     * @param index the entry.
     * @return the lane it was sent on ({@link Lease#lane()}).
     */
    public int lane(final int index)
    {
        return lease(index).lane();
    }

    /**
     * @param index the entry.
     * @return false if its lease had been taken away ({@link Lease#ack()}).
     */
    public boolean ack(final int index)
    {
        return lease(index).ack();
    }

    /**
     * @param index the entry.
     * @return false if its lease had been taken away ({@link Lease#release()}).
     */
    public boolean release(final int index)
    {
        return lease(index).release();
    }

    /**
     * Acknowledges every entry still active, in order: each slot is freed by its own CAS (protocol #7).
     *
     * @return how many acks succeeded; the others had been taken away (fenced) and will be delivered again.
     */
    public int ackAll()
    {
        int acked = 0;
        for (int i = 0; i < size; i++)
        {
            if (leases[i].isActive() && leases[i].ack())
            {
                acked++;
            }
        }
        return acked;
    }

    /**
     * Releases every entry still active, in order ({@link Lease#release()}).
     *
     * @return how many releases succeeded.
     */
    public int releaseAll()
    {
        int released = 0;
        for (int i = 0; i < size; i++)
        {
            if (leases[i].isActive() && leases[i].release())
            {
                released++;
            }
        }
        return released;
    }

    /**
     * Releases the entries not yet ended, as {@link Lease#close()} does for each.
     */
    @Override
    public void close()
    {
        for (int i = 0; i < size; i++)
        {
            leases[i].close();
        }
    }
}
