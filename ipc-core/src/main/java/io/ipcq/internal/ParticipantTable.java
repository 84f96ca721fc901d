package io.ipcq.internal;

import io.ipcq.QueueException;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.QueueDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.ParticipantDescriptor.*;

/**
 * The participants table: attach takes a free row by CAS, detach folds the row's counters into the header and
 * frees it. A row's index + 1 is the holder id written into the lease-state words of what it owns.
 */
public final class ParticipantTable
{
    private final AtomicBuffer buffer;
    private final int tableOffset;
    private final int capacity;

    public ParticipantTable(final AtomicBuffer buffer, final long tableOffset, final int capacity)
    {
        this.buffer = buffer;
        this.tableOffset = Math.toIntExact(tableOffset);
        this.capacity = capacity;
    }

    public int capacity()
    {
        return capacity;
    }

    public int rowOffset(final int index)
    {
        return tableOffset + index * PARTICIPANT_LENGTH;
    }

    /**
     * Takes a free row.
     *
     * @param role      one of the ROLE_ constants.
     * @param nowEpochMs attach time, also the first heartbeat.
     * @return the row index.
     */
    public int attach(final int role, final long nowEpochMs)
    {
        final int index = tryAttach(role, nowEpochMs);
        if (index < 0)
        {
            throw fullException();
        }
        return index;
    }

    /**
     * @return what {@link #attach} throws when every row is taken.
     */
    public QueueException fullException()
    {
        return new QueueException("cannot attach: all " + capacity + " participant rows are taken by live " +
            "processes (create the queue with a larger participant capacity, or stop some of them)");
    }

    /**
     * @return the first row in use whose process is gone (no such pid, a zombie, or the pid reused), or -1: the
     * row a reaper pass that holds no row of its own can write as the mover of its dead-letter moves (that row
     * stays dead, naming a gone process, until the pass has finished with it: see {@code IpcQueue}).
     */
    public int firstGoneRow()
    {
        for (int index = 0; index < capacity; index++)
        {
            final int state = rowState(index);
            final long pid = pid(index);
            if (state != ROW_FREE && pid != 0 && !ProcessInfo.isAlive(pid, startTime(index)))
            {
                return index;
            }
        }
        return -1;
    }

    /**
     * Takes a free row if there is one.
     *
     * @param role       one of the ROLE_ constants.
     * @param nowEpochMs attach time, also the first heartbeat.
     * @return the row index, or -1 if every row is taken.
     */
    public int tryAttach(final int role, final long nowEpochMs)
    {
        for (int index = 0; index < capacity; index++)
        {
            final int row = rowOffset(index);
            if (buffer.getIntVolatile(row + ROW_STATE_OFFSET) == ROW_FREE &&
                buffer.compareAndSetInt(row + ROW_STATE_OFFSET, ROW_FREE, ROW_ATTACHING))
            {
                buffer.putInt(row + ROLE_OFFSET, role);
                buffer.putLong(row + PID_OFFSET, ProcessInfo.selfPid());
                buffer.putLong(row + START_TIME_OFFSET, ProcessInfo.selfStartTime());
                buffer.putLong(row + ATTACHED_EPOCH_MS_OFFSET, nowEpochMs);
                buffer.putLong(row + LEASES_HELD_OFFSET, 0);
                for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
                {
                    buffer.putLong(row + counterOffset(i), 0);
                }
                buffer.setMemory(row + BRIDGE_PUBLISHED_OFFSET, BRIDGE_COUNTER_COUNT * Long.BYTES, (byte)0);
                buffer.putLongRelease(row + HEARTBEAT_EPOCH_MS_OFFSET, nowEpochMs);
                buffer.putIntRelease(row + ROW_STATE_OFFSET, ROW_ACTIVE);
                return index;
            }
        }
        return -1;
    }

