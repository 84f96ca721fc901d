package io.ipcq.tools.chaos;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * What one consumer incarnation did with each lease, in a memory-mapped file that survives its {@code kill -9}:
 * one record per delivery, appended when the lease was granted and updated in place as it ends. Before an ack the
 * state goes to ACKING, and only once ack answered to ACKED (accepted) or FENCED (refused): a consumer killed in
 * between leaves ACKING, and whether that ack landed is settled by the verifier (see {@link ChaosVerifier}).
 * Releases likewise go RELEASING, then RELEASED or RELEASE_FENCED.
 * <p>
 * Timestamps are {@code System.nanoTime()}, which on Linux is CLOCK_MONOTONIC: one clock for every process of the
 * host, so the driver can compare them with its own kill times.
 * <pre>
 * Header (64 bytes): incarnation (long), role (int: 0 lanes, 1 dead letters), capacity in records (int),
 *                    records appended (long), evictions (long).
 * Record (64 bytes): key (long; -1 if the payload failed its check), message id (long), nanoTime before the lease
 *                    call (long), nanoTime the lease was granted (long), nanoTime the ack or release began (long),
 *                    nanoTime it answered (long), delivery count (int), state (int, stored last with release),
 *                    flags (int: {@link #FLAG_FORGOTTEN}).
 * </pre>
 * Only its consumer writes it; the driver creates it (sparse) before starting the consumer.
 */
final class DeliveryLog implements AutoCloseable
{
    static final int EMPTY = 0;
    static final int LEASED = 1;
    static final int ACKING = 2;
    static final int ACKED = 3;
    static final int FENCED = 4;
    static final int RELEASING = 5;
    static final int RELEASED = 6;
    static final int RELEASE_FENCED = 7;

    /** Flag: the consumer held this lease past its timeout on purpose. */
    static final int FLAG_FORGOTTEN = 1;

    static final int ROLE_LANES = 0;
    static final int ROLE_DEAD_LETTERS = 1;

    private static final int INCARNATION_OFFSET = 0;
    private static final int ROLE_OFFSET = 8;
    private static final int CAPACITY_OFFSET = 12;
    private static final int COUNT_OFFSET = 16;
    private static final int EVICTIONS_OFFSET = 24;
    private static final int HEADER_LENGTH = 64;

    private static final int KEY = 0;
    private static final int ID = 8;
    private static final int LEASE_CALL_NS = 16;
    private static final int LEASE_NS = 24;
    private static final int OP_START_NS = 32;
    private static final int OP_DONE_NS = 40;
    private static final int DELIVERIES = 48;
    private static final int STATE = 52;
    private static final int FLAGS = 56;
    private static final int RECORD_LENGTH = 64;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int capacity;

    private DeliveryLog(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        this.capacity = buffer.getInt(CAPACITY_OFFSET);
    }

    /**
     * Creates a sparse log (only the pages written take memory or disk).
     */
    static DeliveryLog create(final Path path, final int incarnation, final int role, final int capacity)
    {
        final MappedByteBuffer mapped = IoUtil.mapNewFile(path.toFile(),
            HEADER_LENGTH + (long)RECORD_LENGTH * capacity, false);
        final UnsafeBuffer header = new UnsafeBuffer(mapped);
        header.putLong(INCARNATION_OFFSET, incarnation);
        header.putInt(ROLE_OFFSET, role);
        header.putIntVolatile(CAPACITY_OFFSET, capacity);
        return new DeliveryLog(mapped);
    }

    static DeliveryLog open(final Path path)
    {
        return new DeliveryLog(IoUtil.mapExistingFile(path.toFile(), "delivery log"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Written by the consumer
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Appends the record of a lease just granted.
     *
     * @return its index, or -1 if the log is full.
     */
    int leased(final long key, final long id, final long leaseCallNs, final long leaseNs, final int deliveries)
    {
        final long count = buffer.getLong(COUNT_OFFSET);
        if (count >= capacity)
        {
            return -1;
        }
        final int index = (int)count;
        final int record = offset(index);
        buffer.putLong(record + KEY, key);
        buffer.putLong(record + ID, id);
        buffer.putLong(record + LEASE_CALL_NS, leaseCallNs);
        buffer.putLong(record + LEASE_NS, leaseNs);
        buffer.putLong(record + OP_START_NS, 0);
        buffer.putLong(record + OP_DONE_NS, 0);
        buffer.putInt(record + DELIVERIES, deliveries);
        buffer.putInt(record + FLAGS, 0);
        buffer.putIntRelease(record + STATE, LEASED);
        buffer.putLongRelease(COUNT_OFFSET, count + 1);
        return index;
    }

    /** The ack (ACKING) or release (RELEASING) of record {@code index} begins. */
    void begin(final int index, final int state)
    {
        final int record = offset(index);
        buffer.putLong(record + OP_START_NS, System.nanoTime());
        buffer.putIntRelease(record + STATE, state);
    }

    /** ... and answered: ACKED, FENCED, RELEASED or RELEASE_FENCED. */
    void end(final int index, final int state)
    {
        final int record = offset(index);
        buffer.putLong(record + OP_DONE_NS, System.nanoTime());
        buffer.putIntRelease(record + STATE, state);
    }

    void flag(final int index, final int flag)
    {
        final int record = offset(index);
        buffer.putIntRelease(record + FLAGS, buffer.getInt(record + FLAGS) | flag);
    }

    void evicted()
    {
        buffer.putLongRelease(EVICTIONS_OFFSET, buffer.getLong(EVICTIONS_OFFSET) + 1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Read by the driver
    // ---------------------------------------------------------------------------------------------------------

    int incarnation()
    {
        return (int)buffer.getLongVolatile(INCARNATION_OFFSET);
    }

    int role()
    {
        return buffer.getIntVolatile(ROLE_OFFSET);
    }

    /**
     * @return records written, including one a kill may have left unpublished (its state already set).
     */
    int records()
    {
        int count = (int)Math.min(buffer.getLongVolatile(COUNT_OFFSET), capacity);
        if (count < capacity && state(count) != EMPTY)
        {
            count++;
        }
        return count;
    }

    long evictions()
    {
        return buffer.getLongVolatile(EVICTIONS_OFFSET);
    }

    long key(final int index)
    {
        return buffer.getLong(offset(index) + KEY);
    }

    long id(final int index)
    {
        return buffer.getLong(offset(index) + ID);
    }

    long leaseCallNs(final int index)
    {
        return buffer.getLong(offset(index) + LEASE_CALL_NS);
    }

    long leaseNs(final int index)
    {
        return buffer.getLong(offset(index) + LEASE_NS);
    }

    long opStartNs(final int index)
    {
        return buffer.getLong(offset(index) + OP_START_NS);
    }

    long opDoneNs(final int index)
    {
        return buffer.getLong(offset(index) + OP_DONE_NS);
    }

    int deliveries(final int index)
    {
        return buffer.getInt(offset(index) + DELIVERIES);
    }

    int flags(final int index)
    {
        return buffer.getIntVolatile(offset(index) + FLAGS);
    }

    int state(final int index)
    {
        return buffer.getIntVolatile(offset(index) + STATE);
    }

    private static int offset(final int index)
    {
        return HEADER_LENGTH + index * RECORD_LENGTH;
    }

    static String stateName(final int state)
    {
        return switch (state)
        {
            case EMPTY -> "EMPTY";
            case LEASED -> "LEASED";
            case ACKING -> "ACKING";
            case ACKED -> "ACKED";
            case FENCED -> "FENCED";
            case RELEASING -> "RELEASING";
            case RELEASED -> "RELEASED";
            case RELEASE_FENCED -> "RELEASE_FENCED";
            default -> "?" + state;
        };
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