    /**
     * Frees a row after adding its counters to the header's totals: by its owner on detach (even if the reaper
     * declared it dead meanwhile), or by the reaper once the owner's process is gone.
     *
     * @param index the row.
     */
    public void detach(final int index)
    {
        final int row = rowOffset(index);
        foldCounters(row);
        buffer.putLongRelease(row + LEASES_HELD_OFFSET, 0);
        buffer.putIntRelease(row + ROW_STATE_OFFSET, ROW_FREE);
    }

    /**
     * @param index the row.
     * @return its state word (ROW_FREE, ROW_ATTACHING, ROW_ACTIVE, ROW_DEAD).
     */
    public int rowState(final int index)
    {
        return buffer.getIntVolatile(rowOffset(index) + ROW_STATE_OFFSET);
    }

    /**
     * Declares a participant dead: from then on its leases are revoked and its own process, if it wakes, finds
     * itself evicted.
     *
     * @param index    the row.
     * @param observed the state the caller saw (attaching or active).
     * @return true if this call changed it.
     */
    public boolean markDead(final int index, final int observed)
    {
        return buffer.compareAndSetInt(rowOffset(index) + ROW_STATE_OFFSET, observed, ROW_DEAD);
    }

    public long pid(final int index)
    {
        return buffer.getLongVolatile(rowOffset(index) + PID_OFFSET);
    }

    public long startTime(final int index)
    {
        return buffer.getLongVolatile(rowOffset(index) + START_TIME_OFFSET);
    }

    public long heartbeat(final int index)
    {
        return buffer.getLongVolatile(rowOffset(index) + HEARTBEAT_EPOCH_MS_OFFSET);
    }

    public int role(final int index)
    {
        return buffer.getIntVolatile(rowOffset(index) + ROLE_OFFSET);
    }

    /**
     * Refreshes a row's heartbeat (its owner's agent only).
     *
     * @param index     the row.
     * @param nowEpochMs now.
     */
    public void beat(final int index, final long nowEpochMs)
    {
        buffer.putLongRelease(rowOffset(index) + HEARTBEAT_EPOCH_MS_OFFSET, nowEpochMs);
    }

    /**
     * @param index the row.
     * @return true while the row is active and still names this process (false once the reaper evicted it).
     */
    public boolean isOwnedActive(final int index)
    {
        return rowState(index) == ROW_ACTIVE && pid(index) == ProcessInfo.selfPid();
    }

    private void foldCounters(final int row)
    {
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            final long value = buffer.getLongVolatile(row + counterOffset(i));
            if (value != 0)
            {
                buffer.getAndAddLong(QueueDescriptor.counterOffset(i), value);
                buffer.putLongRelease(row + counterOffset(i), 0);
            }
        }
    }

    /**
     * Bumps a counter of a row. Only the row's owner writes it: a plain load and a release store suffice.
     *
     * @param rowOffset    the row.
     * @param counterIndex one of {@link CounterIndex}.
     */
    public static void increment(final AtomicBuffer buffer, final int rowOffset, final int counterIndex)
    {
        final int offset = rowOffset + counterOffset(counterIndex);
        buffer.putLongRelease(offset, buffer.getLong(offset) + 1);
    }

    public static void addLeasesHeld(final AtomicBuffer buffer, final int rowOffset, final int delta)
    {
        final int offset = rowOffset + LEASES_HELD_OFFSET;
        buffer.putLongRelease(offset, buffer.getLong(offset) + delta);
    }

    /**
     * @param counterIndex one of {@link CounterIndex}.
     * @return the header's total plus every attached row's count (rows change while this reads: see docs).
     */
    public long counterTotal(final int counterIndex)
    {
        long total = buffer.getLongVolatile(QueueDescriptor.counterOffset(counterIndex));
        for (int index = 0; index < capacity; index++)
        {
            final int row = rowOffset(index);
            if (buffer.getIntVolatile(row + ROW_STATE_OFFSET) != ROW_FREE)
            {
                total += buffer.getLongVolatile(row + counterOffset(counterIndex));
            }
        }
        return total;
    }
}
